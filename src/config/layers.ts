// Where a setting's value comes from, in order: the flag, a resumed session's saved value, the environment,
// jupiter.config.yaml, the row's default; and reading that value as the row's kind says, naming its source on a fault.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { InputError, UsageError } from '../core/errors.js';
import { readTextFile } from '../core/text-file.js';
import { keyLine, parseYamlDoc } from '../core/yaml-doc.js';
import { flagKey, longFlag, SETTINGS, type Setting, type SettingName, type SettingValues, settingNames } from './settings.js';

export const CONFIG_FILE = 'jupiter.config.yaml';

/** Flags as commander hands them over (text until read here; a repeated flag is a list). */
export type FlagValues = Record<string, string | string[] | boolean | undefined>;

export type Origin = 'flag' | 'session' | 'environment' | 'config file' | 'default';

export interface Layers {
  flags: FlagValues;
  env: NodeJS.ProcessEnv;
  cwd: string;
  configPath: string;
  /** The config file's settings ({} when there is none). */
  file: Record<string, unknown>;
  configExists: boolean;
  lineOf: (key: string) => number | undefined;
  /** A resumed session's saved settings: they win over everything but the flags resume may change. */
  saved?: Readonly<Record<string, unknown>>;
}

export interface ReadOptions {
  flags: FlagValues;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const KEYS = new Map(settingNames.flatMap((n) => (SETTINGS[n] as Setting).keys.map((k) => [k, n] as const)));

/** The config file's settings, and the line each top-level key is written on (for file:line errors). */
function loadConfigFile(file: string): Pick<Layers, 'file' | 'lineOf'> {
  const parsed = parseYamlDoc(readTextFile(file, 'config', 1024 * 1024), file, { invalid: (m) => `invalid YAML: ${m}`, unusable: (m) => `invalid YAML: ${m}` });
  const { value } = parsed;
  const lineOf = (key: string) => keyLine(parsed, key);
  if (value === null || value === undefined) return { file: {}, lineOf };
  if (typeof value !== 'object' || Array.isArray(value)) throw new InputError('expected a mapping of settings', { file, line: 1 });
  for (const key of Object.keys(value)) {
    if (key === 'apiKey' || key === 'api_key')
      throw new InputError(`"${key}" does not belong in a file: set JUPITER_API_KEY (or the provider's key variable) in the environment`, {
        file,
        line: lineOf(key),
      });
    if (!KEYS.has(key)) throw new InputError(`unknown setting "${key}"`, { file, line: lineOf(key) });
  }
  return { file: value as Record<string, unknown>, lineOf };
}

/** Flags, this environment and folder, and the config file (--config, else ./jupiter.config.yaml when it exists). */
export function readLayers({ flags, env = process.env, cwd = process.cwd() }: ReadOptions): Layers {
  const named = typeof flags.config === 'string' ? flags.config : undefined;
  const configPath = named ? path.resolve(cwd, named) : path.join(cwd, CONFIG_FILE);
  if (named && !existsSync(configPath)) throw new UsageError(`--config: ${configPath} does not exist`);
  const configExists = existsSync(configPath);
  const loaded = configExists ? loadConfigFile(configPath) : { file: {}, lineOf: () => undefined };
  return { flags, env, cwd, configPath, configExists, ...loaded };
}

const given = (v: unknown) => v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0);

export interface Raw {
  raw: unknown;
  origin: Origin;
  /** The config-file key it was read from. */
  key?: string;
}

/** The first layer that sets `name`: a saved value first for what resume keeps, after the flag for what it may change. */
export function rawOf(layers: Layers, name: SettingName): Raw {
  const row: Setting = SETTINGS[name];
  const flagName = flagKey(row);
  const flag = flagName === undefined ? undefined : layers.flags[flagName];
  const kept = row.resume === 'saved' || row.resume === 'change' || row.resume === 'fork';
  const saved = layers.saved && kept ? [name, ...row.keys].map((k) => layers.saved?.[k]).find(given) : undefined;
  // A `fork` setting's flag reaches only a fork: resume refuses it otherwise (see cli/fork.ts), so it may come first.
  const candidates: Raw[] = [
    ...(row.resume === 'saved' ? [{ raw: saved, origin: 'session' as const }] : []),
    { raw: flag, origin: 'flag' },
    ...(row.resume === 'change' || row.resume === 'fork' ? [{ raw: saved, origin: 'session' as const }] : []),
    { raw: row.env ? layers.env[row.env] : undefined, origin: 'environment' },
    ...row.keys.map((key) => ({ raw: layers.file[key], origin: 'config file' as const, key })),
  ];
  return candidates.find((c) => given(c.raw)) ?? { raw: undefined, origin: 'default' };
}

