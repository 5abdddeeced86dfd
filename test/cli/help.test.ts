import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { editDistance, suggest, type CommandEntry } from '../../cli/args.js';
import { COMMANDS, isGroup } from '../../cli/main.js';
import { projectPath } from '../../processors/util/project-path.js';
import { runCli } from '../support/cli.js';

// A new user finds every flag in `--help`, a typo gets the nearest name, and a bad value is
// refused before anything starts.
const dir = mkdtempSync(join(tmpdir(), 'slo-help-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every command and subcommand, as typed: [['run'], ['slo', 'status'], ...]. */
async function allCommands(): Promise<Array<{ path: string[]; entry: CommandEntry }>> {
  const out: Array<{ path: string[]; entry: CommandEntry }> = [];
  for (const [name, c] of Object.entries(COMMANDS)) {
    const loaded = await c.load();
    if (isGroup(loaded)) for (const [sub, entry] of Object.entries(loaded.subcommands)) out.push({ path: [name, sub], entry });
    else out.push({ path: [name], entry: loaded });
  }
  return out;
}

describe('--help on every command and subcommand', () => {
  it('lists every flag the parser accepts, with its placeholder and default, and exits 0', async () => {
    const commands = await allCommands();
    expect(commands.map((c) => c.path.join(' '))).toEqual(
      expect.arrayContaining(['run', 'ingest', 'simulate', 'migrate', 'slo validate', 'slo status', 'slo backtest', 'pnl', 'verify', 'backup', 'restore']),
    );
    for (const { path, entry } of commands) {
      for (const help of ['--help', '-h']) {
        const r = await runCli([...path, help]);
        expect(r.code, path.join(' ')).toBe(0);
        expect(r.err).toBe('');
        expect(r.out).toMatch(new RegExp(`^usage: slo-pipeline ${path.join(' ')}`));
        const text = r.out.replace(/\n {28}/g, ' ');
        for (const [flag, spec] of Object.entries(entry.spec.flags)) {
          const shown = spec.type === 'string' ? `--${flag} ${spec.arg}` : `--${flag}`;
          expect(text, `${path.join(' ')}: ${shown}`).toMatch(new RegExp(`^  ${shown.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `, 'm'));
          if (spec.type === 'string' && spec.default !== undefined) expect(text, `${path.join(' ')} --${flag}`).toContain(`(default: ${spec.default})`);
        }
      }
    }
  });

  it('the run flags the old usage left out are documented', async () => {
    const r = await runCli(['run', '--help']);
    for (const flag of ['--seed N', '--days N', '--start TIME', '--no-simulate', '--no-api', '--exit-when-idle', '--journeys-per-day N', '--group-id ID', '--metrics-port PORT']) {
      expect(r.out).toContain(flag);
    }
    expect(r.out).toMatch(/--port PORT\s+.*\(default: 8080\)/);
  });

  it('the top level lists every command; a group without a subcommand lists its subcommands', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    for (const name of Object.keys(COMMANDS)) expect(top.out).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    const none = await runCli([]);
    expect(none.code).toBe(2);
    const slo = await runCli(['slo', '--help']);
    expect(slo.code).toBe(0);
    expect(slo.out).toMatch(/^ {2}validate\s/m);
    expect(slo.out).toMatch(/^ {2}status\s/m);
    expect(slo.out).toMatch(/^ {2}backtest\s/m);
  });

  it('`help COMMAND` is COMMAND --help', async () => {
    expect(await runCli(['help', 'pnl'])).toEqual(await runCli(['pnl', '--help']));
    expect(await runCli(['help', 'slo', 'status'])).toEqual(await runCli(['slo', 'status', '--help']));
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(projectPath('package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await runCli([flag]);
      expect(r).toEqual({ code: 0, out: `slo-pipeline ${pkg.version}\n`, err: '' });
    }
  });
});

describe('suggestions', () => {
  it('a typo of a flag names the nearest flag of that command', async () => {
    const cases: Array<[string[], string]> = [
      [['run', '--seeds', '3'], '--seed'],
      [['run', '--exit-when-idel'], '--exit-when-idle'],
      [['pnl', '--form', '2026-01-01'], '--from'],
      [['pnl', '--jsn'], '--json'],
      [['simulate', '--journeys-per-dya', '5'], '--journeys-per-day'],
      [['ingest', 'x.jsonl', '--batch-szie', '5'], '--batch-size'],
      [['slo', 'status', '--slo', 'slos'], '--slos'],
      [['migrate', '--clustr', 'c'], '--cluster'],
    ];
    for (const [args, nearest] of cases) {
      const r = await runCli([...args, '--data', join(dir, 'never')]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.out).toBe('');
      expect(r.err.trimEnd().split('\n')).toHaveLength(1);
      expect(r.err).toContain(`Unknown option '${args.find((a) => a.startsWith('--'))}'`);
      expect(r.err).toContain(`did you mean ${nearest}?`);
    }
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });

  it('a typo of a command or subcommand names the nearest one', async () => {
    const cmd = await runCli(['pnll']);
    expect(cmd.code).toBe(2);
    expect(cmd.err).toBe('slo-pipeline: unknown command "pnll"; did you mean pnl? (slo-pipeline --help lists the commands)\n');
    const sub = await runCli(['slo', 'statsu']);
    expect(sub.code).toBe(1);
    expect(sub.err).toMatch(/^slo-pipeline slo: BAD_ARGUMENT: unknown slo subcommand "statsu"; did you mean status\? \(validate, status, backtest\b.*\)\n$/);
    const far = await runCli(['frobnicate']);
    expect(far.err).not.toContain('did you mean');
    // Names of the language's own object members are not commands or flags.
    expect((await runCli(['constructor'])).err).toMatch(/^slo-pipeline: unknown command "constructor"/);
    expect((await runCli(['slo', 'toString'])).err).toMatch(/unknown slo subcommand "toString"/);
    expect((await runCli(['pnl', '--toString'])).err).toMatch(/Unknown option '--toString'/);
  });

  it('suggest: close words only', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('form', 'from')).toBe(1);
    expect(suggest('seeds', ['seed', 'days', 'start'])).toBe('seed');
    expect(suggest('xyz', ['seed', 'days', 'start'])).toBeUndefined();
    expect(suggest('rep', ['repair', 'json'])).toBe('repair');
  });
});

