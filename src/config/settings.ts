// The one table of settings: each row's type, default, environment variable, config-file keys, flag and help.
// Commander's options, reading the environment and jupiter.config.yaml, precedence, what `resume` keeps or changes,
// what a session saves and the README's settings table are all made from it: a new setting is a new row.
import { OBJECTIVES } from '../core/plan.js';
import type { Price } from './prices.js';

/** How a setting's text is read: a whole number, a positive amount, text, on/off, URLs, a list of choices, a folder. */
export type Kind = 'whole' | 'amount' | 'text' | 'switch' | 'urls' | 'list' | 'folder' | 'prices' | 'file';

/**
 * How `resume` treats a setting: `saved` in the session and kept; `change`: saved, and a flag given to resume replaces
 * it; `fork`: saved and kept, but a fork (`resume --from N --fork`) may be given a new value; `now`: not saved,
 * resolved afresh on every command; `start`: only for starting a session; `branch`: only for `resume`, where it
 * branches a session (`--from N --fork`), not saved.
 */
export type OnResume = 'saved' | 'change' | 'fork' | 'now' | 'start' | 'branch';

export interface Setting {
  kind: Kind;
  /** One line for --help and the README. */
  help: string;
  /** The value when nothing sets it; absent: unset unless something else fills it (then `defaultText` says what). */
  default?: number | string | boolean;
  defaultText?: string;
  min?: number;
  max?: number;
  choices?: readonly string[];
  env?: string;
  /** Keys in jupiter.config.yaml: the first is the documented one, the others older spellings still read. */
  keys: readonly string[];
  /** Commander's flag, e.g. `-n, --iterations <n>`. */
  flag?: string;
  resume: OnResume;
  /** The value sessions saved before this setting existed ran with. */
  legacy?: number;
}

