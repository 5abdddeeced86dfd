export { ChdbWarehouse } from './chdb-warehouse.js';
export { CHDB_DEFAULTS, type ChdbWarehouseOptions } from './options.js';
