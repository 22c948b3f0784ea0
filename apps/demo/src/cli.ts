#!/usr/bin/env node
import { runCli } from './cli/run.ts';

const controller = new AbortController();
let signalled: 'SIGINT' | 'SIGTERM' | undefined;
process.on('SIGINT', () => {
  // A second Ctrl-C exits at once.
  if (signalled === 'SIGINT') process.exit(130);
  signalled = 'SIGINT';
  controller.abort(new Error('interrupted'));
});
process.on('SIGTERM', () => {
  signalled ??= 'SIGTERM';
  controller.abort(new Error('terminated'));
});

// Output piped into a command that stopped reading (`| head -3`): stop quietly,
// with nothing more on either stream and exit code 0, as `yes | head` does.
let stdoutClosed = false;
const closed = (error: NodeJS.ErrnoException) =>
  error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED';
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (!closed(error)) throw error;
  if (stdoutClosed) return;
  stdoutClosed = true;
  controller.abort(new Error('stdout closed'));
});
process.stderr.on('error', (error: NodeJS.ErrnoException) => {
  if (!closed(error)) throw error;
});

const stdout = {
  get isTTY() {
    return process.stdout.isTTY;
  },
  get columns() {
    return process.stdout.columns;
  },
  get rows() {
    return process.stdout.rows;
  },
  write: (text: string) => (stdoutClosed ? false : process.stdout.write(text)),
};
const stderr = {
  get isTTY() {
    return process.stderr.isTTY;
  },
  write: (text: string) => (stdoutClosed ? false : process.stderr.write(text)),
};

const code = await runCli(process.argv.slice(2), {
  stdout,
  stderr,
  env: process.env,
  signal: controller.signal,
});
process.exitCode = stdoutClosed
  ? 0
  : signalled !== undefined && code !== 0
    ? signalled === 'SIGINT'
      ? 130
      : 143
    : code;
