import type { Warehouse } from '../../../sinks/warehouse/types.js';

const lastVersion = new WeakMap<Warehouse, number>();

/** The warehouse clock in microseconds, strictly increasing per process: a re-costing's version. */
export async function nextVersion(wh: Warehouse): Promise<number> {
  const [row] = await wh.query<{ v: string }>('SELECT toUnixTimestamp64Micro(now64(6)) AS v');
  const v = Math.max(Number(row?.v ?? 0), (lastVersion.get(wh) ?? 0) + 1);
  lastVersion.set(wh, v);
  return v;
}