export const SETTINGS = {
  goal: { kind: 'text', help: 'the goal (instead of the argument)', keys: ['goal'], flag: '--goal <text>', resume: 'start' },
  iterations: {
    kind: 'whole',
    help: 'iterations to run (a ceiling: a proved optimum or --patience ends a run sooner); on a fork, its own after --from',
    default: 20,
    min: 1,
    env: 'JUPITER_ITERATIONS',
    keys: ['iterations'],
    flag: '-n, --iterations <n>',
    resume: 'fork',
  },
  checkpoint: {
    kind: 'whole',
    help: 'halt for review every k iterations (on a fork, of its own); 0 = never',
    default: 10,
    min: 0,
    env: 'JUPITER_CHECKPOINT',
    keys: ['checkpoint'],
    flag: '-c, --checkpoint <k>',
    resume: 'fork',
  },
  unattended: {
    kind: 'switch',
    help: 'never prompt: checkpoints are recorded; failed iterations are recorded and the run goes on from the champion until --max-failures in a row (exit 3)',
    default: false,
    keys: ['unattended'],
    flag: '--unattended',
    resume: 'change',
  },
  provider: {
    kind: 'text',
    help: 'builtin | openai | fireworks | vllm | ollama | lmstudio | llamacpp | custom',
    default: 'builtin',
    defaultText: 'builtin (custom when a base URL is given)',
    env: 'JUPITER_PROVIDER',
    keys: ['provider'],
    flag: '--provider <name>',
    resume: 'fork',
  },
  baseUrls: {
    kind: 'urls',
    help: 'OpenAI-compatible endpoint (repeat the flag, or separate by commas, for replicas of one model: candidates spread across them)',
    defaultText: "the provider's",
    env: 'JUPITER_BASE_URL',
    keys: ['baseUrl', 'base_url'],
    flag: '--base-url <url>',
    resume: 'fork',
  },
  model: { kind: 'text', help: 'model id', defaultText: "the provider's", env: 'JUPITER_MODEL', keys: ['model'], flag: '--model <id>', resume: 'fork' },
  contextBudget: {
    kind: 'whole',
    help: 'most tokens of memory put into one prompt',
    default: 4000,
    min: 100,
    env: 'JUPITER_CONTEXT_BUDGET',
    keys: ['contextBudget', 'context_budget'],
    flag: '--context-budget <tokens>',
    resume: 'saved',
  },
  maxCost: {
    kind: 'amount',
    help: 'stop before the run would spend more than this many USD (exit 3, resumable)',
    defaultText: 'none',
    env: 'JUPITER_MAX_COST',
    keys: ['maxCost', 'max_cost'],
    flag: '--max-cost <usd>',
    resume: 'change',
  },
  timeoutMs: {
    kind: 'whole',
    help: 'per-request timeout for the model endpoint (ms)',
    default: 120_000,
    min: 1,
    env: 'JUPITER_TIMEOUT_MS',
    keys: ['timeoutMs'],
    flag: '--timeout <ms>',
    resume: 'now',
  },
  patience: {
    kind: 'whole',
    help: 'iterations without improvement before the run asks (unattended: ends, exit 0); 0 = never',
    default: 10,
    min: 0,
    env: 'JUPITER_PATIENCE',
    keys: ['patience'],
    flag: '--patience <n>',
    resume: 'change',
    legacy: 0,
  },
  repairs: {
    kind: 'whole',
    help: 'rounds a model gets to fix its own invalid plan inside one iteration (shown the findings and the facts the failing step lacked)',
    default: 2,
    min: 0,
    env: 'JUPITER_REPAIRS',
    keys: ['repairs'],
    flag: '--repairs <k>',
    resume: 'change',
    legacy: 0,
  },
  maxFailures: {
    kind: 'whole',
    help: 'failed iterations in a row that end an unattended run (exit 3); fewer are recorded as lessons and the next iteration starts again from the champion',
    default: 5,
    min: 1,
    env: 'JUPITER_MAX_FAILURES',
    keys: ['maxFailures', 'max_failures'],
    flag: '--max-failures <n>',
    resume: 'change',
    legacy: 1,
  },
  candidates: {
    kind: 'whole',
    help: 'proposals asked for at once per iteration (spread over every --base-url given); the best valid one is kept',
    default: 1,
    min: 1,
    max: 16,
    env: 'JUPITER_CANDIDATES',
    keys: ['candidates'],
    flag: '--candidates <k>',
    resume: 'change',
    legacy: 1,
  },
  objectives: {
    kind: 'list',
    help: 'what "better" means, most important first, comma-separated: makespan, cost, risk (chance that some step goes wrong), steps',
    defaultText: "the goal's",
    choices: OBJECTIVES,
    env: 'JUPITER_OBJECTIVES',
    keys: ['objectives'],
    flag: '--objectives <list>',
    resume: 'change',
  },
  from: {
    kind: 'whole',
    help: 'with --fork: branch the session after this iteration (0 = before the first)',
    min: 0,
    keys: [],
    flag: '--from <n>',
    resume: 'branch',
  },
  fork: {
    kind: 'switch',
    help: 'resume as a new session (a fork) from the iteration --from names; the original is left as it is',
    default: false,
    keys: [],
    flag: '--fork',
    resume: 'branch',
  },
  memoryDir: {
    kind: 'folder',
    help: 'memory folder',
    default: 'memory',
    env: 'JUPITER_MEMORY',
    keys: ['memory'],
    flag: '--memory <dir>',
    resume: 'now',
  },
  proceduresDir: {
    kind: 'folder',
    help: 'procedures folder',
    defaultText: './procedures, else the shipped ones',
    env: 'JUPITER_PROCEDURES',
    keys: ['procedures'],
    flag: '--procedures <dir>',
    resume: 'saved',
  },
  maxTokens: {
    kind: 'whole',
    help: 'most tokens a model may write per answer (sent as max_tokens)',
    default: 4096,
    min: 16,
    env: 'JUPITER_MAX_TOKENS',
    keys: ['maxTokens', 'max_tokens'],
    resume: 'now',
  },
  maxRetries: {
    kind: 'whole',
    help: 'retries of a failed model request (rate limits, 5xx, timeouts, dropped streams)',
    default: 4,
    min: 0,
    env: 'JUPITER_MAX_RETRIES',
    keys: ['maxRetries'],
    resume: 'now',
  },
  backoffMs: {
    kind: 'whole',
    help: 'first retry delay in ms (doubling, with jitter)',
    default: 500,
    min: 1,
    env: 'JUPITER_BACKOFF_MS',
    keys: ['backoffMs'],
    resume: 'now',
  },
  prices: {
    kind: 'prices',
    help: 'USD per million tokens: { input, output, cachedInput } for the configured model, or per model id',
    defaultText: 'examples for a few models',
    keys: ['prices'],
    resume: 'now',
  },
  json: { kind: 'switch', help: 'machine-readable JSON output (NDJSON events for a run)', default: false, keys: [], flag: '--json', resume: 'now' },
  config: { kind: 'file', help: 'config file', defaultText: './jupiter.config.yaml', keys: [], flag: '--config <file>', resume: 'now' },
} as const satisfies Record<string, Setting>;

