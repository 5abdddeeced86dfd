/**
 * The simulated world: markets and cities, product versions, journey blueprints, routes,
 * vendors and service points. SLO example files and tests reference these IDs, so they
 * are stable: adding entries is fine, renaming breaks them.
 */

/** Currencies the simulator uses, with their ISO 4217 minor units (kept here so the ground truth does not depend on pipeline code). */
export const SIM_CURRENCIES = { EUR: 2, CZK: 2, HUF: 2, JPY: 0, USD: 2, GBP: 2 } as const;
export type SimCurrency = keyof typeof SIM_CURRENCIES;

/** The reporting currency of the ground truth (docs/interfaces.md default). */
export const REPORTING_CURRENCY: SimCurrency = 'EUR';

export interface Market {
  market_code: string;
  city_code: string;
  city_name: string;
  currency: SimCurrency;
  /** Offset of local time from UTC in November (the diurnal curve follows local time). */
  utc_offset_minutes: number;
  /** LEM cluster covering the city (NIGHT_RISK_SCORE is published per cluster). */
  cluster_id: string;
}

export interface Blueprint {
  journey_blueprint_id: string;
  /** journey_node_id of each step, in order. */
  nodes: readonly string[];
  /** Index of the step where the vendor takes over (where a vendor no-show fails the journey). */
  vendor_node: number;
}

export interface Route {
  route_id: string;
  vendor_id: string;
  product_version_id: string;
  service_point_ids: readonly string[];
}

export interface ProductVersion {
  product_version_id: string;
  journey_blueprint_id: string;
  market_code: string;
  city_code: string;
  currency: SimCurrency;
  /** Unit prices in minor units; an order is a price times a party size of 1-3. */
  prices: readonly number[];
  /** Relative share of the traffic. */
  weight: number;
  routes: readonly Route[];
}

export interface Vendor {
  vendor_id: string;
  name: string;
  city_code: string;
}

export interface Catalog {
  markets: readonly Market[];
  blueprints: readonly Blueprint[];
  productVersions: readonly ProductVersion[];
  routes: readonly Route[];
  vendors: readonly Vendor[];
  servicePoints: readonly { service_point_id: string; city_code: string; route_id: string }[];
}

const MARKETS: readonly Market[] = [
  { market_code: 'AT-VIE', city_code: 'VIE', city_name: 'Vienna', currency: 'EUR', utc_offset_minutes: 60, cluster_id: 'CLU-VIE-1' },
  { market_code: 'DE-BER', city_code: 'BER', city_name: 'Berlin', currency: 'EUR', utc_offset_minutes: 60, cluster_id: 'CLU-BER-1' },
  { market_code: 'CZ-PRG', city_code: 'PRG', city_name: 'Prague', currency: 'CZK', utc_offset_minutes: 60, cluster_id: 'CLU-PRG-1' },
  { market_code: 'HU-BUD', city_code: 'BUD', city_name: 'Budapest', currency: 'HUF', utc_offset_minutes: 60, cluster_id: 'CLU-BUD-1' },
  { market_code: 'JP-TYO', city_code: 'TYO', city_name: 'Tokyo', currency: 'JPY', utc_offset_minutes: 540, cluster_id: 'CLU-TYO-1' },
];

interface PvSpec {
  pv: string;
  blueprint: string;
  city: string;
  prices: number[];
  weight: number;
  /** Route suffix and vendor of each route. */
  routes: Array<[string, string]>;
}

