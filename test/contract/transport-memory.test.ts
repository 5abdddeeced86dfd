import { MemoryTransport } from '../../processors/transport/index.js';
import { transportContract } from './transport.contract.js';

transportContract('memory', async () => new MemoryTransport());
