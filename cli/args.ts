import { PipelineError } from '../processors/errors/pipeline-error.js';
import { durationMs } from '../processors/util/duration-text.js';
import type { CliIo } from './io.js';

export { durationMs };

/**
 * One declarative spec per command: its flags (type, placeholder, description, default, value
 * check) and its arguments. Help, did-you-mean, validation before anything starts and parsing
 * all derive from it, so a flag cannot be parsed without being documented.
 */
export interface BooleanFlag {
  readonly type: 'boolean';
  readonly description: string;
}

export interface StringFlag {
  readonly type: 'string';
  /** The value's placeholder in help (`DIR`, `N`, `URL`). */
  readonly arg: string;
  readonly description: string;
  /** What applies when the flag is not given, as help shows it. */
  readonly default?: string;
  /** Refuses a bad value before the command starts (throws BAD_ARGUMENT naming the flag). */
  readonly check?: (value: string, flag: string) => void;
}

export type FlagSpec = BooleanFlag | StringFlag;
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

export interface CommandSpec<F extends FlagSpecs = FlagSpecs> {
  /** As typed after `slo-pipeline`: `pnl`, `slo status`. */
  readonly name: string;
  /** One line for command lists. */
  readonly summary: string;
  /** The arguments after the name in the usage line (`FILE...`, `DEST`); none when unset. */
  readonly args?: string;
  /** Paragraphs shown under the usage line. */
  readonly description?: string;
  readonly flags: F;
  /** Shown after the options (environment, examples). */
  readonly notes?: string;
}

export type FlagValues<F extends FlagSpecs> = { [K in keyof F]: (F[K] extends BooleanFlag ? boolean : string) | undefined };

export interface ParsedArgs<F extends FlagSpecs> {
  values: FlagValues<F>;
  positionals: string[];
}

/** A runnable command: its spec and what it does with its argument list. */
export interface CommandEntry {
  readonly spec: CommandSpec;
  run(argv: string[], io: CliIo): Promise<number>;
}

/** A command with subcommands (`slo validate|status|backtest|...`). */
export interface CommandGroup {
  readonly name: string;
  readonly summary: string;
  readonly subcommands: Readonly<Record<string, CommandEntry>>;
}

export const bool = (description: string): BooleanFlag => ({ type: 'boolean', description });

export const str = (arg: string, description: string, more: { default?: string; check?: StringFlag['check'] } = {}): StringFlag => ({
  type: 'string',
  arg,
  description,
  ...more,
});

const bad = (flag: string, message: string, value?: string): PipelineError =>
  new PipelineError('BAD_ARGUMENT', message, { field: flag, ...(value !== undefined ? { value } : {}) });

/** Value checks for {@link StringFlag.check}: each names the flag and the value it refuses. */
export const checks = {
  int:
    (min = 0) =>
    (value: string, flag: string): void => {
      parseIntFlag(flag, value, 0, min);
    },
  port: (value: string, flag: string): void => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n > 65_535) throw bad(flag, `--${flag}: expected a port number 0-65535, got ${JSON.stringify(value)}`, value);
  },
  duration: (value: string, flag: string): void => {
    parseDuration(flag, value);
  },
  time: (value: string, flag: string): void => {
    parseTimeFlag(flag, value);
  },
  oneOf:
    (choices: readonly string[]) =>
    (value: string, flag: string): void => {
      if (!choices.includes(value)) throw bad(flag, `--${flag} must be ${orList(choices)}, got ${JSON.stringify(value)}`, value);
    },
  notEmpty: (value: string, flag: string): void => {
    if (value.trim() === '') throw bad(flag, `--${flag}: empty value`, value);
  },
};

