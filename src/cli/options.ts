// Commander options made from the settings table, and turning commander's values into a resolved config.
import type { Command } from 'commander';
import type { FlagValues } from '../config/layers.js';
import { type ResolvedConfig, resolveConfig } from '../config/resolve.js';
import { flagKey, type OnResume, SETTINGS, type Setting, type SettingName, settingNames } from '../config/settings.js';
import type { Cli } from './io.js';

/** Collects a repeatable flag such as `--base-url` (several replicas of one model). */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Adds each named setting's flag, with its help and (unless `saved`: resume's values are the session's) its default. */
export function withSettings(cmd: Command, names: readonly SettingName[], opts: { saved?: boolean } = {}): Command {
  for (const name of names) {
    const row: Setting = SETTINGS[name];
    if (!row.flag) continue;
    const shown = !(opts.saved && (row.resume === 'change' || row.resume === 'fork'));
    const fallback = !shown ? undefined : (row.defaultText ?? (row.kind === 'switch' || row.default === undefined ? undefined : String(row.default)));
    const base = fallback === undefined ? row.help : `${row.help} (default ${fallback})`;
    // Resume refuses these unless it makes a fork: its help says so.
    const help = opts.saved && row.resume === 'fork' ? `${base} [--fork only]` : base;
    if (row.kind === 'urls') cmd.option(row.flag, help, collect);
    else cmd.option(row.flag, help);
    // A switch a session saved (--unattended) can be turned off again when it is resumed or forked: a run started
    // overnight is reviewed at a terminal in the morning.
    if (opts.saved && row.kind === 'switch' && row.resume === 'change')
      cmd.option(`--no-${row.flag.slice(2)}`, `turn off the ${row.flag} the session was started with`);
  }
  return cmd;
}

const FLAGGED = settingNames.filter((n) => (SETTINGS[n] as Setting).flag !== undefined);
/** Every setting with a flag but those that branch a session: what starting a session takes. */
export const RUN_FLAGS = FLAGGED.filter((n) => SETTINGS[n].resume !== 'branch');
/** What resume takes: the settings it may change, those a fork may set anew, those resolved afresh, and where to branch. */
const ON_RESUME = new Set<OnResume>(['change', 'fork', 'now', 'branch']);
export const RESUME_FLAGS = FLAGGED.filter((n) => ON_RESUME.has(SETTINGS[n].resume));
/** Flags only a fork takes (a resumed session keeps what it saved): commander's names for them. */
export const FORK_ONLY = FLAGGED.filter((n) => SETTINGS[n].resume === 'fork');

const BRANCH_KEYS = new Set(FLAGGED.filter((n) => SETTINGS[n].resume === 'branch').map((n) => flagKey(SETTINGS[n])));

export const withMemory = (cmd: Command): Command => withSettings(cmd, ['memoryDir']);
export const withProcedures = (cmd: Command): Command => withSettings(cmd, ['proceduresDir']);
export const withJson = (cmd: Command): Command => withSettings(cmd, ['json']);
export const withConfig = (cmd: Command): Command => withSettings(cmd, ['config']);

/** Flags (a command's options, settings among them) + this run's environment and folder + the config file -> one resolved config. */
export function configFrom(cli: Cli, opts: object): ResolvedConfig {
  // Where to branch is resume's alone (it reads its layers itself): another command's flag of that name is its own
  // (`procedures new --from DOC`).
  const flags = Object.fromEntries(Object.entries(opts).filter(([k]) => !BRANCH_KEYS.has(k)));
  return resolveConfig({ flags: flags as FlagValues, env: cli.io.env, cwd: cli.io.cwd });
}
