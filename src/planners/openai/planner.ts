// Planner backed by OpenAI-compatible chat-completions endpoints: streaming under a wall-clock deadline, capped
// answers, retries, structured-output fallback, and several replicas for concurrent candidates.
import type OpenAI from 'openai';
import { type Price, priceFor } from '../../config/prices.js';
import { PLAN_LIMITS, planAnswerJsonSchema } from '../../core/plan.js';
import { redactSecrets } from '../../core/secrets.js';
import type { Usage } from '../../core/usage.js';
import { countTokens, ESTIMATE, loadTokenCounter, type TokenCounter } from '../../memory/tokens.js';
import { addUsage, costOf } from '../cost.js';
import { parsePlanOutput } from '../parse.js';
import { allowedActions, buildPrompt, PromptMemo } from '../prompt.js';
import { PlannerError } from '../types.js';
import type { Planner, PlannerErrorKind, PlanRequest, PlanResponse } from '../types.js';
import { type Fault, FaultError, withDeadline } from './errors.js';
import { MODES, ModeMemory, type OutputMode, responseFormat } from './modes.js';
import { type Endpoint, ReplicaPool } from './replicas.js';

/** Streamed tokens between two progress reports. */
const PROGRESS_TOKENS = 8;
const DEFAULT_MAX_TOKENS = 4096;

export interface OpenAIPlannerOptions {
  /** One endpoint, or several replicas of the same model (candidates and retries spread across them). */
  endpoints: Endpoint[];
  model: string;
  prices: Record<string, Price>;
  maxRetries: number;
  /** Wall-clock limit of one request, connect to last byte (an endless stream ends here too). */
  timeoutMs: number;
  /** Most tokens a model may write per answer (`max_tokens`). */
  maxTokens?: number;
  /** JSON file remembering which structured-output mode each endpoint accepts. */
  modeCachePath?: string;
  /** Variable to name when the key is refused (after JUPITER_API_KEY). */
  keyVariable?: string;
  /** Planner name for the UI, default `openai:<model>`. */
  name?: string;
  /** First backoff delay; doubles per attempt, with jitter. */
  backoffBaseMs?: number;
  /** Which replica candidate 0 starts on (e.g. from the session id), so sessions spread too. */
  replicaOffset?: number;
}

type Message = OpenAI.Chat.ChatCompletionMessageParam;

const MAX_BACKOFF_MS = 20_000;
/** A server asking us to wait longer than this is treated as a hard rate limit. */
const MAX_RETRY_AFTER_MS = 60_000;
/** Faults that say a replica is unwell (not that the request was wrong): the next replica is tried at once. */
const REPLICA_FAULTS = new Set(['network', 'server', 'timeout']);

