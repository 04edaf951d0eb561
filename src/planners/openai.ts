// Planner backed by any OpenAI-compatible chat-completions endpoint: streaming, retries, structured-output fallback.
import type OpenAI from 'openai';
import { countTokens } from '../memory/tokens.js';
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { Price } from '../config.js';
import { writeFileAtomic } from '../core/fs/atomic.js';
import { readRegular } from '../core/fs/regular.js';
import { redactSecrets } from '../core/secrets.js';
import { addUsage, costOf } from './cost.js';
import { parsePlanOutput } from './parse.js';
import { buildPrompt, PLAN_JSON_SCHEMA } from './prompt.js';
import { PlannerError } from './types.js';
import type { Planner, PlannerErrorKind, PlanRequest, PlanResponse } from './types.js';
import type { Usage } from '../core/usage.js';

export type OutputMode = 'json_schema' | 'json_object' | 'text';
const MODES: OutputMode[] = ['json_schema', 'json_object', 'text'];

export interface OpenAIPlannerOptions {
  client: OpenAI;
  model: string;
  baseUrl: string;
  prices: Record<string, Price>;
  maxRetries: number;
  /** Per attempt: no response headers, or no stream chunk, for this long is a timeout. */
  timeoutMs: number;
  /** JSON file remembering which structured-output mode each endpoint accepts. */
  modeCachePath?: string;
  /** Variable to name when the key is refused (after JUPITER_API_KEY). */
  keyVariable?: string;
  /** Planner name for the UI, default `openai:<model>`. */
  name?: string;
  /** First backoff delay; doubles per attempt, with jitter. */
  backoffBaseMs?: number;
}

type Message = OpenAI.Chat.ChatCompletionMessageParam;

/** Which mode worked per `${baseUrl}|${model}`, for the life of the process. */
const knownModes = new Map<string, OutputMode>();

const MAX_BACKOFF_MS = 20_000;
/** A server asking us to wait longer than this is treated as a hard rate limit. */
const MAX_RETRY_AFTER_MS = 60_000;

/** A classified failure of one attempt. */
interface Fault {
  kind: PlannerErrorKind | 'format';
  retryable: boolean;
  reason: string;
  retryAfterMs?: number;
  cause?: unknown;
}

class AttemptFault extends Error {
  constructor(readonly fault: Fault) {
    super(fault.reason);
  }
}

/** The innermost useful cause, e.g. ECONNREFUSED under undici's "fetch failed". */
function rootCause(err: unknown): string {
  let e = err as { message?: string; code?: string; cause?: unknown } | undefined;
  for (let depth = 0; e?.cause && depth < 4; depth++) e = e.cause as typeof e;
  return e?.code ?? e?.message ?? String(err);
}

function oneLine(text: string): string {
  return redactSecrets(text.replace(/\s+/g, ' ').trim());
}

function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const after = headers?.get('retry-after');
  if (!after) return undefined;
  if (Number.isFinite(Number(after))) return Math.max(0, Number(after) * 1000);
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

const FORMAT_REJECTION = /response_format|json_schema|json_object|structured|unsupported|not supported/i;

function classify(err: unknown, aborted: boolean, timedOut: boolean): Fault {
  if (aborted) return { kind: 'aborted', retryable: false, reason: 'cancelled', cause: err };
  if (timedOut || err instanceof APIConnectionTimeoutError) return { kind: 'timeout', retryable: true, reason: 'timed out', cause: err };
  if (err instanceof APIUserAbortError) return { kind: 'aborted', retryable: false, reason: 'cancelled', cause: err };
  if (err instanceof APIConnectionError) return { kind: 'network', retryable: true, reason: `connection failed (${rootCause(err)})`, cause: err };
  if (err instanceof APIError) {
    const s = err.status;
    const msg = `${s ?? 'stream error'}: ${err.message.replace(/^\d{3}\s*/, '')}`;
    if (s === 401 || s === 403) return { kind: 'auth', retryable: false, reason: `refused the API key (${msg})`, cause: err };
    if (s === 429) return { kind: 'rate-limit', retryable: true, reason: `rate limited (${msg})`, retryAfterMs: retryAfterMs(err.headers), cause: err };
    if (s === undefined || s >= 500) return { kind: 'server', retryable: true, reason: `server error (${msg})`, cause: err };
    if (s === 408) return { kind: 'timeout', retryable: true, reason: `request timeout (${msg})`, cause: err };
    if (s === 400 && FORMAT_REJECTION.test(err.message)) return { kind: 'format', retryable: false, reason: msg, cause: err };
    return { kind: 'config', retryable: false, reason: `rejected the request (${msg})`, cause: err };
  }
  // fetch/undici failures mid-stream (e.g. "terminated" when the socket drops).
  return { kind: 'network', retryable: true, reason: `connection lost (${rootCause(err)})`, cause: err };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new PlannerError('aborted', 'cancelled'));
    };
    const timer = setTimeout(() => resolve(signal.removeEventListener('abort', onAbort)), ms);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

