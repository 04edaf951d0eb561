// Steps that bring a session file of an older version up to today's shape, each for one change in the format, run
// before the schema checks it (a migration never validates, the schema never migrates).
import { legacySettings } from '../config/settings.js';
import { emptyProgress } from './session.js';
import { isObj } from '../core/value.js';

type Obj = Record<string, unknown>;

/** Progress counters every session file has had since the first release: a file missing one is damaged, not old. */
const ORIGINAL_COUNTERS = new Set(['completed', 'approved', 'failed', 'rejected', 'overridden', 'errors', 'humanApprovals']);
/** Settings added after the first release, with the values older sessions ran with in effect (the settings table's). */
const SETTING_DEFAULTS = legacySettings();

/** Sessions written before the typed goal had its own name kept it under `goal`. */
function goalText(v: Obj): void {
  if (v.goalText === undefined && typeof v.goal === 'string') {
    v.goalText = v.goal;
    delete v.goal;
  }
}

/** Sessions from before champions and repairs: the new counters start at zero, the new settings at their defaults. */
function championsAndRepairs(v: Obj): void {
  if (isObj(v.progress)) for (const [k, zero] of Object.entries(emptyProgress())) if (!ORIGINAL_COUNTERS.has(k)) v.progress[k] ??= zero;
  if (isObj(v.settings)) for (const [k, d] of Object.entries(SETTING_DEFAULTS)) v.settings[k] ??= d;
  v.champion ??= null;
  v.seen ??= [];
  v.lastImprovement ??= 0;
  v.idleSince ??= v.lastImprovement;
  v.improvements ??= [];
  v.alternatives ??= [];
  v.consecutiveFailures ??= 0;
}

/** Sessions from before rejections stuck kept the champion's whole plan (it is in the plan store) and no rejected list. */
function championByReference(v: Obj): void {
  if (isObj(v.champion)) delete v.champion.plan;
  v.rejected ??= [];
}

/**
 * Sessions from before worse plans were counted apart counted every valid new plan and every repeat as approved:
 * approved is now the plans that took a place (improved + alternatives), and the rest of the old count is worse.
 */
function worseApart(v: Obj): void {
  const p = v.progress;
  if (!isObj(p) || p.worse !== undefined || typeof p.improved !== 'number' || typeof p.approved !== 'number') return;
  const placed = p.improved + (typeof p.alternatives === 'number' ? p.alternatives : 0);
  p.worse = Math.max(0, p.approved - placed - (typeof p.repeats === 'number' ? p.repeats : 0));
  p.approved = placed;
}

/** Sessions from before replicas saved one `baseUrl`: it is the one replica of `baseUrls`. */
function baseUrlsList(v: Obj): void {
  const s = v.settings;
  if (!isObj(s) || s.baseUrl === undefined) return;
  if (s.baseUrls === undefined && typeof s.baseUrl === 'string') s.baseUrls = [s.baseUrl];
  delete s.baseUrl;
}

const STEPS = [goalText, worseApart, championsAndRepairs, championByReference, baseUrlsList];

/** The session value brought up to today's shape (in place); anything not a mapping is left for the schema to refuse. */
export function migrateSession(value: unknown): unknown {
  if (isObj(value)) for (const step of STEPS) step(value);
  return value;
}
