import { MemoryTransport, withTopicPrefix } from '../../processors/transport/index.js';
import { transportContract } from './transport.contract.js';

transportContract('memory', async () => new MemoryTransport());
// The prefixing view must be invisible to the processors: the same contract holds through it.
transportContract('memory behind a topic prefix', async () => withTopicPrefix(new MemoryTransport(), 'staging.'));