function responseFormat(mode: OutputMode): OpenAI.Chat.ChatCompletionCreateParams['response_format'] {
  if (mode === 'json_schema') return { type: 'json_schema', json_schema: { name: 'plan', strict: false, schema: PLAN_JSON_SCHEMA as unknown as Record<string, unknown> } };
  if (mode === 'json_object') return { type: 'json_object' };
  return undefined;
}

export class OpenAIPlanner implements Planner {
  readonly name: string;
  private readonly key: string;

  constructor(private readonly opts: OpenAIPlannerOptions) {
    this.name = opts.name ?? `openai:${opts.model}`;
    this.key = `${opts.baseUrl}|${opts.model}`;
  }

  async propose(req: PlanRequest): Promise<PlanResponse> {
    const prompt = buildPrompt(req);
    const promptChars = prompt.system.length + prompt.user.length;
    const messages: Message[] = [
      { role: 'system', content: prompt.system },
      { role: 'user', content: prompt.user },
    ];
    let usage: Usage = { promptTokens: 0, completionTokens: 0, cachedTokens: 0 };
    const track = (u: Usage) => (usage = addUsage(usage, u));

    const first = await this.complete(messages, req, track);
    let mode = first.mode;
    let parsed = parsePlanOutput(first.text);
    if ('error' in parsed) {
      // One corrective turn: show the model its answer and what was wrong with it.
      const retry: Message[] = [
        ...messages,
        { role: 'assistant', content: first.text },
        { role: 'user', content: `Your previous answer could not be used: ${parsed.error}. Reply with only the corrected JSON plan.` },
      ];
      const second = await this.complete(retry, req, track);
      mode = second.mode;
      parsed = parsePlanOutput(second.text);
      if ('error' in parsed) {
        throw new PlannerError(parsed.kind, oneLine(`${this.name} gave an unusable plan twice: ${parsed.error}`));
      }
    }
    const { costUsd } = costOf(usage, this.opts.prices[this.opts.model]);
    return { plan: parsed.plan, usage, costUsd, mode, promptChars, promptTokensEstimate: countTokens(prompt.system) + countTokens(prompt.user) };
  }

  /** One completion, stepping down structured-output modes the server rejects; remembers the one that worked. */
  private async complete(messages: Message[], req: PlanRequest, track: (u: Usage) => void): Promise<{ text: string; mode: OutputMode }> {
    const start = await this.startMode();
    for (let m = MODES.indexOf(start); m < MODES.length; m++) {
      const mode = MODES[m]!;
      try {
        // Model output becomes plans, log lines and memory: a key the server echoes back must not ride along.
        const text = redactSecrets(await this.withRetries(messages, mode, req, track));
        if (knownModes.get(this.key) !== mode) await this.rememberMode(mode);
        return { text, mode };
      } catch (err) {
        if (err instanceof AttemptFault && err.fault.kind === 'format' && mode !== 'text') continue;
        throw err instanceof AttemptFault ? this.toPlannerError(err.fault, 1) : err;
      }
    }
    throw new PlannerError('config', `${this.opts.baseUrl} accepted no output mode`);
  }