// JPY prices are odd hundreds on purpose: at the day-one JPY rate (0.00615) they convert to
// exact half cents, so the ground truth exercises half-to-even rounding.
const PV_SPECS: readonly PvSpec[] = [
  { pv: 'PRDV-VIEN-COFFEE', blueprint: 'JRNY-VIEN-COFFEE', city: 'VIE', prices: [1290, 1890, 2450, 3175], weight: 14, routes: [['ROUTE-VIEN-COFFEE-01', 'VEN-123'], ['ROUTE-VIEN-COFFEE-02', 'VEN-124']] },
  { pv: 'PRDV-VIEN-COFFEE-V2', blueprint: 'JRNY-VIEN-COFFEE', city: 'VIE', prices: [1390, 1990, 2550], weight: 4, routes: [['ROUTE-VIEN-COFFEE-03', 'VEN-123']] },
  { pv: 'PRDV-VIEN-OPERA', blueprint: 'JRNY-VIEN-OPERA', city: 'VIE', prices: [4900, 7450, 12900], weight: 8, routes: [['ROUTE-VIEN-OPERA-01', 'VEN-131'], ['ROUTE-VIEN-OPERA-02', 'VEN-132']] },
  { pv: 'PRDV-BERL-STREETFOOD', blueprint: 'JRNY-BERL-STREETFOOD', city: 'BER', prices: [1599, 2199, 2899], weight: 12, routes: [['ROUTE-BERL-STREETFOOD-01', 'VEN-201'], ['ROUTE-BERL-STREETFOOD-02', 'VEN-202']] },
  { pv: 'PRDV-BERL-WALL', blueprint: 'JRNY-BERL-WALL', city: 'BER', prices: [1900, 2900], weight: 7, routes: [['ROUTE-BERL-WALL-01', 'VEN-211'], ['ROUTE-BERL-WALL-02', 'VEN-212']] },
  { pv: 'PRDV-PRAG-BEER', blueprint: 'JRNY-PRAG-BEER', city: 'PRG', prices: [39000, 54900, 89000], weight: 10, routes: [['ROUTE-PRAG-BEER-01', 'VEN-301'], ['ROUTE-PRAG-BEER-02', 'VEN-302']] },
  { pv: 'PRDV-PRAG-CASTLE', blueprint: 'JRNY-PRAG-CASTLE', city: 'PRG', prices: [45000, 69000], weight: 7, routes: [['ROUTE-PRAG-CASTLE-01', 'VEN-311'], ['ROUTE-PRAG-CASTLE-02', 'VEN-312']] },
  { pv: 'PRDV-BUDA-BATHS', blueprint: 'JRNY-BUDA-BATHS', city: 'BUD', prices: [690000, 1290000, 1850000], weight: 9, routes: [['ROUTE-BUDA-BATHS-01', 'VEN-401'], ['ROUTE-BUDA-BATHS-02', 'VEN-402']] },
  { pv: 'PRDV-BUDA-RUINBAR', blueprint: 'JRNY-BUDA-RUINBAR', city: 'BUD', prices: [450000, 790000], weight: 6, routes: [['ROUTE-BUDA-RUINBAR-01', 'VEN-411'], ['ROUTE-BUDA-RUINBAR-02', 'VEN-412']] },
  { pv: 'PRDV-TOKY-SUSHI', blueprint: 'JRNY-TOKY-SUSHI', city: 'TYO', prices: [1500, 2300, 3900, 5100], weight: 13, routes: [['ROUTE-TOKY-SUSHI-01', 'VEN-501'], ['ROUTE-TOKY-SUSHI-02', 'VEN-502']] },
  { pv: 'PRDV-TOKY-TEMPLE', blueprint: 'JRNY-TOKY-TEMPLE', city: 'TYO', prices: [2700, 4500], weight: 8, routes: [['ROUTE-TOKY-TEMPLE-01', 'VEN-511'], ['ROUTE-TOKY-TEMPLE-02', 'VEN-512']] },
];

