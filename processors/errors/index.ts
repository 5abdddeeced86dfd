export * from './codes.js';
export * from './pipeline-error.js';