  private async withRetries(messages: Message[], mode: OutputMode, req: PlanRequest, track: (u: Usage) => void): Promise<string> {
    const base = this.opts.backoffBaseMs ?? 500;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.attempt(messages, mode, req, track);
      } catch (err) {
        const fault = err instanceof AttemptFault ? err.fault : classify(err, req.signal.aborted, false);
        if (fault.kind === 'format') throw new AttemptFault(fault);
        const tooLong = fault.retryAfterMs !== undefined && fault.retryAfterMs > MAX_RETRY_AFTER_MS;
        if (tooLong) fault.reason += ` and asks to wait ${Math.round(fault.retryAfterMs! / 1000)} s`;
        if (!fault.retryable || attempt >= this.opts.maxRetries || tooLong) throw this.toPlannerError(fault, attempt + 1);
        const backoff = Math.min(MAX_BACKOFF_MS, base * 2 ** attempt) * (0.75 + Math.random() * 0.5);
        const delayMs = Math.round(fault.retryAfterMs ?? backoff);
        req.onRetry?.({ attempt: attempt + 1, reason: fault.reason, delayMs });
        await sleep(delayMs, req.signal);
      }
    }
  }

  /** One streamed request. Faults come out as AttemptFault. */
  private async attempt(messages: Message[], mode: OutputMode, req: PlanRequest, track: (u: Usage) => void): Promise<string> {
    if (req.signal.aborted) throw new AttemptFault({ kind: 'aborted', retryable: false, reason: 'cancelled' });
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    req.signal.addEventListener('abort', onAbort, { once: true });
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, this.opts.timeoutMs);
    };
    arm();
    try {
      const format = responseFormat(mode);
      const stream = await this.opts.client.chat.completions.create(
        { model: this.opts.model, messages, stream: true, stream_options: { include_usage: true }, temperature: 0.2, ...(format ? { response_format: format } : {}) },
        { signal: controller.signal, timeout: this.opts.timeoutMs, maxRetries: 0 },
      );
      let text = '';
      let finished = false;
      let reported: Usage | undefined;
      for await (const chunk of stream) {
        arm();
        const choice = chunk.choices[0];
        const delta = choice?.delta?.content;
        if (delta) {
          text += delta;
          req.onProgress?.({ tokens: Math.round(text.length / 4) });
        }
        if (choice?.finish_reason) finished = true;
        if (chunk.usage) {
          const u = chunk.usage;
          reported = { promptTokens: u.prompt_tokens, completionTokens: u.completion_tokens, cachedTokens: u.prompt_tokens_details?.cached_tokens ?? 0 };
        }
      }
      // The SDK ends an aborted stream quietly, so the reason is checked here.
      if (req.signal.aborted || timedOut) throw new Error('stream aborted');
      if (!finished) throw new AttemptFault({ kind: 'network', retryable: true, reason: 'the answer stream ended before the model finished' });
      // Servers that do not report usage get an estimate (4 characters a token), so budgets still work.
      const chars = messages.reduce((n, m) => n + (typeof m.content === 'string' ? m.content.length : 0), 0);
      track(reported ?? { promptTokens: Math.ceil(chars / 4), completionTokens: Math.ceil(text.length / 4), cachedTokens: 0 });
      return text;
    } catch (err) {
      if (err instanceof AttemptFault) throw err;
      throw new AttemptFault(classify(err, req.signal.aborted, timedOut));
    } finally {
      clearTimeout(timer);
      req.signal.removeEventListener('abort', onAbort);
    }
  }

  private toPlannerError(fault: Fault, attempts: number): PlannerError {
    if (fault.kind === 'aborted') return new PlannerError('aborted', 'cancelled');
    const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
    const detail =
      fault.kind === 'auth' ? `${fault.reason}: set JUPITER_API_KEY or ${this.opts.keyVariable ?? 'OPENAI_API_KEY'}`
      : fault.kind === 'timeout' ? `no answer within ${this.opts.timeoutMs} ms${tries}`
      : fault.kind === 'format' ? `rejected the request (${fault.reason})`
      : `${fault.reason}${tries}`;
    const kind: PlannerErrorKind = fault.kind === 'format' ? 'config' : fault.kind;
    return new PlannerError(kind, oneLine(`${this.opts.baseUrl}: ${detail}`), { cause: fault.cause });
  }

  private async startMode(): Promise<OutputMode> {
    const known = knownModes.get(this.key);
    if (known) return known;
    const fromFile = (await this.readModeFile())[this.key];
    if (fromFile && MODES.includes(fromFile)) {
      knownModes.set(this.key, fromFile);
      return fromFile;
    }
    return 'json_schema';
  }

  private async readModeFile(): Promise<Record<string, OutputMode>> {
    if (!this.opts.modeCachePath) return {};
    try {
      // Never through a link, never a FIFO (that would hang the run): anything odd reads as no cache.
      const value = JSON.parse(readRegular(this.opts.modeCachePath).toString('utf8')) as unknown;
      return typeof value === 'object' && value !== null ? (value as Record<string, OutputMode>) : {};
    } catch {
      return {};
    }
  }

  private async rememberMode(mode: OutputMode): Promise<void> {
    knownModes.set(this.key, mode);
    if (!this.opts.modeCachePath) return;
    try {
      const all = { ...(await this.readModeFile()), [this.key]: mode };
      await writeFileAtomic(this.opts.modeCachePath, `${JSON.stringify(all, null, 2)}\n`);
    } catch {
      // The cache only saves a round trip; failing to write it must not fail the plan.
    }
  }
}

/** Forget remembered output modes (tests, or after `jupiter doctor` re-probes). */
export function forgetOutputModes(): void {
  knownModes.clear();
}
