/**
 * The fault matrix: every fault a provider API can produce, through the real
 * provider, its real SDK and the engine, streaming on and off.
 */
import type { ErrorCategory } from '@structllm/core';
import type { WireScript } from '@structllm/testing';
import { PERSON } from './harness.ts';

export interface FaultCase {
  readonly name: string;
  /** What the server does for the first request; later requests answer {@link PERSON}. */
  readonly script: WireScript;
  /**
   * How the request ends: the value after `attempts` tries (the first failing with
   * one of `firstCategory`), or an error of `category` after one try.
   */
  readonly expect:
    | { readonly outcome: 'value'; readonly firstCategory?: readonly ErrorCategory[] }
    | { readonly outcome: 'error'; readonly category: ErrorCategory };
  /** The faulty answer writes PERSON (so its partials must agree with it too). */
  readonly writesPerson: boolean;
  /** The server's answer stays open until the client gives up (a stall). */
  readonly clientMustDisconnect?: boolean;
  /** Least backoff the engine must have slept after the first attempt. */
  readonly minDelayMs?: number;
}

const retryable = (category: ErrorCategory): FaultCase['expect'] => ({
  outcome: 'value',
  firstCategory: [category],
});

export const FAULT_CASES: readonly FaultCase[] = [
  {
    name: '429 with retry-after (seconds)',
    script: { kind: 'error', status: 429, retryAfter: 1 },
    expect: retryable('rate_limit'),
    writesPerson: false,
    minDelayMs: 1000,
  },
  {
    name: '429 with retry-after-ms',
    script: { kind: 'error', status: 429, retryAfterMs: 40 },
    expect: retryable('rate_limit'),
    writesPerson: false,
    minDelayMs: 40,
  },
  {
    name: '500',
    script: { kind: 'error', status: 500 },
    expect: retryable('server'),
    writesPerson: false,
  },
  {
    name: '503',
    script: { kind: 'error', status: 503 },
    expect: retryable('server'),
    writesPerson: false,
  },
  {
    name: '529 overloaded',
    script: { kind: 'error', status: 529 },
    expect: retryable('server'),
    writesPerson: false,
  },
  {
    name: 'stall before the first byte',
    script: { kind: 'generate', json: PERSON, fault: { type: 'stall-before-headers' } },
    expect: retryable('timeout'),
    writesPerson: true,
    clientMustDisconnect: true,
  },
  {
    name: 'stall mid-stream',
    script: {
      kind: 'generate',
      json: PERSON,
      chunkSize: 5,
      fault: { type: 'stall', afterChunks: 4 },
    },
    expect: retryable('timeout'),
    writesPerson: true,
    clientMustDisconnect: true,
  },
  {
    name: 'mid-stream error event',
    script: {
      kind: 'generate',
      json: PERSON,
      chunkSize: 5,
      fault: { type: 'error-event', afterChunks: 4 },
    },
    expect: retryable('server'),
    writesPerson: true,
  },
  {
    name: 'truncated stream (no finish)',
    script: {
      kind: 'generate',
      json: PERSON,
      chunkSize: 5,
      fault: { type: 'truncate', afterChunks: 4 },
    },
    expect: retryable('network'),
    writesPerson: true,
  },
  {
    name: 'malformed SSE event',
    script: {
      kind: 'generate',
      json: PERSON,
      chunkSize: 5,
      fault: { type: 'malformed-event', afterChunks: 4 },
    },
    // The SDKs raise a broken event as an API error (server); a broken JSON body as a network error.
    expect: { outcome: 'value', firstCategory: ['server', 'network'] },
    writesPerson: true,
  },
  {
    name: 'malformed JSON from the model',
    script: { kind: 'generate', text: '{"name": "Ada", "born": 18x5}', chunkSize: 4 },
    expect: retryable('parse'),
    writesPerson: false,
  },
  {
    name: 'connection reset mid-stream',
    script: {
      kind: 'generate',
      json: PERSON,
      chunkSize: 5,
      fault: { type: 'reset', afterChunks: 4 },
    },
    expect: retryable('network'),
    writesPerson: true,
  },
  {
    name: '200 with an HTML page (a proxy or captive portal)',
    script: { kind: 'not-completion' },
    // Not streaming, the SDKs hand the page back as text: the provider calls it `server`.
    // Streaming, the page is a stream without events: `network`. Never `parse`.
    expect: { outcome: 'value', firstCategory: ['server', 'network'] },
    writesPerson: false,
  },
  {
    name: '200 with JSON that is not a completion ({})',
    script: { kind: 'not-completion', body: '{}', contentType: 'application/json' },
    expect: { outcome: 'value', firstCategory: ['server', 'network'] },
    writesPerson: false,
  },
  {
    name: 'connection reset before the response',
    script: { kind: 'reset' },
    expect: retryable('network'),
    writesPerson: false,
  },
  {
    name: 'slow drip',
    script: { kind: 'generate', json: PERSON, chunkSize: 3, delayMs: 2, keepAliveEvery: 5 },
    expect: { outcome: 'value' },
    writesPerson: true,
  },
  {
    name: 'random byte boundaries',
    script: { kind: 'generate', json: PERSON, chunkSize: 4, chunking: { seed: 42, maxBytes: 7 } },
    expect: { outcome: 'value' },
    writesPerson: true,
  },
  {
    name: 'refusal',
    script: { kind: 'generate', refusal: 'I cannot help with that request.' },
    expect: { outcome: 'error', category: 'content_filter' },
    writesPerson: false,
  },
  {
    name: 'length cut (token limit)',
    script: {
      kind: 'generate',
      text: '{"name": "Ada Lovelace", "bio": "Mathem',
      finish: 'length',
      chunkSize: 6,
    },
    expect: { outcome: 'error', category: 'length' },
    writesPerson: false,
  },
];
