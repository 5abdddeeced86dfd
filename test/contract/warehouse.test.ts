import { availableWarehouseKinds } from '../support/warehouse.js';
import { warehouseContract } from './warehouse.contract.js';

// chdb always; the server adapter too when CLICKHOUSE_URL points at a ClickHouse server.
for (const kind of availableWarehouseKinds()) warehouseContract(kind);