const BLUEPRINT_STEPS: Record<string, { steps: string[]; vendor: number }> = {
  'JRNY-VIEN-COFFEE': { steps: ['CHECKIN', 'VENDOR-HANDOFF', 'SERVE', 'CHECKOUT'], vendor: 1 },
  'JRNY-VIEN-OPERA': { steps: ['CHECKIN', 'TICKET', 'VENDOR-HANDOFF', 'SEATING', 'CHECKOUT'], vendor: 2 },
  'JRNY-BERL-STREETFOOD': { steps: ['CHECKIN', 'VENDOR-HANDOFF', 'TASTING', 'CHECKOUT'], vendor: 1 },
  'JRNY-BERL-WALL': { steps: ['CHECKIN', 'VENDOR-HANDOFF', 'CHECKOUT'], vendor: 1 },
  'JRNY-PRAG-BEER': { steps: ['CHECKIN', 'VENDOR-HANDOFF', 'TASTING', 'CHECKOUT'], vendor: 1 },
  'JRNY-PRAG-CASTLE': { steps: ['CHECKIN', 'TICKET', 'VENDOR-HANDOFF', 'CHECKOUT'], vendor: 2 },
  'JRNY-BUDA-BATHS': { steps: ['CHECKIN', 'VENDOR-HANDOFF', 'LOCKER', 'CHECKOUT'], vendor: 1 },
  'JRNY-BUDA-RUINBAR': { steps: ['CHECKIN', 'VENDOR-HANDOFF', 'CHECKOUT'], vendor: 1 },
  'JRNY-TOKY-SUSHI': { steps: ['CHECKIN', 'VENDOR-HANDOFF', 'SERVE', 'CHECKOUT'], vendor: 1 },
  'JRNY-TOKY-TEMPLE': { steps: ['CHECKIN', 'TICKET', 'VENDOR-HANDOFF', 'CHECKOUT'], vendor: 2 },
};

function buildCatalog(): Catalog {
  const marketByCity = new Map(MARKETS.map((m) => [m.city_code, m]));
  const blueprints: Blueprint[] = Object.entries(BLUEPRINT_STEPS).map(([id, b]) => ({
    journey_blueprint_id: id,
    nodes: b.steps.map((s) => `${id}-${s}`),
    vendor_node: b.vendor,
  }));
  const vendors = new Map<string, Vendor>();
  const servicePoints: Array<{ service_point_id: string; city_code: string; route_id: string }> = [];
  const spCounter = new Map<string, number>();
  const productVersions: ProductVersion[] = PV_SPECS.map((s) => {
    const market = marketByCity.get(s.city);
    if (!market) throw new Error(`catalog: unknown city ${s.city}`);
    const routes: Route[] = s.routes.map(([route_id, vendor_id]) => {
      if (!vendors.has(vendor_id)) vendors.set(vendor_id, { vendor_id, name: `${market.city_name} vendor ${vendor_id.slice(4)}`, city_code: s.city });
      const ids: string[] = [];
      for (let i = 0; i < 2; i++) {
        const n = (spCounter.get(s.city) ?? 0) + 1;
        spCounter.set(s.city, n);
        const id = `SP-${s.city}-${String(n).padStart(3, '0')}`;
        ids.push(id);
        servicePoints.push({ service_point_id: id, city_code: s.city, route_id });
      }
      return { route_id, vendor_id, product_version_id: s.pv, service_point_ids: ids };
    });
    return {
      product_version_id: s.pv,
      journey_blueprint_id: s.blueprint,
      market_code: market.market_code,
      city_code: market.city_code,
      currency: market.currency,
      prices: s.prices,
      weight: s.weight,
      routes,
    };
  });
  return {
    markets: MARKETS,
    blueprints,
    productVersions,
    routes: productVersions.flatMap((p) => p.routes),
    vendors: [...vendors.values()],
    servicePoints,
  };
}

/** The one catalog (deterministic, independent of the seed). */
export const CATALOG: Catalog = buildCatalog();

export function marketOf(city_code: string): Market {
  const m = CATALOG.markets.find((x) => x.city_code === city_code);
  if (!m) throw new Error(`catalog: unknown city ${city_code}`);
  return m;
}

export function blueprintOf(id: string): Blueprint {
  const b = CATALOG.blueprints.find((x) => x.journey_blueprint_id === id);
  if (!b) throw new Error(`catalog: unknown blueprint ${id}`);
  return b;
}

export function productVersionOf(id: string): ProductVersion {
  const p = CATALOG.productVersions.find((x) => x.product_version_id === id);
  if (!p) throw new Error(`catalog: unknown product version ${id}`);
  return p;
}
