export * from './primitives';
export * from './events';
export * from './topics';
export * from './registry';
export * from './envelope';
export * from './errors';
