/**
 * What the engine, observer and element benchmarks share: their command-line
 * flags, and a provider that replays text chunks with as little overhead as the
 * `AsyncIterable` contract allows, so a figure is the engine's own cost.
 */
import type { StructuredProvider } from '@structllm/core';
import type { ProviderCall, ProviderPart } from '@structllm/core/provider';

/**
 * `--quick` (a smoke run), `--json <file>` (also write the figures there) and
 * `--check` (exit 1 when a goal fails).
 */
export function benchFlags(argv: readonly string[] = process.argv.slice(2)): {
  readonly quick: boolean;
  readonly check: boolean;
  readonly jsonOut: string | undefined;
} {
  const at = argv.indexOf('--json');
  return {
    quick: argv.includes('--quick'),
    check: argv.includes('--check'),
    jsonOut: at === -1 ? undefined : argv[at + 1],
  };
}

/**
 * A provider whose every stream replays the chunks `open()` yields (a fresh
 * iterator per call, so long answers can be generated as they are read), then
 * finishes with `stop`. `doGenerate` joins them. Its iterator results are
 * `{ value, done }`, in the order native iterators and async generators (the
 * SDKs' streams) write them, which V8 handles faster than `{ done, value }`.
 */
export function replayProvider(open: () => Iterator<string>): StructuredProvider {
  const parts = (): AsyncIterable<ProviderPart> => ({
    [Symbol.asyncIterator]() {
      const source = open();
      let finished = false;
      return {
        next: (): Promise<IteratorResult<ProviderPart>> => {
          if (finished) return Promise.resolve({ value: undefined, done: true });
          const chunk = source.next();
          if (chunk.done !== true) {
            return Promise.resolve({
              value: { type: 'text-delta', delta: chunk.value },
              done: false,
            });
          }
          finished = true;
          return Promise.resolve({ value: { type: 'finish', finishReason: 'stop' }, done: false });
        },
      };
    },
  });
  return {
    specificationVersion: 'v1',
    id: 'replay',
    // Its reads never wait.
    abortEndsReads: true,
    supports: () => ({ streaming: true, modes: ['json_schema'] }),
    doStream: async (_call: ProviderCall) => parts(),
    doGenerate: async () => {
      const text: string[] = [];
      for (let source = open(), chunk = source.next(); chunk.done !== true; chunk = source.next()) {
        text.push(chunk.value);
      }
      return { text: text.join(''), finishReason: 'stop' };
    },
  };
}
