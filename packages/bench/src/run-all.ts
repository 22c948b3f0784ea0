/**
 * `pnpm bench`: every benchmark in turn, each in its own Node process (as its
 * own script runs it), then the total time. `--quick`, `--full` and `--check`
 * are passed on; with `--check` a benchmark whose goal fails exits 1, and so
 * does this run, after the remaining benchmarks have run.
 *
 *   node src/run-all.ts [--quick] [--full] [--check]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const benches: readonly { readonly script: string; readonly gc: boolean }[] = [
  { script: 'parser-bench.ts', gc: true },
  { script: 'engine-bench.ts', gc: true },
  { script: 'observer-bench.ts', gc: true },
  { script: 'elements-bench.ts', gc: true },
  { script: 'progress-bench.ts', gc: false },
  { script: 'size-bench.ts', gc: false },
  { script: 'bullmq-bench.ts', gc: false },
  { script: 'http-bench.ts', gc: true },
];
const passed = new Set(['--quick', '--full', '--check']);
const args = process.argv.slice(2).filter((arg) => arg !== '--');
const unknown = args.filter((arg) => !passed.has(arg));
if (unknown.length > 0) {
  process.stderr.write(
    `Unknown option ${unknown.join(' ')}. Usage: pnpm bench [--quick] [--full] [--check]\n` +
      '(--json <file> is an option of each benchmark script: pnpm --filter @structllm/bench run bench:parser -- --json x.json)\n',
  );
  process.exit(2);
}

const started = performance.now();
const failed: string[] = [];
for (const { script, gc } of benches) {
  const bench = performance.now();
  const result = spawnSync(
    process.execPath,
    [
      '--conditions=@structllm/source',
      ...(gc ? ['--expose-gc'] : []),
      fileURLToPath(new URL(script, import.meta.url)),
      ...args,
    ],
    { stdio: 'inherit' },
  );
  const seconds = ((performance.now() - bench) / 1000).toFixed(0);
  process.stderr.write(`[bench] ${script}: ${seconds} s\n`);
  if (result.status !== 0) failed.push(`${script} (exit ${result.status ?? result.signal})`);
}
const total = ((performance.now() - started) / 1000).toFixed(0);
console.log(`\nAll benchmarks ran in ${total} s.`);
if (failed.length > 0) {
  console.log(`Failed: ${failed.join(', ')}.`);
  process.exitCode = 1;
}
