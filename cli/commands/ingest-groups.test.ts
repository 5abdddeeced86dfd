import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { abandonedGroup } from './ingest.js';

describe('`ingest FILE` groups of crashed runs', () => {
  const self = { pid: 4242, host: 'this-host', running: new Set(['ingest-4242-1700000000000-2-this-host']) };
  // A pid that was alive and is gone: a child that exited.
  const gone = spawnSync(process.execPath, ['-e', '0']).pid as number;

  it('a run of this host whose process is gone, or an earlier run of this process, is abandoned', () => {
    expect(abandonedGroup(`ingest-${gone}-1700000000000-1-this-host`, self)).toBe(true);
    expect(abandonedGroup('ingest-4242-1700000000000-1-this-host', self)).toBe(true);
    // Named before groups carried their host: taken as this host's.
    expect(abandonedGroup(`ingest-${gone}-1700000000000`, self)).toBe(true);
  });

  it('a run still going, a live process, another host or another kind of group is not', () => {
    expect(abandonedGroup('ingest-4242-1700000000000-2-this-host', self)).toBe(false);
    expect(abandonedGroup(`ingest-${process.pid}-1700000000000-1-this-host`, self)).toBe(false);
    expect(abandonedGroup(`ingest-${gone}-1700000000000-1-other-host`, self)).toBe(false);
    // A host name with dashes and digits is still the host.
    expect(abandonedGroup(`ingest-${gone}-1700000000000-1-node-12-a`, { ...self, host: 'node-12-a' })).toBe(true);
    expect(abandonedGroup('slo-pipeline', self)).toBe(false);
    expect(abandonedGroup('ingest-fast', self)).toBe(false);
  });
});
