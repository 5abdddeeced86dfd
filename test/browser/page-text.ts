import type { SloStatus } from '../../query-api/service-types.js';

/** Time to exhaustion in words, as the page must say it (the API's figures in, text out). */
export function exhaustionText(s: Pick<SloStatus, 'error_budget_remaining' | 'time_to_exhaustion_seconds'>): string {
  if (s.error_budget_remaining === null) return 'no data';
  if (s.error_budget_remaining <= 0 || s.time_to_exhaustion_seconds === 0) return 'spent';
  if (s.time_to_exhaustion_seconds === null) return 'not burning';
  const t = s.time_to_exhaustion_seconds;
  if (t < 60) return 'in under a minute';
  const units: Array<[number, string]> = [
    [Math.floor(t / 86_400), 'day'],
    [Math.floor((t % 86_400) / 3600), 'hour'],
    [Math.floor((t % 3600) / 60), 'minute'],
  ];
  while (units[0]?.[0] === 0) units.shift();
  return `in ${units
    .slice(0, 2)
    .filter(([n]) => n > 0)
    .map(([n, u]) => `${n} ${u}${n === 1 ? '' : 's'}`)
    .join(' ')}`;
}