function oneLine(text: string): string {
  return redactSecrets(text.replace(/\s+/g, ' ').trim());
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

/** One call's state: which replica it is on, and the usage it has run up (repairs and corrective turns included). */
interface Call {
  req: PlanRequest;
  replica: number;
  usage: Usage;
  schema: Record<string, unknown>;
  counter: Promise<TokenCounter>;
}

export class OpenAIPlanner implements Planner {
  readonly name: string;
  private readonly pool: ReplicaPool;
  private readonly modes: ModeMemory;
  /** Switched to `max_completion_tokens` once a server refuses `max_tokens` (newer OpenAI models). */
  private tokenParam: 'max_tokens' | 'max_completion_tokens' = 'max_tokens';
  private counter: Promise<TokenCounter> | undefined;
  private readonly memo = new PromptMemo();
  private price: { value: Price | undefined } | undefined;
  /** The answer schema for the last action list: it changes only when the actions do (zod's conversion is costly). */
  private schema: { key: string; schema: Record<string, unknown> } | undefined;
  /** The last system prompt's token counts: it changes only when the rules do, and it is most of the prompt. */
  private systemTokens: { text: string; estimate: number; counted: number; by: TokenCounter } | undefined;

  constructor(private readonly opts: OpenAIPlannerOptions) {
    this.name = opts.name ?? `openai:${opts.model}`;
    this.pool = new ReplicaPool(opts.endpoints, opts.replicaOffset ?? 0);
    this.modes = new ModeMemory(opts.modeCachePath);
  }

  /** The model's tokenizer, loaded once, in the background of the first request. */
  private tokenCounter(): Promise<TokenCounter> {
    this.counter ??= loadTokenCounter(this.opts.model).catch(() => ESTIMATE);
    return this.counter;
  }

  private answerSchema(actions: readonly string[]): Record<string, unknown> {
    const key = actions.join('\n');
    if (this.schema?.key !== key) this.schema = { key, schema: planAnswerJsonSchema(actions) };
    return this.schema.schema;
  }

  /** Tokens of the prompt by jupiter's estimate and by the model's counter (the same when there is no tokenizer). */
  private promptTokens(prompt: { system: string; user: string }, counter: TokenCounter): { estimate: number; counted: number } {
    const sys = this.systemTokens;
    const system =
      sys && sys.by === counter && sys.text === prompt.system
        ? sys
        : (this.systemTokens = { text: prompt.system, by: counter, ...this.count(prompt.system, counter) });
    const user = this.count(prompt.user, counter);
    return { estimate: system.estimate + user.estimate, counted: system.counted + user.counted };
  }

  private count(text: string, counter: TokenCounter): { estimate: number; counted: number } {
    const estimate = countTokens(text);
    return { estimate, counted: counter === ESTIMATE ? estimate : counter.count(text) };
  }

  async propose(req: PlanRequest): Promise<PlanResponse> {
    const prompt = buildPrompt(req, this.memo);
    const messages: Message[] = [
      { role: 'system', content: prompt.system },
      { role: 'user', content: prompt.user },
    ];
    const call: Call = {
      req,
      replica: this.pool.pick(req.candidate ?? 0),
      usage: { promptTokens: 0, completionTokens: 0, cachedTokens: 0 },
      schema: this.answerSchema(allowedActions(req.target)),
      counter: this.tokenCounter(),
    };

    const first = await this.complete(messages, call);
    let mode = first.mode;
    let parsed = parsePlanOutput(first.text);
    if ('error' in parsed) {
      // One corrective turn: show the model its answer and what was wrong with it.
      const retry: Message[] = [
        ...messages,
        { role: 'assistant', content: first.text },
        { role: 'user', content: `Your previous answer could not be used: ${parsed.error}. Reply with only the corrected JSON plan.` },
      ];
      const second = await this.complete(retry, call);
      mode = second.mode;
      parsed = parsePlanOutput(second.text);
      if ('error' in parsed) throw new PlannerError(parsed.kind, oneLine(`${this.name} gave an unusable plan twice: ${parsed.error}`));
    }
    const counter = await call.counter;
    // The model and prices are fixed for the planner's life: looked up once.
    const price = (this.price ??= { value: priceFor(this.opts.model, this.opts.prices) }).value;
    const { costUsd, priced } = costOf(call.usage, price);
    const tokens = this.promptTokens(prompt, counter);
    return {
      plan: parsed.plan,
      usage: call.usage,
      // No price known: the cost is unknown, not zero.
      ...(priced ? { costUsd } : {}),
      mode,
      promptChars: prompt.system.length + prompt.user.length,
      promptTokensEstimate: tokens.estimate,
      promptTokens: { count: tokens.counted, tokenizer: counter.name, exact: counter.exact },
      ...(parsed.reasoning ? { reasoning: parsed.reasoning } : {}),
      ...(parsed.claimsOptimal ? { claimsOptimal: true } : {}),
      endpoint: this.pool.endpoint(call.replica).baseUrl,
    };
  }

  /** One completion, stepping down structured-output modes the server rejects; remembers the one that worked. */
  private async complete(messages: Message[], call: Call): Promise<{ text: string; mode: OutputMode }> {
    for (;;) {
      const { baseUrl } = this.pool.endpoint(call.replica);
      const key = `${baseUrl}|${this.opts.model}`;
      const replica = call.replica;
      let m = MODES.indexOf(await this.modes.get(key));
      try {
        for (; m < MODES.length; m++) {
          const mode = MODES[m]!;
          try {
            // Model output becomes plans, log lines and memory: a key the server echoes back must not ride along.
            const text = redactSecrets(await this.withRetries(messages, mode, call));
            await this.modes.set(key, mode);
            return { text, mode };
          } catch (err) {
            if (err instanceof FaultError && err.fault.kind === 'format' && mode !== 'text') continue;
            throw err;
          }
        }
      } catch (err) {
        // withRetries moved to another replica: start over there (its modes may differ).
        if (err instanceof ReplicaSwitch) continue;
        throw err instanceof FaultError ? this.toPlannerError(err.fault, 1, replica) : err;
      }
      throw new PlannerError('config', `${baseUrl} accepted no output mode`);
    }
  }

  private async withRetries(messages: Message[], mode: OutputMode, call: Call): Promise<string> {
    const base = this.opts.backoffBaseMs ?? 500;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.attempt(messages, mode, call);
      } catch (err) {
        const fault = err instanceof FaultError ? err.fault : { kind: 'network' as const, retryable: true, reason: String(err) };
        if (fault.kind === 'format') throw new FaultError(fault);
        if (fault.kind === 'max-tokens-param' && this.tokenParam === 'max_tokens') {
          this.tokenParam = 'max_completion_tokens';
          attempt--;
          continue;
        }
        if (REPLICA_FAULTS.has(fault.kind)) {
          const other = this.pool.failover(call.replica);
          if (other !== null) {
            const from = this.pool.endpoint(call.replica).baseUrl;
            call.replica = other;
            call.req.onRetry?.({
              attempt: attempt + 1,
              reason: `${from}: ${fault.reason}; marked down, trying ${this.pool.endpoint(other).baseUrl}`,
              delayMs: 0,
            });
            throw new ReplicaSwitch();
          }
        }
        const tooLong = fault.retryAfterMs !== undefined && fault.retryAfterMs > MAX_RETRY_AFTER_MS;
        if (tooLong) fault.reason += ` and asks to wait ${Math.round(fault.retryAfterMs! / 1000)} s`;
        if (!fault.retryable || attempt >= this.opts.maxRetries || tooLong) throw this.toPlannerError(fault, attempt + 1, call.replica);
        const backoff = Math.min(MAX_BACKOFF_MS, base * 2 ** attempt) * (0.75 + Math.random() * 0.5);
        const delayMs = Math.round(fault.retryAfterMs ?? backoff);
        call.req.onRetry?.({ attempt: attempt + 1, reason: fault.reason, delayMs });
        await sleep(delayMs, call.req.signal);
      }
    }
  }

  /** One streamed request under a wall-clock deadline; an answer past the size cap is refused, not buffered. */
  private async attempt(messages: Message[], mode: OutputMode, call: Call): Promise<string> {
    const { req } = call;
    const { client } = this.pool.endpoint(call.replica);
    const format = responseFormat(mode, call.schema);
    const maxTokens = this.opts.maxTokens ?? DEFAULT_MAX_TOKENS;
    const body = {
      model: this.opts.model,
      messages,
      stream: true as const,
      stream_options: { include_usage: true },
      temperature: 0.2,
      ...(this.tokenParam === 'max_tokens' ? { max_tokens: maxTokens } : { max_completion_tokens: maxTokens }),
      ...(format ? { response_format: format } : {}),
    };
    const { text, reported } = await withDeadline(this.opts.timeoutMs, req.signal, async (signal) => {
      const stream = await client.chat.completions.create(body, { signal, timeout: this.opts.timeoutMs, maxRetries: 0 });
      let text = '';
      let finished = false;
      let reported: Usage | undefined;
      // Tokens at the last report; -1 before the first.
      let shown = -1;
      for await (const raw of stream) {
        const chunk = checkChunk(raw);
        const choice = chunk.choices[0];
        const delta = choice?.delta?.content;
        if (delta) {
          text += delta;
          if (text.length > PLAN_LIMITS.answerBytes) {
            stream.controller.abort();
            throw new FaultError({ kind: 'schema', retryable: false, reason: `the answer passed ${PLAN_LIMITS.answerBytes} characters and was cut off` });
          }
          // Every few tokens, not every chunk (a server may send one token per chunk): nobody reads finer progress.
          const tokens = Math.round(text.length / 4);
          if (shown < 0 || tokens - shown >= PROGRESS_TOKENS) {
            shown = tokens;
            req.onProgress?.({ tokens });
          }
        }
        if (choice?.finish_reason) finished = true;
        if (chunk.usage) {
          const u = chunk.usage;
          reported = { promptTokens: u.prompt_tokens, completionTokens: u.completion_tokens, cachedTokens: u.prompt_tokens_details?.cached_tokens ?? 0 };
        }
      }
      // The last report is the whole answer.
      if (text && Math.round(text.length / 4) !== shown) req.onProgress?.({ tokens: Math.round(text.length / 4) });
      if (!finished && !signal.aborted) throw new FaultError({ kind: 'network', retryable: true, reason: 'the answer stream ended before the model finished' });
      return { text, reported };
    });
    // Servers that do not report usage get our count (the model's tokenizer when known), so budgets still work.
    if (reported) call.usage = addUsage(call.usage, reported);
    else {
      const counter = await call.counter;
      const prompt = messages.reduce((n, m) => n + (typeof m.content === 'string' ? counter.count(m.content) : 0), 0);
      call.usage = addUsage(call.usage, { promptTokens: prompt, completionTokens: counter.count(text), cachedTokens: 0 });
    }
    return text;
  }

  private toPlannerError(fault: Fault, attempts: number, replica: number): PlannerError {
    if (fault.kind === 'aborted') return new PlannerError('aborted', 'cancelled');
    const { baseUrl } = this.pool.endpoint(replica);
    const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
    const detail =
      fault.kind === 'auth'
        ? `${fault.reason}: set JUPITER_API_KEY or ${this.opts.keyVariable ?? 'OPENAI_API_KEY'}`
        : fault.kind === 'timeout'
          ? `no complete answer within ${this.opts.timeoutMs} ms${tries} (--timeout)`
          : fault.kind === 'format' || fault.kind === 'max-tokens-param'
            ? `rejected the request (${fault.reason})`
            : `${fault.reason}${tries}`;
    const kind: PlannerErrorKind = fault.kind === 'format' || fault.kind === 'max-tokens-param' ? 'config' : fault.kind;
    return new PlannerError(kind, oneLine(`${baseUrl}: ${detail}`), { cause: fault.cause });
  }
}

