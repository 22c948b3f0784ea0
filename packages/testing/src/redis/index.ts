import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisServerOptions {
  /** The server binary; default `redis-server` on PATH (Debian package `redis-server`). */
  readonly binary?: string;
  /** How long to wait for "Ready to accept connections"; default 15_000 ms. */
  readonly readyTimeoutMs?: number;
}

/** A throwaway Redis on 127.0.0.1: no persistence, its own temporary directory. */
export interface RedisServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Stops the server (SIGTERM, then SIGKILL) and removes its directory; safe to call twice. */
  stop(): Promise<void>;
}

/** A port nobody listens on right now (the kernel picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  let timer: ReturnType<typeof setTimeout> | undefined;
  const killed = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, 5_000);
  });
  await Promise.race([exited(child), killed]);
  clearTimeout(timer);
  await exited(child);
}

/** One try on one port: resolves once the server accepts connections. */
function launch(binary: string, port: number, dir: string, readyTimeoutMs: number) {
  const child = spawn(
    binary,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--logfile',
      '',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise<ChildProcess>((resolve, reject) => {
    let output = '';
    const fail = (reason: string): void => {
      clearTimeout(timer);
      void stopChild(child).then(() =>
        reject(new Error(`redis-server did not start on port ${port}: ${reason}\n${output}`)),
      );
    };
    const timer = setTimeout(() => fail(`not ready after ${readyTimeoutMs} ms`), readyTimeoutMs);
    const onData = (data: Buffer): void => {
      output = (output + data.toString('utf8')).slice(-4_000);
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (data: Buffer) => {
      output = (output + data.toString('utf8')).slice(-4_000);
    });
    child.once('error', (error) => fail(error.message));
    child.once('exit', (code, signal) => fail(`exited (${signal ?? code})`));
  });
}

/**
 * Starts Debian's `redis-server` on a free loopback port with a temporary directory and
 * no persistence (`--save '' --appendonly no`), and resolves once it accepts
 * connections. Stop it with `stop()` (e.g. in `afterAll`).
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const binary = options.binary ?? 'redis-server';
  const readyTimeoutMs = options.readyTimeoutMs ?? 15_000;
  const dir = mkdtempSync(join(tmpdir(), 'structllm-redis-'));
  let lastError: unknown;
  // The port is free when asked, but another process may take it before the server binds.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    let child: ChildProcess;
    try {
      child = await launch(binary, port, dir, readyTimeoutMs);
    } catch (error) {
      lastError = error;
      continue;
    }
    child.removeAllListeners('exit');
    // A test run that ends without stopping it must not leave a server behind.
    const killOnExit = (): void => {
      child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    let stopping: Promise<void> | undefined;
    return {
      host: '127.0.0.1',
      port,
      url: `redis://127.0.0.1:${port}`,
      stop: () => {
        stopping ??= stopChild(child).then(() => {
          process.off('exit', killOnExit);
          rmSync(dir, { recursive: true, force: true });
        });
        return stopping;
      },
    };
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}
