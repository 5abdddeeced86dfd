import { openWarehouse } from '../../sinks/warehouse/index.js';
import { parseFlags, WAREHOUSE_FLAGS } from '../args.js';
import type { CliIo } from '../io.js';
import { warehouseOptions } from '../config.js';

export async function migrateCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(argv, { ...WAREHOUSE_FLAGS, json: { type: 'boolean' } });
  const wh = await openWarehouse({ ...warehouseOptions(values, io.env), migrate: false });
  try {
    const { migrate } = await import('../../sinks/warehouse/migrations.js');
    const report = await migrate(wh);
    if (values.json) io.out(JSON.stringify(report));
    else {
      for (const f of report.applied) io.out(`applied ${f}`);
      io.out(`${report.applied.length} applied, ${report.alreadyApplied.length} already applied (${wh.kind}, database ${wh.database})`);
    }
    return 0;
  } finally {
    await wh.close();
  }
}
