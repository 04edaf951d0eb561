// Flags + environment + jupiter.config.yaml -> one resolved config (flags win, then env, then file, then presets).
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, UsageError } from './core/errors.js';
import { BaseUrlError, checkBaseUrl, registerSecret } from './core/secrets.js';
import { readTextFile } from './core/text-file.js';
import { keyLine, parseYamlDoc } from './core/yaml-doc.js';
import { priceFor } from './planners/cost.js';
import { OBJECTIVES, type Objective } from './procedures/types.js';

export const CONFIG_FILE = 'jupiter.config.yaml';

export interface ProviderPreset {
  baseUrl: string | null;
  /** Environment variable holding the key, after JUPITER_API_KEY. */
  keyVariable: string | null;
  /** Whether a key is required (local servers accept any). */
  keyRequired: boolean;
  defaultModel: string | null;
}

export const PROVIDERS: Record<string, ProviderPreset> = {
  builtin: { baseUrl: null, keyVariable: null, keyRequired: false, defaultModel: null },
  openai: { baseUrl: 'https://api.openai.com/v1', keyVariable: 'OPENAI_API_KEY', keyRequired: true, defaultModel: 'gpt-4o-mini' },
  fireworks: {
    baseUrl: 'https://api.fireworks.ai/inference/v1',
    keyVariable: 'FIREWORKS_API_KEY',
    keyRequired: true,
    defaultModel: 'accounts/fireworks/models/llama-v3p1-70b-instruct',
  },
  vllm: { baseUrl: 'http://localhost:8000/v1', keyVariable: 'VLLM_API_KEY', keyRequired: false, defaultModel: 'meta-llama/Llama-3.1-70B-Instruct' },
  ollama: { baseUrl: 'http://localhost:11434/v1', keyVariable: 'OLLAMA_API_KEY', keyRequired: false, defaultModel: 'llama3.1' },
  lmstudio: { baseUrl: 'http://localhost:1234/v1', keyVariable: 'LMSTUDIO_API_KEY', keyRequired: false, defaultModel: 'local-model' },
  llamacpp: { baseUrl: 'http://localhost:8080/v1', keyVariable: 'LLAMACPP_API_KEY', keyRequired: false, defaultModel: 'default' },
  custom: { baseUrl: null, keyVariable: null, keyRequired: false, defaultModel: null },
};

/** Price in USD per million tokens. */
export interface Price {
  input: number;
  output: number;
  cachedInput?: number;
}

/** Documented example prices (USD per 1M tokens); override per model in jupiter.config.yaml `prices:`. */
export const DEFAULT_PRICES: Record<string, Price> = {
  'gpt-4o-mini': { input: 0.15, output: 0.6, cachedInput: 0.075 },
  'gpt-4o': { input: 2.5, output: 10, cachedInput: 1.25 },
  'gpt-4.1': { input: 2, output: 8, cachedInput: 0.5 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6, cachedInput: 0.1 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4, cachedInput: 0.025 },
  'accounts/fireworks/models/llama-v3p1-70b-instruct': { input: 0.9, output: 0.9 },
  'accounts/fireworks/models/llama-v3p1-8b-instruct': { input: 0.2, output: 0.2 },
};

export interface ResolvedConfig {
  cwd: string;
  configFile: string | null;
  goal: string | undefined;
  iterations: number;
  checkpoint: number;
  unattended: boolean;
  json: boolean;
  memoryDir: string;
  proceduresDir: string;
  contextBudget: number;
  maxCost: number | undefined;
  provider: string;
  /** The first of `baseUrls`. */
  baseUrl: string | undefined;
  /** Every endpoint: several replicas of one model when `--base-url` is given more than once. */
  baseUrls: string[];
  model: string | undefined;
  /** Most tokens a model may write per answer (sent as max_tokens). */
  maxTokens: number;
  /** From the environment only; never written anywhere. */
  apiKey: string | undefined;
  /** Name of the variable the key came from (for messages), or the one to set. */
  apiKeyVariable: string | undefined;
  timeoutMs: number;
  maxRetries: number;
  /** First retry delay in ms (doubling, with jitter). */
  backoffMs: number;
  prices: Record<string, Price>;
  /** The improvement loop: see SessionSettings. */
  patience: number;
  repairs: number;
  maxFailures: number;
  candidates: number;
  objectives: Objective[] | undefined;
}

