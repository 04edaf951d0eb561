// `resume <session> --from N --fork`: the flags checked, and the fork made and saved as a new session (the original is
// only read). The run itself is resume's, on the new session.
import type { FlagValues } from '../config/layers.js';
import { flagKey, longFlag, SETTINGS, type Setting } from '../config/settings.js';
import { UsageError } from '../core/errors.js';
import { forkSession } from '../engine/fork.js';
import { newSessionId, type SessionStore } from '../engine/sessions.js';
import type { Memory } from '../memory/store.js';
import { formatScore, objectivesOf } from '../procedures/quality.js';
import type { PlanTarget } from '../procedures/types.js';
import type { SessionSettings, SessionState } from '../state/session.js';
import { plural } from './format.js';
import { FORK_ONLY } from './options.js';

/**
 * Whether the flags ask for a fork; a half-asked one is bad usage. `--from` alone is refused: continuing the same
 * session from an earlier iteration would change the original, which a branch never does. A flag only a fork takes
 * (-n, --checkpoint) is refused on a plain resume: the session runs what it was started with.
 */
export function wantsFork(opts: FlagValues, id: string | undefined): boolean {
  const from = opts.from !== undefined;
  if (!from && !opts.fork) {
    const given = FORK_ONLY.find((n) => opts[n] !== undefined);
    if (given)
      throw new UsageError(
        `${longFlag(SETTINGS[given])} is for a fork (\`jupiter resume <session> --from <n> --fork ${longFlag(SETTINGS[given])} …\`): a resumed session keeps the value it was started with`,
      );
    return false;
  }
  if (!opts.fork) throw new UsageError('--from needs --fork: going back to an iteration makes a new session and leaves the original as it is');
  if (!from) throw new UsageError('--fork needs --from <n>: the iteration of the original to branch after');
  if (id === undefined) throw new UsageError('--fork needs the session to branch: `jupiter resume <session> --from <n> --fork`');
  return true;
}

/** Iterations a session runs of its own: after its fork point, for a fork (its saved count is where its line ends). */
function ownIterations(state: SessionState): number {
  return Math.max(1, state.settings.iterations - (state.forkPoint ?? 0));
}

const flagGiven = (flags: FlagValues, name: 'provider' | 'baseUrls' | 'model') => flags[flagKey(SETTINGS[name])!] !== undefined;

/**
 * The settings a fork inherits before its flags apply: the parent's, with the iterations the parent ran of its own.
 * The endpoint is one thing: a fork given another `--provider` does not take the parent's base URLs or model (they
 * were the old provider's; the new one's defaults apply unless given too), and a `--base-url` given to a fork of a
 * built-in run means an OpenAI-compatible server, as it does for `plan`. A `--model` alone keeps the parent's endpoint.
 */
export function inheritedSettings(parent: SessionState, flags: FlagValues = {}): SessionSettings {
  const out: SessionSettings = { ...parent.settings, iterations: ownIterations(parent) };
  if (flagGiven(flags, 'provider')) {
    delete out.baseUrls;
    delete out.model;
  } else if (flagGiven(flags, 'baseUrls') && out.provider === 'builtin') delete (out as Partial<SessionSettings>).provider;
  return out;
}

/**
 * The fork of `parent` after iteration `at` (not saved yet). `settings`: the inherited ones with resume's flags applied,
 * its iterations the fork's own; saved as where its line ends (the loop, the log and `sessions` count the line).
 */
export function makeFork(x: { store: SessionStore; memory: Memory; target: PlanTarget }, parent: SessionState, at: number, settings: SessionSettings) {
  const now = new Date();
  const line = { ...settings, iterations: at + settings.iterations };
  return forkSession(x.memory, (id) => x.store.load(id), x.target, { parent, at, id: newSessionId(parent.goalText, now), now, settings: line });
}

const shown = (v: unknown) => (Array.isArray(v) ? v.join(',') : String(v));

/** The flags given to this fork that changed what it inherited: `-n 20 (was 12)`. */
function changedSettings(inherited: SessionSettings, fork: SessionSettings): string[] {
  const out: string[] = [];
  const was = inherited as Record<string, unknown>;
  const now = fork as Record<string, unknown>;
  for (const name of new Set([...Object.keys(now), ...Object.keys(was)])) {
    const row = (SETTINGS as Record<string, Setting>)[name];
    const [value, before] = [now[name], was[name]];
    if (!row?.flag || shown(value) === shown(before)) continue;
    // A value the fork no longer has (another provider's model) falls back to what the row says is used instead.
    const text = (v: unknown) => (row.kind === 'switch' ? (v ? 'on' : 'off') : v === undefined ? (row.defaultText ?? 'unset') : shown(v));
    out.push(`${longFlag(row)} ${text(value)} (was ${text(before)})`);
  }
  return out;
}

/** What a person is told once the fork is saved: where it branched, the champion it starts from, what it inherited and what was changed. */
export function forkLines(fork: SessionState, parent: SessionState, target: PlanTarget): string[] {
  const c = fork.champion;
  const at = fork.forkPoint ?? 0;
  const objectives = fork.settings.objectives ?? objectivesOf(target);
  const from = c ? `the champion of iteration ${c.iteration} (${formatScore(c.score, objectives)})` : 'no valid plan yet';
  const own = ownIterations(fork);
  const changed = changedSettings(inheritedSettings(parent), { ...fork.settings, iterations: own });
  const k = fork.settings.checkpoint;
  return [
    `Forked session ${fork.id} from ${fork.parent} after iteration ${at}, starting from ${from}; ${fork.parent} is left as it was.`,
    `  Inherited from ${fork.parent}: the champion, plans seen and rules in force as of iteration ${at}, and its settings${changed.length ? ` but ${changed.join(', ')}` : ' (none changed)'}.`,
    `  It runs ${plural(own, 'iteration')} of its own (${own === 1 ? `iteration ${at + 1}` : `iterations ${at + 1}–${at + own}`} of the line)${k ? `, a checkpoint ${k === 1 ? 'after each' : `every ${k} of them`}` : fork.settings.unattended ? ', no checkpoints' : ', one review at the end'}.`,
  ];
}