/** What a fault names: the flag, the variable, the session's field; a config-file value is named by file and line. */
function fault(layers: Layers, name: SettingName, at: Raw, message: string): Error {
  const row: Setting = SETTINGS[name];
  if (at.origin === 'config file') return new InputError(`${at.key} ${message}`, { file: layers.configPath, line: layers.lineOf(at.key!) });
  const what = at.origin === 'environment' ? row.env : at.origin === 'session' ? `the session's ${name}` : (longFlag(row) ?? name);
  return new UsageError(`${what} ${message}`);
}

/** A value read, or what is wrong with it (said after the setting's name). */
type Read = { value: unknown } | { fault: string };

function whole(text: string, row: Setting): Read {
  if (!/^-?\d+$/.test(text)) return { fault: `must be a whole number, got "${text}"` };
  const n = Number(text);
  if (!Number.isSafeInteger(n)) return { fault: `is too large, got ${text}` };
  const min = row.min ?? 0;
  if (n < min) return { fault: `must be ${min === 0 ? 'zero or more' : `at least ${min}`}, got ${text}` };
  if (row.max !== undefined && n > row.max) return { fault: `must be at most ${row.max}, got ${n}` };
  return { value: n };
}

function choices(raw: unknown, row: Setting): Read {
  const list = (Array.isArray(raw) ? raw.map(String) : String(raw).split(',')).map((s) => s.trim()).filter(Boolean);
  const options = row.choices ?? [];
  const bad = list.find((o) => !options.includes(o));
  if (bad !== undefined || list.length === 0)
    return { fault: `takes ${options.join(', ')} (comma-separated, most important first), got "${bad ?? String(raw)}"` };
  if (new Set(list).size !== list.length) return { fault: `may name each once, got "${list.join(',')}"` };
  return { value: list };
}

/** Reads `raw` as the row's kind. */
function read(raw: unknown, row: Setting): Read {
  const text = String(raw).trim();
  switch (row.kind) {
    case 'whole':
      return whole(text, row);
    case 'amount':
      return text !== '' && Number.isFinite(Number(text)) && Number(text) > 0 ? { value: Number(text) } : { fault: `must be a positive number, got "${text}"` };
    case 'switch':
      if (typeof raw === 'boolean') return { value: raw };
      return text === 'true' || text === 'false' ? { value: text === 'true' } : { fault: `must be true or false, got "${text}"` };
    case 'urls':
      return { value: [...new Set((Array.isArray(raw) ? raw : text.split(',')).map((u) => String(u).trim()).filter(Boolean))] };
    case 'list':
      return choices(raw, row);
    default:
      return typeof raw === 'string' || typeof raw === 'number' ? { value: text } : { fault: `must be text, got ${JSON.stringify(raw)}` };
  }
}

type Plain = Exclude<SettingName, 'prices'>;

/** A setting's value from the first layer that sets it, read as its kind; the row's default (or unset) otherwise. */
export function settingValue<K extends Plain>(layers: Layers, name: K): SettingValues[K] {
  const row: Setting = SETTINGS[name];
  const at = rawOf(layers, name);
  if (at.origin === 'default') {
    if (row.kind === 'folder' && typeof row.default === 'string') return path.resolve(layers.cwd, row.default) as SettingValues[K];
    return (row.kind === 'urls' ? [] : row.default) as SettingValues[K];
  }
  const got = read(at.raw, row);
  if ('fault' in got) throw fault(layers, name, at, got.fault);
  if (row.kind === 'folder') {
    // A folder named in the config file is relative to that file; one from a flag or the environment, to here.
    const base = at.origin === 'config file' ? path.dirname(layers.configPath) : layers.cwd;
    return path.resolve(base, got.value as string) as SettingValues[K];
  }
  return got.value as SettingValues[K];
}