/** Flags as commander hands them over (strings until validated here). */
export interface FlagValues {
  goal?: string;
  iterations?: string;
  checkpoint?: string;
  unattended?: boolean;
  json?: boolean;
  memory?: string;
  procedures?: string;
  contextBudget?: string;
  maxCost?: string;
  provider?: string;
  /** Several when the flag is repeated (replicas). */
  baseUrl?: string | string[];
  model?: string;
  timeout?: string;
  config?: string;
  patience?: string;
  repairs?: string;
  maxFailures?: string;
  candidates?: string;
  objectives?: string;
}

export const DEFAULTS = {
  iterations: 20,
  checkpoint: 10,
  contextBudget: 4000,
  timeoutMs: 120_000,
  maxRetries: 4,
  backoffMs: 500,
  maxTokens: 4096,
  patience: 10,
  repairs: 2,
  maxFailures: 5,
  candidates: 1,
};

/** The procedures shipped inside the package. */
export function shippedProceduresDir(): string {
  return fileURLToPath(new URL('../procedures', import.meta.url));
}

type FileConfig = Record<string, unknown>;

/** The config file's settings, and the line each top-level key is written on (for file:line errors). */
function loadConfigFile(file: string): { values: FileConfig; lineOf: (key: string) => number | undefined } {
  const parsed = parseYamlDoc(readTextFile(file, 'config', 1024 * 1024), file, { invalid: (m) => `invalid YAML: ${m}`, unusable: (m) => `invalid YAML: ${m}` });
  const { value } = parsed;
  const lineOf = (key: string) => keyLine(parsed, key);
  if (value === null || value === undefined) return { values: {}, lineOf };
  if (typeof value !== 'object' || Array.isArray(value)) throw new InputError('expected a mapping of settings', { file, line: 1 });
  const known = new Set([
    'goal',
    'iterations',
    'checkpoint',
    'unattended',
    'memory',
    'procedures',
    'contextBudget',
    'context_budget',
    'maxCost',
    'max_cost',
    'provider',
    'baseUrl',
    'base_url',
    'model',
    'timeoutMs',
    'maxTokens',
    'max_tokens',
    'maxRetries',
    'backoffMs',
    'prices',
    'apiKey',
    'api_key',
    'patience',
    'repairs',
    'maxFailures',
    'max_failures',
    'candidates',
    'objectives',
  ]);
  for (const key of Object.keys(value)) {
    if (key === 'apiKey' || key === 'api_key')
      throw new InputError(`"${key}" does not belong in a file: set JUPITER_API_KEY (or the provider's key variable) in the environment`, {
        file,
        line: lineOf(key),
      });
    if (!known.has(key)) throw new InputError(`unknown setting "${key}"`, { file, line: lineOf(key) });
  }
  return { values: value as FileConfig, lineOf };
}

/**
 * The base URLs and where they came from (named in error messages): the flag (repeatable: replicas), then
 * JUPITER_BASE_URL (comma-separated), then the config file (a URL or a list).
 */
function baseUrlsFrom(flags: FlagValues, env: NodeJS.ProcessEnv, file: FileConfig, configPath: string): { urls: string[]; source: string } | undefined {
  const clean = (v: unknown[]) => v.map((u) => String(u).trim()).filter(Boolean);
  const flag = flags.baseUrl === undefined ? [] : clean(Array.isArray(flags.baseUrl) ? flags.baseUrl : [flags.baseUrl]);
  if (flag.length) return { urls: [...new Set(flag)], source: '--base-url' };
  const fromEnv = clean((env.JUPITER_BASE_URL ?? '').split(','));
  if (fromEnv.length) return { urls: [...new Set(fromEnv)], source: 'JUPITER_BASE_URL' };
  const raw = file.baseUrl ?? file.base_url;
  const fromFile = raw === undefined || raw === null ? [] : clean(Array.isArray(raw) ? raw : [raw]);
  return fromFile.length ? { urls: [...new Set(fromFile)], source: `baseUrl in ${configPath}` } : undefined;
}

