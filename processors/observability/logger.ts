import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Structured JSON logs on stderr (stdout stays free for command output such as `--json`).
 * Level from SLO_LOG_LEVEL. @default 'info'
 */
export function createLogger(name: string, env: NodeJS.ProcessEnv = process.env): Logger {
  return pino({ name, level: env['SLO_LOG_LEVEL'] ?? 'info', base: { name } }, pino.destination(2));
}

/** A logger that drops everything (tests, `--quiet`). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
