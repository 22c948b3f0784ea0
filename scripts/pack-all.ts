/**
 * `pnpm pack:all`: packs every published package (every non-private package
 * under packages/) with `pnpm pack` — workspace ranges become real versions —
 * into one folder, `dist-packs/` by default, and prints the tarballs. Until the
 * packages are on the npm registry, an application installs them from there:
 * `npm install ./dist-packs/*.tgz`. The packages must be built first
 * (`pnpm pack:all` builds them); tests/packaging packs the same way.
 *
 *   node scripts/pack-all.ts [destination]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** pnpm as this process was started with (a pnpm script), else the pinned version through npx. */
function pnpm(args: readonly string[], cwd: string): string {
  const execPath = process.env.npm_execpath;
  if (execPath !== undefined && /pnpm/.test(execPath)) {
    return execFileSync(process.execPath, [execPath, ...args], { cwd, encoding: 'utf8' });
  }
  // Without the pnpm-only `npm_config_*` settings of a surrounding pnpm run: npx
  // (npm) would warn "Unknown env config" for each.
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.toLowerCase().startsWith('npm_config_')) env[name] = value;
  }
  return execFileSync('npx', ['-y', 'pnpm@10.34.9', ...args], { cwd, encoding: 'utf8', env });
}

interface PublishedPackage {
  readonly name: string;
  readonly dir: string;
}

/** Every non-private package under packages/, at any depth. */
function publishedPackages(): PublishedPackage[] {
  const found: PublishedPackage[] = [];
  const visit = (dir: string): void => {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name: string; private?: boolean };
      if (pkg.private !== true) found.push({ name: pkg.name, dir });
      return;
    }
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && entry.name !== 'node_modules') visit(join(dir, entry.name));
    }
  };
  visit(join(root, 'packages'));
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Packs every published package into `destination` (emptied first) and returns
 * the tarball of each, by package name. Throws when a package is not built.
 */
export function packAll(destination: string): Map<string, string> {
  rmSync(destination, { recursive: true, force: true });
  mkdirSync(destination, { recursive: true });
  const tarballs = new Map<string, string>();
  for (const { name, dir } of publishedPackages()) {
    if (!existsSync(join(dir, 'dist', 'index.js'))) {
      throw new Error(`${relative(root, dir)} is not built: run \`pnpm build\` first`);
    }
    const out = pnpm(['pack', '--pack-destination', destination], dir).trim().split('\n');
    const file = out.at(-1)?.trim();
    if (file === undefined || !file.endsWith('.tgz')) throw new Error(`pnpm pack printed ${out}`);
    tarballs.set(name, resolve(destination, file));
  }
  return tarballs;
}

if (import.meta.main) {
  const destination = resolve(root, process.argv[2] ?? 'dist-packs');
  const tarballs = packAll(destination);
  for (const file of tarballs.values()) console.log(relative(process.cwd(), file));
  console.log(
    `\n${tarballs.size} packages. In your project: npm install ${relative(process.cwd(), destination)}/*.tgz` +
      ' (then the peers you use: openai, @anthropic-ai/sdk, zod, valibot, …)',
  );
}
