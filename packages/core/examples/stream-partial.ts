/**
 * Streams a structured answer through the incremental parser the way a model
 * sends it (small token-sized chunks, a few milliseconds apart) and prints the
 * growing partial object after every chunk. No API key, no network.
 *
 *   node --conditions=@structllm/source packages/core/examples/stream-partial.ts
 */
import { createJsonStreamParser } from '@structllm/core';

const answer = {
  name: 'Ada Lovelace',
  role: 'Principal engineer',
  bio: 'Writes the first published algorithm for a machine that does not exist yet — and explains why it matters.',
  skills: ['analysis', 'mathematics', 'poetical science'],
  yearsOfExperience: 12,
  remote: true,
  address: { city: 'London', country: 'UK' },
};

const text = JSON.stringify(answer, null, 2);
const tokens = text.match(/.{1,4}/gsu) ?? [];
const delayMs = Number(process.env.DEMO_DELAY_MS ?? 15);
const live = process.stdout.isTTY === true;

const parser = createJsonStreamParser();
let received = 0;
for (const token of tokens) {
  parser.write(token);
  received += token.length;
  const percent = Math.round((received / text.length) * 100);
  const line = `${String(percent).padStart(3)}%  ${JSON.stringify(parser.value)}`;
  if (live) process.stdout.write(`\r\x1b[2K${line.slice(0, (process.stdout.columns ?? 120) - 1)}`);
  else console.log(line);
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
}
parser.end();
if (live) process.stdout.write('\n');
console.log(`\ncomplete: ${parser.complete}, ${tokens.length} chunks, final value:`);
console.log(parser.value);
