// One place that turns an OpenAI-compatible server's failures into faults: the planner and `jupiter doctor` share it.
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { redactSecrets } from '../../core/secrets.js';
import { safeText } from '../../core/text.js';
import type { PlannerErrorKind } from '../types.js';

/** Kinds beyond the planner's: `format` the server refused response_format; `max-tokens-param` it wants max_completion_tokens. */
export type FaultKind = PlannerErrorKind | 'format' | 'max-tokens-param';

/** A classified failure of one request. */
export interface Fault {
  kind: FaultKind;
  retryable: boolean;
  /** One line, control characters stripped and secrets redacted: safe to print and to log. */
  reason: string;
  status?: number;
  retryAfterMs?: number;
  cause?: unknown;
}

/** Thrown inside a request to carry a fault that was classified already. */
export class FaultError extends Error {
  constructor(readonly fault: Fault) {
    super(fault.reason);
  }
}

const FORMAT_REJECTION = /response_format|json_schema|json_object|structured|unsupported|not supported/i;
/** Newer OpenAI models refuse `max_tokens` and ask for `max_completion_tokens`. */
const MAX_TOKENS_REJECTION = /max_tokens/;

/**
 * Text a server sent (an error body, a model id), made safe for a terminal and a log: one line, no escape sequences
 * or control characters (a hostile server once cleared the screen through doctor), no secrets, at most `max` chars.
 * Redacted before shortening: a key cut in half would no longer be recognised.
 */
export function serverText(text: string, max = 200): string {
  const clean = safeText(redactSecrets(text), true).replace(/\s+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** The innermost useful cause, e.g. ECONNREFUSED under undici's "fetch failed". */
function rootCause(err: unknown): string {
  let e = err as { message?: string; code?: string; cause?: unknown } | undefined;
  for (let depth = 0; e?.cause && depth < 4; depth++) e = e.cause as typeof e;
  return serverText(e?.code ?? e?.message ?? String(err));
}

function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const after = headers?.get('retry-after');
  if (!after) return undefined;
  if (Number.isFinite(Number(after))) return Math.max(0, Number(after) * 1000);
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Classifies what a request threw. `aborted`: the caller cancelled; `timedOut`: our wall-clock deadline fired (the
 * SDK then reports a plain abort, which is why the caller says which).
 */
export function classify(err: unknown, state: { aborted: boolean; timedOut: boolean }): Fault {
  if (err instanceof FaultError) return err.fault;
  if (state.aborted) return { kind: 'aborted', retryable: false, reason: 'cancelled', cause: err };
  if (state.timedOut || err instanceof APIConnectionTimeoutError) return { kind: 'timeout', retryable: true, reason: 'timed out', cause: err };
  if (err instanceof APIUserAbortError) return { kind: 'aborted', retryable: false, reason: 'cancelled', cause: err };
  if (err instanceof APIConnectionError) return { kind: 'network', retryable: true, reason: `connection failed (${rootCause(err)})`, cause: err };
  if (err instanceof APIError) {
    const s = err.status;
    const msg = `${s ?? 'stream error'}: ${serverText(err.message.replace(/^\d{3}\s*/, ''))}`;
    const base = { cause: err, ...(s !== undefined ? { status: s } : {}) };
    if (s === 401 || s === 403) return { ...base, kind: 'auth', retryable: false, reason: `refused the API key (${msg})` };
    if (s === 429) {
      const after = retryAfterMs(err.headers);
      return { ...base, kind: 'rate-limit', retryable: true, reason: `rate limited (${msg})`, ...(after !== undefined ? { retryAfterMs: after } : {}) };
    }
    if (s === undefined || s >= 500) return { ...base, kind: 'server', retryable: true, reason: `server error (${msg})` };
    if (s === 408) return { ...base, kind: 'timeout', retryable: true, reason: `request timeout (${msg})` };
    if (s === 400 && MAX_TOKENS_REJECTION.test(err.message)) return { ...base, kind: 'max-tokens-param', retryable: false, reason: msg };
    if (s === 400 && FORMAT_REJECTION.test(err.message)) return { ...base, kind: 'format', retryable: false, reason: msg };
    return { ...base, kind: 'config', retryable: false, reason: `rejected the request (${msg})` };
  }
  // fetch/undici failures mid-stream (e.g. "terminated" when the socket drops).
  return { kind: 'network', retryable: true, reason: `connection lost (${rootCause(err)})`, cause: err };
}

/**
 * Runs `fn` under a wall-clock deadline covering the whole request, connect to last byte: the SDK's own timeout
 * stops at the response headers, so a server that stalls after them (or streams forever) would otherwise hang us.
 */
export async function withDeadline<T>(timeoutMs: number, signal: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = () => controller.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    if (signal?.aborted) throw new FaultError({ kind: 'aborted', retryable: false, reason: 'cancelled' });
    const result = await fn(controller.signal);
    // The SDK ends an aborted stream quietly, so the reason is checked here too.
    if (timedOut || signal?.aborted) throw new Error('aborted');
    return result;
  } catch (err) {
    throw new FaultError(classify(err, { aborted: Boolean(signal?.aborted), timedOut }));
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}
