#!/usr/bin/env node
import { oneLine } from '../processors/errors/pipeline-error.js';
import { processIo, type CliIo } from './io.js';

const USAGE = `usage: slo-pipeline <command> [options]

commands:
  run                 processors + query API; embedded by default (simulator source,
                      in-process transport, embedded ClickHouse in --data DIR)
  ingest FILE...      process JSON Lines envelopes as if they came from Kafka [--json]
  simulate            write (or publish) seeded simulator traffic and its ground truth
  migrate             apply pending warehouse migrations
  slo validate|status|backtest   SLO definitions, status, backtests
  pnl                 incident P&L [--by DIM,...] [--from DATE] [--to DATE] [--json|--format csv]
  verify              facts against what the warehouse recorded of them [--json] [--repair [FILE...]]
  backup DEST         the engine's BACKUP of the database into a new folder
  restore SRC         replace the database with a backup [--force]

common options: --data DIR (embedded warehouse folder, default ./.slo-data)
                --clickhouse URL (a ClickHouse server instead; or CLICKHOUSE_URL)`;

type Command = (argv: string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./commands/run.js')).runCommand,
  ingest: async () => (await import('./commands/ingest.js')).ingestCommand,
  simulate: async () => (await import('./commands/simulate.js')).simulateCommand,
  migrate: async () => (await import('./commands/migrate.js')).migrateCommand,
  slo: async () => (await import('./commands/slo.js')).sloCommand,
  pnl: async () => (await import('./commands/pnl.js')).pnlCommand,
  verify: async () => (await import('./commands/verify.js')).verifyCommand,
  backup: async () => (await import('./commands/backup.js')).backupCommand,
  restore: async () => (await import('./commands/backup.js')).restoreCommand,
};

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE);
    return name === undefined ? 2 : 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.err(`slo-pipeline: unknown command ${JSON.stringify(name)} (try --help)`);
    return 2;
  }
  try {
    return await (await load())(rest, io);
  } catch (e) {
    io.err(`slo-pipeline ${name}: ${oneLine(e)}`);
    return 1;
  }
}

// Run when executed directly (not when imported by tests).
if (process.argv[1] && import.meta.url === new URL(process.argv[1], 'file://').href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`slo-pipeline: ${oneLine(e)}\n`);
      process.exitCode = 1;
    },
  );
}
