export { ClickHouseWarehouse } from './clickhouse-warehouse.js';
export type { ClickHouseWarehouseOptions } from './options.js';
