import { describe, expect, it } from 'vitest';
import { aggregateFacts, computeIncidentCosts } from '../../processors/economics/index.js';
import { EDGE_WORLD_BY_MONTH, EDGE_WORLD_TOTAL, edgeWorld } from './world.js';

describe('edge world, in memory', () => {
  const facts = computeIncidentCosts(edgeWorld());

  it('by month', () => {
    expect(aggregateFacts(facts, { by: ['month'] })).toEqual(EDGE_WORLD_BY_MONTH);
  });

  it('total', () => {
    expect(aggregateFacts(facts)).toEqual(EDGE_WORLD_TOTAL);
  });

  it('by incident', () => {
    expect(aggregateFacts(facts, { by: ['incident_id'] }).map((r) => [r.incident_id, r.total_cost, r.unconverted])).toEqual([
      ['INC-A', '49.65', 0], // 3.62 + 13.70 + 4.57 + 27.76
      ['INC-B', '28.78', 0], // 15.78 + 13.00
      ['INC-C', '7.29', 0], // 3.000 BHD * 2.4312
      ['INC-Z', '9.00', 1], // never seen; 9.00 GBP has no rate
    ]);
  });
});
