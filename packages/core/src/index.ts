export * from './errors/index.ts';
export * from './json/index.ts';
