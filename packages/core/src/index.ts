export * from './engine/index.ts';
export * from './errors/index.ts';
export * from './json/index.ts';
export * from './observe/index.ts';
export * from './progress/index.ts';
export * from './provider/index.ts';
export * from './resilience/index.ts';
export * from './schema/index.ts';