export type SettingName = keyof typeof SETTINGS;

type ValueOf<S> = S extends { kind: 'whole' | 'amount' }
  ? number
  : S extends { kind: 'switch' }
    ? boolean
    : S extends { kind: 'urls' }
      ? string[]
      : S extends { kind: 'list'; choices: readonly (infer C)[] }
        ? C[]
        : S extends { kind: 'prices' }
          ? Record<string, Price>
          : string;

/** Settings with no default may be unset (a list of URLs, the prices and a folder always have a value). */
type Unset<S> = S extends { default: unknown } ? false : S extends { kind: 'urls' | 'prices' | 'folder' } ? false : true;

/** Every setting's resolved value, typed from its row. */
export type SettingValues = { [K in SettingName]: ValueOf<(typeof SETTINGS)[K]> | (Unset<(typeof SETTINGS)[K]> extends true ? undefined : never) };

type Saved = { [K in SettingName]: (typeof SETTINGS)[K]['resume'] extends 'saved' | 'change' | 'fork' ? K : never }[SettingName];
/** Saved only when set: those that may be unset, and an empty list of URLs. */
type SavedWhenSet = { [K in Saved]: Unset<(typeof SETTINGS)[K]> extends true ? K : (typeof SETTINGS)[K]['kind'] extends 'urls' ? K : never }[Saved];

/** The settings a session saves and runs with (resume keeps them, or replaces those it may change). */
export type SessionSettings = { [K in Exclude<Saved, SavedWhenSet>]: SettingValues[K] } & {
  [K in SavedWhenSet]?: Exclude<SettingValues[K], undefined>;
};

export const settingNames = Object.keys(SETTINGS) as SettingName[];

/** The settings a session saves. */
export const SAVED_SETTINGS = settingNames.filter((n) => {
  const on: OnResume = SETTINGS[n].resume;
  return on === 'saved' || on === 'change' || on === 'fork';
});

/** What sessions saved before a setting existed ran with: the values an old session file is read with. */
export function legacySettings(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of settingNames) {
    const row: Setting = SETTINGS[n];
    if (row.legacy !== undefined) out[n] = row.legacy;
  }
  return out;
}

/** Commander's name for a flag's value: `--max-cost <usd>` -> `maxCost`. */
export function flagKey(row: Setting): string | undefined {
  const long = row.flag?.match(/--([a-z][a-z-]*)/)?.[1];
  return long?.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The long flag alone, for messages: `--max-cost`. */
export function longFlag(row: Setting): string | undefined {
  return row.flag?.match(/--[a-z][a-z-]*/)?.[0];
}