function parseIntStrict(raw: unknown, what: string, min: number): number {
  const s = String(raw).trim();
  if (!/^-?\d+$/.test(s)) throw new UsageError(`${what} must be a whole number, got "${s}"`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new UsageError(`${what} is too large, got ${s}`);
  if (n < min) throw new UsageError(`${what} must be ${min === 0 ? 'zero or more' : `at least ${min}`}, got ${s}`);
  return n;
}

function parseNumber(raw: unknown, what: string): number {
  const n = Number(String(raw).trim());
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${what} must be a positive number, got "${String(raw)}"`);
  return n;
}

function pick<T>(...values: (T | undefined | null)[]): T | undefined {
  for (const v of values) if (v !== undefined && v !== null && v !== '') return v;
  return undefined;
}

/** Where a setting's value came from, for messages that must say which one to change. */
type Origin = 'flag' | 'environment' | 'config file' | 'default';

function pickOrigin(flag: unknown, envValue: unknown, fileValue: unknown): { raw: unknown; origin: Origin } {
  for (const [raw, origin] of [
    [flag, 'flag'],
    [envValue, 'environment'],
    [fileValue, 'config file'],
  ] as const) {
    if (raw !== undefined && raw !== null && raw !== '') return { raw, origin };
  }
  return { raw: undefined, origin: 'default' };
}

/**
 * Iterations and checkpoint together: a checkpoint that was not asked for on the command line (config file,
 * environment, default) yields to an explicit -n; two explicit values that contradict each other are refused, and
 * the message says where each came from.
 */
function iterationsAndCheckpoint(flags: FlagValues, env: NodeJS.ProcessEnv, file: FileConfig, configPath: string): { iterations: number; checkpoint: number } {
  const it = pickOrigin(flags.iterations, env.JUPITER_ITERATIONS, file.iterations);
  const iterations = it.raw === undefined ? DEFAULTS.iterations : parseIntStrict(it.raw, '--iterations', 1);
  const cp = pickOrigin(flags.checkpoint, env.JUPITER_CHECKPOINT, file.checkpoint);
  const checkpoint = cp.raw === undefined ? DEFAULTS.checkpoint : parseIntStrict(cp.raw, '--checkpoint', 0);
  if (checkpoint <= iterations) return { iterations, checkpoint };
  const rank: Record<Origin, number> = { flag: 3, environment: 2, 'config file': 1, default: 0 };
  if (rank[cp.origin] < rank[it.origin] || cp.origin === 'default') return { iterations, checkpoint: iterations };
  const from = (o: Origin, variable: string, key: string) =>
    o === 'flag' ? 'flag' : o === 'environment' ? `environment, ${variable}` : o === 'config file' ? `config file ${configPath}, ${key}:` : 'default';
  throw new UsageError(
    `--checkpoint ${checkpoint} (${from(cp.origin, 'JUPITER_CHECKPOINT', 'checkpoint')}) is larger than --iterations ${iterations} (${from(it.origin, 'JUPITER_ITERATIONS', 'iterations')}): use a value from 1 to ${iterations}, or 0 for no checkpoints`,
  );
}

export interface ResolveOptions {
  flags: FlagValues;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function resolveConfig({ flags, env = process.env, cwd = process.cwd() }: ResolveOptions): ResolvedConfig {
  const configPath = flags.config ? path.resolve(cwd, flags.config) : path.join(cwd, CONFIG_FILE);
  if (flags.config && !existsSync(configPath)) throw new UsageError(`--config: ${configPath} does not exist`);
  const loaded = existsSync(configPath) ? loadConfigFile(configPath) : { values: {}, lineOf: () => undefined };
  const file: FileConfig = loaded.values;
  const fileRel = (v: unknown) => (typeof v === 'string' ? path.resolve(path.dirname(configPath), v) : undefined);

  const providerName = String(pick(flags.provider, env.JUPITER_PROVIDER, file.provider as string) ?? '').trim();
  const base = baseUrlsFrom(flags, env, file, configPath);
  const explicitBase = base?.urls[0];
  // A base URL without a provider means "an OpenAI-compatible server I name myself".
  const provider = providerName || (explicitBase ? 'custom' : 'builtin');
  // Own keys only: "constructor" or "__proto__" must not pass for a provider.
  const preset = Object.hasOwn(PROVIDERS, provider) ? PROVIDERS[provider] : undefined;
  if (!preset) throw new UsageError(`--provider: unknown provider "${provider}" (choose ${Object.keys(PROVIDERS).join(', ')})`);

  const { iterations, checkpoint } = iterationsAndCheckpoint(flags, env, file, configPath);
  const budgetRaw = pick<unknown>(flags.contextBudget, env.JUPITER_CONTEXT_BUDGET, file.contextBudget ?? file.context_budget);
  const contextBudget = budgetRaw === undefined ? DEFAULTS.contextBudget : parseIntStrict(budgetRaw, '--context-budget', 100);
  const maxCostRaw = pick<unknown>(flags.maxCost, env.JUPITER_MAX_COST, file.maxCost ?? file.max_cost);
  const maxCost = maxCostRaw === undefined ? undefined : parseNumber(maxCostRaw, '--max-cost');
  const timeoutRaw = pick<unknown>(flags.timeout, env.JUPITER_TIMEOUT_MS, file.timeoutMs);
  const timeoutMs = timeoutRaw === undefined ? DEFAULTS.timeoutMs : parseIntStrict(timeoutRaw, '--timeout', 1);
  const retriesRaw = pick<unknown>(env.JUPITER_MAX_RETRIES, file.maxRetries);
  const maxRetries = retriesRaw === undefined ? DEFAULTS.maxRetries : parseIntStrict(retriesRaw, 'maxRetries', 0);
  const backoffRaw = pick<unknown>(env.JUPITER_BACKOFF_MS, file.backoffMs);
  const backoffMs = backoffRaw === undefined ? DEFAULTS.backoffMs : parseIntStrict(backoffRaw, 'JUPITER_BACKOFF_MS', 1);

  const loop = improvementSettings(flags, env, file);

  const baseUrls = provider === 'builtin' ? [] : base ? base.urls : preset.baseUrl ? [preset.baseUrl] : [];
  const baseUrl = baseUrls[0];
  if (provider === 'custom' && !baseUrl) throw new UsageError('--provider custom needs --base-url (or JUPITER_BASE_URL)');
  for (const url of baseUrls) {
    try {
      checkBaseUrl(url, base?.source ?? '--base-url');
    } catch (err) {
      if (err instanceof BaseUrlError) throw new UsageError(err.message);
      throw err;
    }
  }
  const maxTokensRaw = pick<unknown>(env.JUPITER_MAX_TOKENS, file.maxTokens ?? file.max_tokens);
  const maxTokens =
    maxTokensRaw === undefined
      ? DEFAULTS.maxTokens
      : parseIntStrict(maxTokensRaw, maxTokensRaw === env.JUPITER_MAX_TOKENS ? 'JUPITER_MAX_TOKENS' : `maxTokens in ${configPath}`, 16);
  const model = provider === 'builtin' ? undefined : pick(flags.model, env.JUPITER_MODEL, file.model as string, preset.defaultModel ?? undefined);
  if (provider === 'custom' && !model) throw new UsageError('--provider custom needs --model (or JUPITER_MODEL)');

  let apiKey: string | undefined;
  let apiKeyVariable: string | undefined;
  for (const name of ['JUPITER_API_KEY', preset.keyVariable]) {
    if (name && env[name]) {
      apiKey = env[name];
      apiKeyVariable = name;
      break;
    }
  }
  if (!apiKey) apiKeyVariable = preset.keyVariable ?? 'JUPITER_API_KEY';
  registerSecret(apiKey);

  const memoryDir = path.resolve(cwd, pick(flags.memory, env.JUPITER_MEMORY) ?? fileRel(file.memory) ?? 'memory');
  // A file where the memory folder should be is a usage error, not an ENOTDIR crash later.
  if (existsSync(memoryDir) && !statSync(memoryDir).isDirectory()) throw new UsageError(`--memory: ${memoryDir} is not a folder`);
  const localProcedures = path.join(cwd, 'procedures');
  const proceduresDir = path.resolve(
    cwd,
    pick(flags.procedures, env.JUPITER_PROCEDURES) ?? fileRel(file.procedures) ?? (existsSync(localProcedures) ? localProcedures : shippedProceduresDir()),
  );

  const prices: Record<string, Price> = { ...DEFAULT_PRICES };
  if (file.prices !== undefined) {
    const where = { file: configPath, line: loaded.lineOf('prices') };
    if (typeof file.prices !== 'object' || file.prices === null || Array.isArray(file.prices))
      throw new InputError(
        'prices must be { input, output } for the configured model, or map model ids to { input, output, cachedInput } (USD per 1M tokens)',
        where,
      );
    const entries = file.prices as Record<string, unknown>;
    // `prices: { input, output }` prices the configured model; otherwise each key is a model id.
    const flat = 'input' in entries || 'output' in entries;
    if (flat && !model) throw new InputError('prices: { input, output } needs a model (--model, JUPITER_MODEL or model:)', where);
    for (const [m, p] of flat ? [[model!, entries] as const] : Object.entries(entries)) {
      const price = p as Record<string, unknown> | null;
      const input = Number(price?.input);
      const output = Number(price?.output);
      const at = flat ? 'prices' : `prices.${m}`;
      if (!Number.isFinite(input) || !Number.isFinite(output) || input < 0 || output < 0)
        throw new InputError(`${at} needs numeric input and output (USD per 1M tokens)`, where);
      const cached = price?.cachedInput === undefined ? undefined : Number(price.cachedInput);
      if (cached !== undefined && !(Number.isFinite(cached) && cached >= 0))
        throw new InputError(`${at}.cachedInput must be a number (USD per 1M tokens)`, where);
      prices[m] = cached === undefined ? { input, output } : { input, output, cachedInput: cached };
    }
  }
  // A budget in dollars means nothing without a price: refuse rather than run at "$0" (the old behaviour).
  if (maxCost !== undefined && provider !== 'builtin' && !priceFor(model, prices)) {
    throw new UsageError(
      `--max-cost: no price is known for model ${model ?? '(none)'}, so cost cannot be tracked: set prices: { input, output } (USD per 1M tokens) in ${CONFIG_FILE}, or drop --max-cost`,
    );
  }

  return {
    cwd,
    configFile: existsSync(configPath) ? configPath : null,
    goal: pick(flags.goal, file.goal as string),
    iterations,
    checkpoint,
    unattended: Boolean(flags.unattended ?? file.unattended ?? false),
    json: Boolean(flags.json),
    memoryDir,
    proceduresDir,
    contextBudget,
    maxCost,
    provider,
    baseUrl,
    baseUrls,
    model,
    maxTokens,
    apiKey,
    apiKeyVariable,
    timeoutMs,
    maxRetries,
    backoffMs,
    prices,
    ...loop,
  };
}

/** --patience, --repairs, --max-failures, --candidates, --objectives: flags, then environment, then the file. */
function improvementSettings(
  flags: FlagValues,
  env: NodeJS.ProcessEnv,
  file: FileConfig,
): Pick<ResolvedConfig, 'patience' | 'repairs' | 'maxFailures' | 'candidates' | 'objectives'> {
  const whole = (flag: string, raw: unknown, fallback: number, min: number) => (raw === undefined ? fallback : parseIntStrict(raw, flag, min));
  const patience = whole('--patience', pick<unknown>(flags.patience, env.JUPITER_PATIENCE, file.patience), DEFAULTS.patience, 0);
  const repairs = whole('--repairs', pick<unknown>(flags.repairs, env.JUPITER_REPAIRS, file.repairs), DEFAULTS.repairs, 0);
  const maxFailures = whole(
    '--max-failures',
    pick<unknown>(flags.maxFailures, env.JUPITER_MAX_FAILURES, file.maxFailures ?? file.max_failures),
    DEFAULTS.maxFailures,
    1,
  );
  const candidates = whole('--candidates', pick<unknown>(flags.candidates, env.JUPITER_CANDIDATES, file.candidates), DEFAULTS.candidates, 1);
  if (candidates > 16) throw new UsageError(`--candidates must be at most 16, got ${candidates}`);
  const raw = pick<unknown>(flags.objectives, env.JUPITER_OBJECTIVES, file.objectives);
  let objectives: Objective[] | undefined;
  if (raw !== undefined) {
    const list = (Array.isArray(raw) ? raw.map(String) : String(raw).split(',')).map((s) => s.trim()).filter(Boolean);
    const bad = list.find((o) => !(OBJECTIVES as readonly string[]).includes(o));
    if (bad !== undefined || list.length === 0)
      throw new UsageError(
        `--objectives: "${bad ?? String(raw)}" is not an objective (choose from ${OBJECTIVES.join(', ')}, comma-separated, most important first)`,
      );
    if (new Set(list).size !== list.length) throw new UsageError(`--objectives: each objective may appear once, got "${list.join(',')}"`);
    objectives = list as Objective[];
  }
  return { patience, repairs, maxFailures, candidates, objectives };
}
