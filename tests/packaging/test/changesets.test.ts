/**
 * Releases as maintainers run them: `changeset version` on a copy of the
 * workspace's manifests and `.changeset/` configuration, with changesets
 * written by the test. Proves independent versioning (a package moves only for
 * its own changesets and for dependencies that left its range), one
 * CHANGELOG.md per published package, and private packages left alone.
 */
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const changesetBin = join(root, 'node_modules/.bin/changeset');
const work = mkdtempSync(join(tmpdir(), 'structllm-changesets-'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The workspace's tracked manifests and release configuration. */
const manifests = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((file) =>
    /(^|\/)package\.json$|^pnpm-workspace\.yaml$|^\.changeset\/config\.json$/.test(file),
  );

interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
}

/** A fresh copy of the workspace with only the given changesets pending. */
function workspace(name: string, changesets: Record<string, string>): string {
  const dir = join(work, name);
  for (const file of manifests) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(root, file), join(dir, file));
  }
  for (const [id, text] of Object.entries(changesets)) {
    writeFileSync(join(dir, '.changeset', `${id}.md`), text);
  }
  return dir;
}

function versions(dir: string): Map<string, { version: string; path: string; private: boolean }> {
  const out = new Map<string, { version: string; path: string; private: boolean }>();
  for (const file of manifests.filter((f) => f.endsWith('package.json') && f !== 'package.json')) {
    const manifest = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Manifest;
    out.set(manifest.name, {
      version: manifest.version,
      path: dirname(file),
      private: manifest.private === true,
    });
  }
  return out;
}

function changesetVersion(dir: string): void {
  execFileSync(changesetBin, ['version'], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
}

function bump(version: string, kind: 'patch' | 'minor'): string {
  const [major, minor, patch] = version.split('.').map(Number) as [number, number, number];
  return kind === 'minor' ? `${major}.${minor + 1}.0` : `${major}.${minor}.${patch + 1}`;
}

describe('changeset version', { timeout: 60_000 }, () => {
  it('moves only the package a changeset names when nothing depends on it, and writes its CHANGELOG', () => {
    const dir = workspace('independent', {
      'prometheus-fix': "---\n'@structllm/prometheus': patch\n---\n\nFix a label.\n",
    });
    const before = versions(dir);
    changesetVersion(dir);
    const after = versions(dir);
    for (const [name, { version, path }] of before) {
      if (name === '@structllm/prometheus') {
        expect(after.get(name)?.version).toBe(bump(version, 'patch'));
        const changelog = readFileSync(join(dir, path, 'CHANGELOG.md'), 'utf8');
        expect(changelog).toContain(`# @structllm/prometheus\n\n## ${bump(version, 'patch')}`);
        expect(changelog).toMatch(/### Patch Changes\s+- Fix a label\./);
      } else {
        expect(after.get(name)?.version, name).toBe(version);
        expect(existsSync(join(dir, path, 'CHANGELOG.md')), name).toBe(
          existsSync(join(root, path, 'CHANGELOG.md')),
        );
      }
    }
    expect(existsSync(join(dir, '.changeset', 'prometheus-fix.md'))).toBe(false);
  });

  it('a core release reaches the packages whose peer range it leaves, never the private ones', () => {
    const dir = workspace('core-minor', {
      'core-feature': "---\n'@structllm/core': minor\n---\n\nA new engine option.\n",
    });
    const before = versions(dir);
    changesetVersion(dir);
    const after = versions(dir);
    const core = before.get('@structllm/core');
    expect(after.get('@structllm/core')?.version).toBe(bump(core?.version ?? '', 'minor'));
    const coreLog = readFileSync(join(dir, 'packages/core/CHANGELOG.md'), 'utf8');
    expect(coreLog).toMatch(/### Minor Changes\s+- A new engine option\./);

    for (const [name, info] of before) {
      if (name === '@structllm/core') continue;
      const manifest = JSON.parse(readFileSync(join(root, info.path, 'package.json'), 'utf8')) as {
        peerDependencies?: Record<string, string>;
      };
      if (info.private) {
        expect(after.get(name)?.version, name).toBe(info.version);
      } else if (manifest.peerDependencies?.['@structllm/core'] !== undefined) {
        // 0.x: a minor release of core leaves `^0.y.z`, so each adapter gets a patch release.
        expect(after.get(name)?.version, name).toBe(bump(info.version, 'patch'));
        const log = readFileSync(join(dir, info.path, 'CHANGELOG.md'), 'utf8');
        expect(log, name).toContain(`@structllm/core@${after.get('@structllm/core')?.version}`);
      }
    }
  });
});