const NOT_A_CHUNK = 'the server sent a stream chunk that is not a chat completion chunk';
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A streamed chunk as the SDK parsed it, checked before use: a server may send any JSON (an array nested a million
 * deep once surfaced as `Cannot read properties of undefined (reading '0')`). Only the fields read are checked.
 */
function checkChunk(chunk: OpenAI.Chat.ChatCompletionChunk): OpenAI.Chat.ChatCompletionChunk {
  const c = chunk as unknown;
  const choice = isRecord(c) && Array.isArray(c.choices) ? (c.choices as unknown[])[0] : null;
  const delta = isRecord(choice) ? choice.delta : undefined;
  const ok =
    isRecord(c) &&
    Array.isArray(c.choices) &&
    (choice === undefined || (isRecord(choice) && (delta === undefined || delta === null || isRecord(delta)))) &&
    (!isRecord(delta) || delta.content === undefined || delta.content === null || typeof delta.content === 'string') &&
    (c.usage === undefined ||
      c.usage === null ||
      (isRecord(c.usage) && typeof c.usage.prompt_tokens === 'number' && typeof c.usage.completion_tokens === 'number'));
  if (!ok) throw new FaultError({ kind: 'server', retryable: false, reason: NOT_A_CHUNK });
  return chunk;
}

/** withRetries moved the call to another replica. */
class ReplicaSwitch extends Error {}
