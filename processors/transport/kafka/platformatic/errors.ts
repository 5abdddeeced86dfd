import { PipelineError } from '../../../errors/index.js';
import { classifyKafkaError, failureError, type KafkaFailure } from '../errors.js';

/**
 * @platformatic/kafka's errors in the shape {@link classifyKafkaError} reads (the broker's
 * answer as `type`, whether it heals as `retriable`, the causes and the parts of a response
 * with several answers), so both clients' failures mean the same to the pipeline.
 */
interface Normalized {
  name: string;
  message: string;
  type?: string;
  retriable?: boolean;
  code?: string;
  syscall?: string;
  errors?: Normalized[];
  cause?: Normalized;
}

function normalize(e: unknown, depth = 0): Normalized | undefined {
  if (!e || typeof e !== 'object' || depth > 8) return undefined;
  const o = e as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const code = str(o['code']);
  const apiId = str(o['apiId']);
  const out: Normalized = { name: str(o['name']) ?? 'Error', message: str(o['message']) ?? String(e) };
  if (apiId) out.type = apiId;
  else if (code === 'PLT_KFK_AUTHENTICATION') out.type = 'SASL_AUTHENTICATION_FAILED';
  if (apiId && typeof o['canRetry'] === 'boolean') out.retriable = o['canRetry'];
  if (code && !code.startsWith('PLT_KFK_')) out.code = code;
  const syscall = str(o['syscall']);
  if (syscall) out.syscall = syscall;
  // A response error lists each partition's answer; the retry wrapper lists each attempt's.
  if (Array.isArray(o['errors']) && o['errors'].length > 0) {
    const parts = (o['errors'] as unknown[]).map((x) => normalize(x, depth + 1)).filter((x): x is Normalized => x !== undefined);
    // Attempts of one call: the last one is the answer. Parts of one response: each counts.
    if (code === 'PLT_KFK_MULTIPLE' && /failed \d+ times/.test(out.message)) {
      const last = parts.at(-1);
      if (last) out.cause = last;
    } else if (parts.length > 0) out.errors = parts;
  }
  out.cause ??= normalize(o['cause'], depth + 1);
  if (!out.cause) delete out.cause;
  return out;
}

/** Classifies a failure thrown by @platformatic/kafka (or by a handler running inside it). */
export function classifyPlatformaticError(e: unknown): KafkaFailure {
  return classifyKafkaError(normalize(e) ?? e);
}

/** What a refusal of the login names beyond the broker's answer, e.g. `SASL SCRAM-SHA-512 as user ops` (never the password). */
export interface FailureContext {
  sasl?: string;
}

/**
 * The pipeline's error for a client failure, naming the operation (as kafkaError does for
 * kafkajs). @platformatic/kafka's refusal of a login says only "SASL authentication failed.":
 * the mechanism and user from `context` are added, so the message says which login was refused.
 */
export function platformaticError(e: unknown, what: string, context: FailureContext = {}): Error {
  if (e instanceof PipelineError) return e;
  let f = classifyPlatformaticError(e);
  if (context.sasl && f.kind === 'refused' && f.type === 'SASL_AUTHENTICATION_FAILED') f = { ...f, reason: `${f.reason.replace(/\.$/, '')} (${context.sasl})` };
  return failureError(e, f, what);
}

/** Runs a client call, turning its failure into the pipeline's error. */
export async function wrapPlatformatic<T>(op: () => Promise<T>, what: string, context: FailureContext = {}): Promise<T> {
  try {
    return await op();
  } catch (e) {
    throw platformaticError(e, what, context);
  }
}
