export * from './enums.js';
export * from './topics.js';
export type * from './events.js';
