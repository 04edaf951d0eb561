// Flags + environment + jupiter.config.yaml (+ a resumed session's saved settings) -> one resolved config: each
// setting as its row in settings.ts says, then the rules that join settings (provider presets, the key, prices).
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../core/errors.js';
import { BaseUrlError, checkBaseUrl, registerSecret } from '../core/secrets.js';
import { CONFIG_FILE, type Layers, type Origin, type ReadOptions, rawOf, readLayers, settingValue } from './layers.js';
import { priceFor, pricesFrom } from './prices.js';
import { type ProviderPreset, PROVIDERS, presetOf } from './providers.js';
import { SAVED_SETTINGS, type SessionSettings, type SettingName, type SettingValues, settingNames } from './settings.js';

export interface ResolvedConfig extends Omit<SettingValues, 'config'> {
  cwd: string;
  configFile: string | null;
  /** The first of `baseUrls`. */
  baseUrl: string | undefined;
  /** From the environment only; never written anywhere. */
  apiKey: string | undefined;
  /** Name of the variable the key came from (for messages), or the one to set. */
  apiKeyVariable: string | undefined;
}

/** The procedures shipped inside the package. */
export function shippedProceduresDir(): string {
  return fileURLToPath(new URL('../../procedures', import.meta.url));
}

/**
 * Iterations and checkpoint together: a checkpoint that was not asked for on the command line (config file,
 * environment, default) yields to an explicit -n; two explicit values that contradict each other are refused, and
 * the message says where each came from.
 */
function iterationsAndCheckpoint(layers: Layers): { iterations: number; checkpoint: number } {
  const iterations = settingValue(layers, 'iterations');
  const checkpoint = settingValue(layers, 'checkpoint');
  if (checkpoint <= iterations) return { iterations, checkpoint };
  const it = rawOf(layers, 'iterations').origin;
  const cp = rawOf(layers, 'checkpoint').origin;
  // What a session saved (a fork inherits) yields to a flag given to the fork, as a default would.
  const rank: Record<Origin, number> = { flag: 4, session: 3, environment: 2, 'config file': 1, default: 0 };
  if (rank[cp] < rank[it] || cp === 'default') return { iterations, checkpoint: iterations };
  const from = (o: Origin, variable: string, key: string) =>
    o === 'environment' ? `environment, ${variable}` : o === 'config file' ? `config file ${layers.configPath}, ${key}:` : o === 'session' ? 'inherited' : o;
  throw new UsageError(
    `--checkpoint ${checkpoint} (${from(cp, 'JUPITER_CHECKPOINT', 'checkpoint')}) is larger than --iterations ${iterations} (${from(it, 'JUPITER_ITERATIONS', 'iterations')}): use a value from 1 to ${iterations}, or 0 for no checkpoints`,
  );
}

/** The provider (a base URL without one means "an OpenAI-compatible server I name myself"), its preset and endpoints. */
function endpoints(layers: Layers): { provider: string; preset: ProviderPreset; baseUrls: string[] } {
  const given = settingValue(layers, 'baseUrls');
  const named = rawOf(layers, 'provider').origin === 'default' ? undefined : settingValue(layers, 'provider');
  const provider = named || (given.length ? 'custom' : 'builtin');
  const preset = presetOf(provider);
  if (!preset) throw new UsageError(`--provider: unknown provider "${provider}" (choose ${Object.keys(PROVIDERS).join(', ')})`);
  const baseUrls = provider === 'builtin' ? [] : given.length ? given : preset.baseUrl ? [preset.baseUrl] : [];
  const at = rawOf(layers, 'baseUrls');
  const source = at.origin === 'config file' ? `baseUrl in ${layers.configPath}` : at.origin === 'environment' ? 'JUPITER_BASE_URL' : '--base-url';
  for (const url of baseUrls) {
    try {
      checkBaseUrl(url, source);
    } catch (err) {
      throw err instanceof BaseUrlError ? new UsageError(err.message) : err;
    }
  }
  if (provider === 'custom' && !baseUrls.length) throw new UsageError('--provider custom needs --base-url (or JUPITER_BASE_URL)');
  return { provider, preset, baseUrls };
}

