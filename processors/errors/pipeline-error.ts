import { ERROR_CODES, type ErrorCode } from './codes.js';

/** Where a problem is: the file, document, field and offending value, as far as known. */
export interface ErrorLocation {
  file?: string;
  line?: number;
  document?: number | string;
  field?: string;
  value?: unknown;
}

/** A typed error carrying a code from the one list, where it happened, and whether a retry can help. */
export class PipelineError extends Error {
  readonly code: ErrorCode;
  readonly canRetry: boolean;
  readonly location: ErrorLocation;

  constructor(code: ErrorCode, message: string, location: ErrorLocation = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PipelineError';
    this.code = code;
    this.canRetry = ERROR_CODES[code].retry;
    this.location = location;
  }
}

export function isPipelineError(e: unknown): e is PipelineError {
  return e instanceof PipelineError;
}

/** A one-line description for CLI output: `CODE: message`. */
export function oneLine(e: unknown): string {
  if (e instanceof PipelineError) return `${e.code}: ${e.message}`.replace(/\s*\n\s*/g, ' ');
  if (e instanceof Error) return e.message.replace(/\s*\n\s*/g, ' ');
  return String(e);
}
