// The engine's tests drive it with @structllm/testing's MockProvider. Imported by
// path, not by package name: a dev dependency on @structllm/testing (which itself
// depends on core) would make the workspace graph cyclic.
export * from '../../../testing/src/index.ts';
