import { ClickHouseWarehouse } from '../../sinks/clickhouse/index.js';
import { migrate } from '../../sinks/warehouse/index.js';
import { startServedFolder } from '../support/served-folder.js';
import { availableWarehouseKinds, randomName } from '../support/warehouse.js';
import { warehouseContract } from './warehouse.contract.js';

// chdb always; the server adapter too when CLICKHOUSE_URL points at a ClickHouse server.
for (const kind of availableWarehouseKinds()) warehouseContract(kind);

// The server adapter always, on the real engine: @clickhouse/client over HTTP to the endpoint a
// child process holding an embedded folder serves (sinks/chdb/serve.ts; needs `npm run build`).
warehouseContract({
  name: 'clickhouse (server adapter, HTTP endpoint of a process holding an embedded folder)',
  open: async () => {
    const served = await startServedFolder({ readonly: false });
    const database = randomName('t');
    const { url, user, password } = served.endpoint;
    const wh = await ClickHouseWarehouse.open({ url, username: user, password, database });
    await migrate(wh);
    return {
      wh,
      drop: async () => {
        await wh.exec(`DROP DATABASE IF EXISTS ${database}`);
        await wh.close();
        await served.stop();
      },
    };
  },
});
