export { ChdbWarehouse } from './chdb-warehouse.js';
export { CHDB_DEFAULTS, type ChdbWarehouseOptions } from './options.js';
export { serveWarehouse, advertisedEndpoint, ENDPOINT_FILE, SECRET_FILE, type ServedWarehouse, type ServeOptions, type Endpoint } from './serve.js';
export { SharedFolderWarehouse, folderInUseError, awaitHolderEndpoint, folderHolderPid } from './shared-folder.js';
