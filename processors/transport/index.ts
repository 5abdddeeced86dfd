export type * from './types.js';
export { murmur2, partitionForKey } from './partitioner.js';
export { consumerLag, waitForCaughtUp, type PartitionLag, type WaitForCaughtUpOptions } from './lag.js';
export { MemoryTransport, createMemoryTransport, type MemoryTransportOptions } from './memory/index.js';
export { withTopicPrefix } from './prefixed-transport.js';