const orList = (xs: readonly string[]): string => (xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`);

/** Flags every command accepts (docs/interfaces.md: `--data DIR` or `--clickhouse URL`). */
export const WAREHOUSE_FLAGS = {
  data: str('DIR', 'the embedded warehouse folder', { default: 'SLO_DATA_DIR, else ./.slo-data', check: checks.notEmpty }),
  clickhouse: str('URL', 'a ClickHouse server instead of the embedded warehouse (http[s]://host:port)', { default: 'CLICKHOUSE_URL' }),
  database: str('NAME', 'the database', { default: 'CLICKHOUSE_DATABASE, else slo' }),
} as const satisfies FlagSpecs;

/** Edit distance (Levenshtein, a swap of two neighbours counting as one edit), for suggestions. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => d[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = v;
    }
  }
  return at(a.length, b.length);
}

/** The known word closest to `word`, when one is close enough to be a typo of it (or `word` begins it). */
export function suggest(word: string, known: readonly string[]): string | undefined {
  let best: { w: string; score: number } | undefined;
  for (const w of known) {
    const d = editDistance(word, w);
    const close = d <= Math.max(1, Math.min(3, Math.floor(w.length / 3)));
    // An abbreviation ranks after a word one edit away.
    const score = close ? d : w.startsWith(word) && word.length >= 3 ? 1.5 : Infinity;
    if (score < Infinity && (!best || score < best.score)) best = { w, score };
  }
  return best?.w;
}

const wantsHelp = (argv: readonly string[]): boolean => {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
};

/**
 * Parses `argv` by the spec: `--flag`, `--flag VALUE`, `--flag=VALUE`, arguments, `--` ends
 * the flags. `--help`/`-h` anywhere prints the command's help and returns null. An unknown
 * flag (with the nearest known one), a missing value or a value its check refuses is a
 * BAD_ARGUMENT before the command does anything.
 */
export function parseCommand<F extends FlagSpecs>(spec: CommandSpec<F>, argv: readonly string[], io: CliIo): ParsedArgs<F> | null {
  if (wantsHelp(argv)) {
    io.out(helpText(spec));
    return null;
  }
  const values: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  const flagOf = (token: string): string | null => (token.startsWith('--') && token.length > 2 ? (token.slice(2).split('=')[0] ?? '') : null);
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? '';
    if (token === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    const name = flagOf(token);
    if (name === null) {
      if (token.startsWith('-') && token.length > 1) throw unknownFlag(spec, token);
      positionals.push(token);
      continue;
    }
    const flag = Object.hasOwn(spec.flags, name) ? spec.flags[name] : undefined;
    if (!flag) throw unknownFlag(spec, `--${name}`);
    const inline = token.includes('=') ? token.slice(token.indexOf('=') + 1) : undefined;
    if (flag.type === 'boolean') {
      if (inline !== undefined) throw bad(name, `--${name} takes no value, got ${JSON.stringify(inline)}`, inline);
      values[name] = true;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      // A value may start with a dash (`--days -1` is refused by its check, not misread as a flag).
      const nextFlag = next === undefined ? null : flagOf(next);
      const nextIsFlag = next === '--' || (nextFlag !== null && Object.hasOwn(spec.flags, nextFlag));
      if (next === undefined || nextIsFlag) throw bad(name, `--${name} needs a value (--${name} ${flag.arg})`);
      value = next;
      i++;
    }
    flag.check?.(value, name);
    values[name] = value;
  }
  if (spec.args === undefined && positionals.length > 0) {
    throw new PipelineError('BAD_ARGUMENT', `unexpected argument ${JSON.stringify(positionals[0])}: slo-pipeline ${spec.name} takes options only (see --help)`, {
      value: positionals[0],
    });
  }
  return { values: values as FlagValues<F>, positionals };
}

function unknownFlag(spec: CommandSpec, token: string): PipelineError {
  const guess = token.startsWith('--') ? suggest(token.slice(2), Object.keys(spec.flags)) : undefined;
  const hint = guess !== undefined ? `; did you mean --${guess}?` : '';
  return new PipelineError('BAD_ARGUMENT', `Unknown option '${token}' for slo-pipeline ${spec.name}${hint} (slo-pipeline ${spec.name} --help lists the options)`, {
    value: token,
  });
}

const COLUMN = 28;
const WIDTH = 100;

/** Words of `text` in lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** One option's lines: the flag, then its description (and default) wrapped in the second column. */
function optionLines(left: string, flag: FlagSpec): string[] {
  const text = flag.type === 'string' && flag.default !== undefined ? `${flag.description} (default: ${flag.default})` : flag.description;
  const body = wrap(text, WIDTH - COLUMN).map((l) => `${' '.repeat(COLUMN)}${l}`);
  if (left.length + 2 > COLUMN) return [left, ...body];
  const first = body[0] ?? '';
  return [`${left.padEnd(COLUMN)}${first.slice(COLUMN)}`, ...body.slice(1)];
}

/** The command's help: usage, description, every flag with its default. */
export function helpText(spec: CommandSpec): string {
  const usage = `usage: slo-pipeline ${spec.name}${spec.args ? ` ${spec.args}` : ''} [options]`;
  const options = Object.entries(spec.flags).flatMap(([n, f]) => optionLines(`  --${n}${f.type === 'string' ? ` ${f.arg}` : ''}`, f));
  options.push(...optionLines('  -h, --help', bool('this help')));
  return [usage, '', spec.summary + (spec.description ? `\n\n${spec.description}` : ''), '', 'options:', ...options, ...(spec.notes ? ['', spec.notes] : [])].join('\n');
}

/** The group's help: its subcommands, one line each. */
export function groupHelp(group: CommandGroup): string {
  const names = Object.keys(group.subcommands);
  const width = Math.max(...names.map((n) => n.length)) + 4;
  return [
    `usage: slo-pipeline ${group.name} <subcommand> [options]`,
    '',
    group.summary,
    '',
    'subcommands:',
    ...Object.entries(group.subcommands).map(([n, c]) => `  ${n.padEnd(width)}${c.spec.summary}`),
    '',
    `slo-pipeline ${group.name} <subcommand> --help shows a subcommand's options.`,
  ].join('\n');
}

/** Runs the subcommand `argv[0]` of a group; help without one, a suggestion for a typo. */
export async function runGroup(group: CommandGroup, argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.out(groupHelp(group));
    return sub === undefined ? 2 : 0;
  }
  const entry = Object.hasOwn(group.subcommands, sub) ? group.subcommands[sub] : undefined;
  if (!entry) {
    const names = Object.keys(group.subcommands);
    const guess = suggest(sub, names);
    throw new PipelineError(
      'BAD_ARGUMENT',
      `unknown ${group.name} subcommand ${JSON.stringify(sub)}${guess ? `; did you mean ${guess}?` : ''} (${orList(names)})`,
      { value: sub },
    );
  }
  return entry.run(rest, io);
}

/** A duration flag -> ms, refused with the flag's name. */
export function parseDuration(flag: string, value: string): number {
  const ms = durationMs(value);
  if (ms === null) throw bad(flag, `--${flag}: invalid duration ${JSON.stringify(value)} (use e.g. 30s, 5m, 2h)`, value);
  return ms;
}

export function parseIntFlag(flag: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw bad(flag, `--${flag}: expected an integer >= ${min}, got ${JSON.stringify(value)}`, value);
  }
  return n;
}

export function parseTimeFlag(flag: string, value: string): number {
  const t = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(t)) throw bad(flag, `--${flag}: invalid time ${JSON.stringify(value)} (use ISO 8601)`, value);
  return t;
}