describe('bad values are refused before anything starts', () => {
  const cases: Array<[string[], string]> = [
    [['run', '--port', 'abc'], 'BAD_ARGUMENT: --port: expected a port number 0-65535, got "abc"'],
    [['run', '--port', '70000'], 'BAD_ARGUMENT: --port: expected a port number 0-65535, got "70000"'],
    [['run', '--duration', 'soon'], 'BAD_ARGUMENT: --duration: invalid duration "soon" (use e.g. 30s, 5m, 2h)'],
    [['run', '--role', 'ingest,cook'], 'BAD_ARGUMENT: --role: expected all or a comma-separated list of ingest, evaluate, api, got "ingest,cook"'],
    [['run', '--days', '0'], 'BAD_ARGUMENT: --days: expected an integer >= 1, got "0"'],
    [['run', '--start', 'yesterday'], 'BAD_ARGUMENT: --start: invalid time "yesterday" (use ISO 8601)'],
    [['simulate', '--days', '-1', '--out', 'x.jsonl'], 'BAD_ARGUMENT: --days: expected an integer >= 1, got "-1"'],
    [['simulate', '--seed', '1.5', '--out', 'x.jsonl'], 'BAD_ARGUMENT: --seed: expected an integer >= 0, got "1.5"'],
    [['ingest', 'x.jsonl', '--partitions', '0'], 'BAD_ARGUMENT: --partitions: expected an integer >= 1, got "0"'],
    [['pnl', '--format', 'xml'], 'BAD_ARGUMENT: --format must be json, csv or table, got "xml"'],
    [['pnl', '--by'], 'BAD_ARGUMENT: --by needs a value (--by DIM,...)'],
    [['pnl', '--json=yes'], 'BAD_ARGUMENT: --json takes no value, got "yes"'],
    [['pnl', 'extra'], 'BAD_ARGUMENT: unexpected argument "extra": slo-pipeline pnl takes options only (see --help)'],
    [['slo', 'backtest', '--step', 'x'], 'BAD_ARGUMENT: --step: expected an integer >= 1, got "x"'],
    [['verify', '--repair', '--reporting-currency', 'EURO'], 'INVALID_CONFIG: economics option reportingCurrency: not an ISO 4217 money currency'],
  ];
  for (const [args, message] of cases) {
    it(`${args.join(' ')}`, async () => {
      const data = join(dir, `data-${args.join('-').replace(/\W+/g, '_')}`);
      const r = await runCli([...args, '--data', data], { SLO_PII_HMAC_KEY: 'k'.repeat(32) });
      expect(r.code).toBe(1);
      expect(r.out).toBe('');
      expect(r.err).toBe(`slo-pipeline ${args[0]}: ${message}\n`);
      // Nothing started: not even the warehouse folder exists.
      expect(existsSync(data)).toBe(false);
    });
  }
});
