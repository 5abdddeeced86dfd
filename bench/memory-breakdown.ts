import { readFileSync } from 'node:fs';

/**
 * What a process's resident memory is made of, from /proc/self/smaps and
 * process.memoryUsage(): the figures a peak is broken down into (KAFKA_BENCH_MEMORY=1).
 */
export interface MemorySample {
  rssMb: number;
  /** Resident pages mapped from libchdb's file (its code and read-only data). */
  chdbCodeMb: number;
  /** Resident pages mapped from other files (Node's binary, other libraries). */
  otherFilesMb: number;
  /** glibc's main heap ([heap]): Node's own allocations and buffers' backing memory. */
  brkHeapMb: number;
  /** Anonymous mappings: V8's pages, the engine's allocator's extents, threads' arenas and stacks. */
  anonMb: number;
  v8HeapTotalMb: number;
  v8HeapUsedMb: number;
  externalMb: number;
  arrayBuffersMb: number;
}

const MB = 2 ** 20;

export function sampleMemory(): MemorySample {
  let chdb = 0;
  let files = 0;
  let brk = 0;
  let anon = 0;
  let current: 'chdb' | 'file' | 'brk' | 'anon' = 'anon';
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const c = line.charCodeAt(0);
    // A mapping's header line starts with its hex address; its fields start with a capital letter.
    if ((c >= 48 && c <= 57) || (c >= 97 && c <= 102)) {
      const path = line.split(/\s+/).slice(5).join(' ');
      current = path.includes('libchdb') ? 'chdb' : path === '[heap]' ? 'brk' : path.startsWith('/') ? 'file' : 'anon';
    } else if (line.startsWith('Rss:')) {
      const kb = Number(line.slice(4).trim().split(/\s+/)[0]) * 1024;
      if (current === 'chdb') chdb += kb;
      else if (current === 'file') files += kb;
      else if (current === 'brk') brk += kb;
      else anon += kb;
    }
  }
  const m = process.memoryUsage();
  return {
    rssMb: m.rss / MB,
    chdbCodeMb: chdb / MB,
    otherFilesMb: files / MB,
    brkHeapMb: brk / MB,
    anonMb: anon / MB,
    v8HeapTotalMb: m.heapTotal / MB,
    v8HeapUsedMb: m.heapUsed / MB,
    externalMb: m.external / MB,
    arrayBuffersMb: m.arrayBuffers / MB,
  };
}

/** Samples every `everyMs` and keeps the sample at the highest RSS. */
export function memoryPeakTracker(everyMs = 250): { stop(): MemorySample | null } {
  let peak: MemorySample | null = null;
  const timer = setInterval(() => {
    const s = sampleMemory();
    if (peak === null || s.rssMb > peak.rssMb) peak = s;
  }, everyMs);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}

export function formatMemory(s: MemorySample): string {
  const r = (n: number): number => Math.round(n);
  return (
    `RSS ${r(s.rssMb)} MB: libchdb's code ${r(s.chdbCodeMb)}, other files ${r(s.otherFilesMb)}, glibc heap ${r(s.brkHeapMb)}, anonymous ${r(s.anonMb)} ` +
    `(V8 heap ${r(s.v8HeapUsedMb)} used of ${r(s.v8HeapTotalMb)}, external ${r(s.externalMb)} of which array buffers ${r(s.arrayBuffersMb)})`
  );
}