/** The key from the environment only: JUPITER_API_KEY, else the provider's own variable. */
function apiKeyOf(env: NodeJS.ProcessEnv, preset: ProviderPreset): { apiKey: string | undefined; apiKeyVariable: string } {
  for (const name of ['JUPITER_API_KEY', preset.keyVariable]) {
    if (name && env[name]) {
      registerSecret(env[name]);
      return { apiKey: env[name], apiKeyVariable: name };
    }
  }
  return { apiKey: undefined, apiKeyVariable: preset.keyVariable ?? 'JUPITER_API_KEY' };
}

/** The memory folder: a file where it should be is a usage error, not an ENOTDIR crash later. */
export function memoryDirOf(layers: Layers): string {
  const dir = settingValue(layers, 'memoryDir');
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`--memory: ${dir} is not a folder`);
  return dir;
}

function proceduresDirOf(layers: Layers): string {
  if (rawOf(layers, 'proceduresDir').origin !== 'default') return settingValue(layers, 'proceduresDir');
  const local = path.join(layers.cwd, 'procedures');
  return existsSync(local) ? local : shippedProceduresDir();
}

/** Settings the rules below join to others; every other one is read as its row says. */
const JOINED: ReadonlySet<SettingName> = new Set<SettingName>([
  'iterations',
  'checkpoint',
  'memoryDir',
  'proceduresDir',
  'maxCost',
  'provider',
  'baseUrls',
  'model',
  'prices',
  'config',
]);
type JoinedName = 'iterations' | 'checkpoint' | 'memoryDir' | 'proceduresDir' | 'maxCost' | 'provider' | 'baseUrls' | 'model' | 'prices';

/** Every setting from the layers, checked together. */
export function resolveLayers(layers: Layers): ResolvedConfig {
  const { provider, preset, baseUrls } = endpoints(layers);
  // A model asked for on the command line is never dropped in silence: the built-in planner has none.
  if (provider === 'builtin' && rawOf(layers, 'model').origin === 'flag')
    throw new UsageError(
      `--model ${String(layers.flags.model)}: the built-in planner uses no model; name its endpoint too (--provider openai, ollama, … or --base-url <url>)`,
    );
  const model = provider === 'builtin' ? undefined : (settingValue(layers, 'model') ?? preset.defaultModel ?? undefined);
  if (provider === 'custom' && !model) throw new UsageError('--provider custom needs --model (or JUPITER_MODEL)');
  const prices = pricesFrom(layers.file.prices, model, { file: layers.configPath, line: layers.lineOf('prices') });
  const maxCost = settingValue(layers, 'maxCost');
  // A budget in dollars means nothing without a price: refuse rather than run at "$0".
  if (maxCost !== undefined && provider !== 'builtin' && !priceFor(model, prices))
    throw new UsageError(
      `--max-cost: no price is known for model ${model ?? '(none)'}, so cost cannot be tracked: set prices: { input, output } (USD per 1M tokens) in ${CONFIG_FILE}, or drop --max-cost`,
    );
  // Every setting as its row says; then those the rules above join (a new row needs nothing here).
  const plain = Object.fromEntries(settingNames.filter((n) => !JOINED.has(n)).map((n) => [n, settingValue(layers, n as Exclude<SettingName, 'prices'>)]));
  return {
    ...(plain as Omit<ResolvedConfig, JoinedName | 'cwd' | 'configFile' | 'baseUrl' | 'apiKey' | 'apiKeyVariable'>),
    cwd: layers.cwd,
    configFile: layers.configExists ? layers.configPath : null,
    ...iterationsAndCheckpoint(layers),
    memoryDir: memoryDirOf(layers),
    proceduresDir: proceduresDirOf(layers),
    maxCost,
    provider,
    baseUrl: baseUrls[0],
    baseUrls,
    model,
    ...apiKeyOf(layers.env, preset),
    prices,
  };
}

/** Flags + environment + the config file -> one resolved config (flags win, then env, then file, then defaults). */
export function resolveConfig(opts: ReadOptions): ResolvedConfig {
  return resolveLayers(readLayers(opts));
}

/** The settings a session saves, from a resolved config: those its rows mark as saved, when set. */
export function sessionSettings(config: ResolvedConfig): SessionSettings {
  const out: Record<string, unknown> = {};
  for (const name of SAVED_SETTINGS) {
    const v = config[name as keyof ResolvedConfig];
    if (v !== undefined && !(Array.isArray(v) && v.length === 0)) out[name] = v;
  }
  return out as SessionSettings;
}
