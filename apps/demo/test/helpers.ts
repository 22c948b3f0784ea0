import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { type Backend, connectBackend } from '../src/backend.ts';
import { startWebServer, type WebServer } from '../src/web/server.ts';

const demoRoot = fileURLToPath(new URL('..', import.meta.url));
const cliPath = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** An environment with no API key (whatever the developer's shell has), plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'SYSTEMROOT']) {
    if (process.env[name] !== undefined) env[name] = process.env[name];
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

/** Runs a TypeScript entry point on the pinned Node (vitest's own), with workspace sources. */
export function runScript(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = cleanEnv(),
  timeoutMs = 20_000,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@structllm/source', script, ...args], {
      cwd: demoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (data: string) => {
      stdout += data;
    });
    child.stderr.setEncoding('utf8').on('data', (data: string) => {
      stderr += data;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${script} ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stdout}\n${stderr}`,
        ),
      );
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export function runDemo(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<RunResult> {
  return runScript(cliPath, args, env);
}

export interface JsonLine {
  index: number;
  attempt: number;
  model: string;
  progressPercent: number;
  /** While streaming: what the percent rests on. */
  estimate?: 'schema' | 'learned';
  isComplete: boolean;
  partialResult: unknown;
  error?: { category: string; message: string };
}

export function jsonLines(stdout: string): JsonLine[] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as JsonLine);
}

/** The pretty-printed JSON value a plain run ends with. */
export function finalObject(stdout: string): unknown {
  const start = stdout.lastIndexOf('\n{\n');
  return JSON.parse(stdout.slice(start + 1));
}

/** Runs the CLI in this process (same code path as the binary, minus process wiring): faster than a child. */
export async function runDemoInProcess(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<RunResult> {
  const { runCli } = await import('../src/cli/run.ts');
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { isTTY: false, write: (text: string) => (stdout += text) },
    stderr: { isTTY: false, write: (text: string) => (stderr += text) },
    env,
  });
  return { code, stdout, stderr };
}

/** A demo process left running (`--web`): its output so far, a wait for a line, and a stop. */
export interface RunningDemo {
  readonly output: () => { readonly stdout: string; readonly stderr: string };
  /** Resolves with the first match of `pattern` in stdout. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** SIGTERM (the CLI closes its server), or the given signal, then the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts the CLI on the pinned Node and leaves it running. */
export function startDemo(args: readonly string[], env: NodeJS.ProcessEnv): RunningDemo {
  const child = spawn(process.execPath, ['--conditions=@structllm/source', cliPath, ...args], {
    cwd: demoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (data: string) => {
    stdout += data;
    for (const listener of listeners) listener();
  });
  child.stderr.setEncoding('utf8').on('data', (data: string) => {
    stderr += data;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    output: () => ({ stdout, stderr }),
    waitFor: (pattern, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = stdout.match(pattern);
          if (match === null) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve(match);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no ${pattern} in ${timeoutMs} ms\n${stdout}\n${stderr}`));
        }, timeoutMs);
        listeners.add(check);
        void exited.then(() => {
          listeners.delete(check);
          clearTimeout(timer);
          reject(new Error(`the demo exited before printing ${pattern}\n${stdout}\n${stderr}`));
        });
        check();
      }),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** The system Chromium: CHROMIUM_PATH, else the usual Debian/Ubuntu paths. Missing is a failure, not a skip. */
function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  const found = candidates.find((path) => path !== undefined && path !== '' && existsSync(path));
  if (found === undefined) {
    throw new Error(
      'The web page test needs a Chromium binary: install it (apt-get install chromium) or set CHROMIUM_PATH. Tried: ' +
        candidates.filter(Boolean).join(', '),
    );
  }
  return found;
}

/** Engine requests made so far (the Prometheus counter, every label). */
export async function requestsMade(web: { readonly url: string }): Promise<number> {
  const text = await (await fetch(`${web.url}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('structured_llm_streaming_requests_total{')) {
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}

/** What a browser test block runs against: a simulated backend, the web server, Chromium. */
export interface WebPageSetUp {
  readonly backend: Backend;
  readonly web: WebServer;
  readonly browser: Browser;
}

/**
 * For the enclosing `describe`: a simulated backend, the demo's web server on a free
 * loopback port (the simulated model writing a chunk every `paceMs`) and the system
 * Chromium, started before its tests and closed after them. Read the fields inside tests.
 */
export function useWebPage(options: { readonly paceMs: number }): WebPageSetUp {
  const set: { -readonly [K in keyof WebPageSetUp]?: WebPageSetUp[K] } = {};
  beforeAll(async () => {
    set.backend = await connectBackend({ simulated: true, env: {} });
    set.web = await startWebServer({ backend: set.backend, port: 0, paceMs: options.paceMs });
    set.browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
  }, 30_000);
  afterAll(async () => {
    await set.browser?.close();
    await set.web?.close();
    await set.backend?.close();
  });
  return set as WebPageSetUp;
}
