#!/usr/bin/env -S node --max-semi-space-size=2 --heap-growing-percent=50
import { readFileSync } from 'node:fs';
import { oneLine } from '../processors/errors/pipeline-error.js';
import { projectPath } from '../processors/util/project-path.js';
import { runGroup, suggest, type CommandEntry, type CommandGroup } from './args.js';
import { processIo, type CliIo } from './io.js';

/** A top-level command: how it reads in the command list, and its module (loaded when run). */
export interface TopCommand {
  /** Arguments and subcommands, as the command list shows them. */
  readonly usage: string;
  readonly summary: string;
  load(): Promise<CommandEntry | CommandGroup>;
}

/** The command table: help, suggestions and dispatch all read it. */
export const COMMANDS: Readonly<Record<string, TopCommand>> = {
  run: {
    usage: '',
    summary: 'processors + query API; embedded by default (simulator, in-process transport, embedded ClickHouse)',
    load: async () => {
      const m = await import('./commands/run.js');
      return { spec: m.RUN_SPEC, run: m.runCommand };
    },
  },
  ingest: {
    usage: 'FILE...',
    summary: 'process JSON Lines envelopes as if they came from Kafka',
    load: async () => {
      const m = await import('./commands/ingest.js');
      return { spec: m.INGEST_SPEC, run: m.ingestCommand };
    },
  },
  simulate: {
    usage: '',
    summary: 'write (or publish) seeded simulator traffic and its ground truth',
    load: async () => {
      const m = await import('./commands/simulate.js');
      return { spec: m.SIMULATE_SPEC, run: m.simulateCommand };
    },
  },
  migrate: {
    usage: '',
    summary: 'apply pending warehouse migrations',
    load: async () => {
      const m = await import('./commands/migrate.js');
      return { spec: m.MIGRATE_SPEC, run: m.migrateCommand };
    },
  },
  slo: {
    usage: '<subcommand>',
    summary: 'SLO definitions: validate, status, backtest',
    load: async () => (await import('./commands/slo.js')).SLO_COMMANDS,
  },
  pnl: {
    usage: '',
    summary: 'incident P&L in the reporting currency [--by DIM,...] [--from DATE] [--to DATE] [--json|--format csv]',
    load: async () => {
      const m = await import('./commands/pnl.js');
      return { spec: m.PNL_SPEC, run: m.pnlCommand };
    },
  },
  verify: {
    usage: '',
    summary: 'facts against what the warehouse recorded of them [--repair [FILE...]]',
    load: async () => {
      const m = await import('./commands/verify.js');
      return { spec: m.VERIFY_SPEC, run: m.verifyCommand };
    },
  },
  backup: {
    usage: 'DEST',
    summary: "the engine's BACKUP of the database into a new folder",
    load: async () => {
      const m = await import('./commands/backup.js');
      return { spec: m.BACKUP_SPEC, run: m.backupCommand };
    },
  },
  restore: {
    usage: 'SRC',
    summary: 'replace the database with a backup',
    load: async () => {
      const m = await import('./commands/backup.js');
      return { spec: m.RESTORE_SPEC, run: m.restoreCommand };
    },
  },
};

export const isGroup = (c: CommandEntry | CommandGroup): c is CommandGroup => 'subcommands' in c;

/** The package's version (package.json), as `--version` prints it. */
export function version(): string {
  const pkg = JSON.parse(readFileSync(projectPath('package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

export function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => [`${name}${c.usage ? ` ${c.usage}` : ''}`, c.summary] as const);
  const width = Math.max(...rows.map(([l]) => l.length)) + 3;
  return [
    'usage: slo-pipeline <command> [options]',
    '',
    'commands:',
    ...rows.map(([l, s]) => `  ${l.padEnd(width)}${s}`),
    '',
    'options of every command:',
    '  --data DIR          the embedded warehouse folder (default: SLO_DATA_DIR, else ./.slo-data)',
    '  --clickhouse URL    a ClickHouse server instead (default: CLICKHOUSE_URL)',
    '  --database NAME     the database (default: CLICKHOUSE_DATABASE, else slo)',
    '  -h, --help          the command\'s help: every option with its default',
    '',
    '  slo-pipeline --version    the version',
    '  slo-pipeline <command> --help',
  ].join('\n');
}

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  // `help pnl`, `help slo status`: the same as `pnl --help`.
  if (argv[0] === 'help' && argv.length > 1) return main([...argv.slice(1), '--help'], io);
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    io.out(`slo-pipeline ${version()}`);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    const known = Object.keys(COMMANDS);
    const guess = name.startsWith('-') ? suggest(name.replace(/^-+/, ''), ['help', 'version']) : suggest(name, known);
    const hint = guess ? `; did you mean ${name.startsWith('-') ? `--${guess}` : guess}?` : '';
    const what = name.startsWith('-') ? `option ${JSON.stringify(name)} before a command` : `command ${JSON.stringify(name)}`;
    io.err(`slo-pipeline: unknown ${what}${hint} (slo-pipeline --help lists the commands)`);
    return 2;
  }
  try {
    const loaded = await command.load();
    if (isGroup(loaded)) return await runGroup(loaded, rest, io);
    return await loaded.run(rest, io);
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
