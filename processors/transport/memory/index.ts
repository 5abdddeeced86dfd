export { MemoryTransport } from './memory-transport.js';
export type { MemoryTransportOptions } from './options.js';

import { MemoryTransport } from './memory-transport.js';
import type { MemoryTransportOptions } from './options.js';

export function createMemoryTransport(options?: MemoryTransportOptions): MemoryTransport {
  return new MemoryTransport(options);
}
