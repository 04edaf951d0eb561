// Plans stored once per distinct plan (memory/plans/<planId>.json, planId from procedures/quality.ts), referenced
// from log records; folders from before JSON hold <planId>.yaml, still read.
// The log stays the source of truth: the first record of a plan carries its steps, so a lost plan file is rebuilt.
import type { LogStep } from './record-schema.js';
import { existsSync } from 'node:fs';
import { readRegular } from '../core/fs/regular.js';
import path from 'node:path';
import { writeFileAtomicSync } from '../core/fs/atomic.js';
import type { Plan } from '../core/plan.js';
import { toPlan } from '../core/plan-io.js';
import { yaml } from '../core/yaml-doc.js';
import { InputError } from '../core/errors.js';
import { planId } from '../procedures/quality.js';

const PLAN_ID = /^[0-9a-f]{16}$/;

/** A plan file's value: JSON as jupiter writes it now, YAML as it wrote it before. */
function readPlanFile(file: string): unknown {
  const text = readRegular(file).toString('utf8');
  return file.endsWith('.json') ? JSON.parse(text) : yaml().parse(text);
}

export type CompactSteps = LogStep[];

export class PlanStore {
  /** Plan ids known to have a file (checked once each; files are never removed by jupiter). */
  private readonly stored = new Set<string>();

  constructor(readonly dir: string) {}

  file(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }

  /** Where a folder from before JSON keeps the plan. */
  private yamlFile(id: string): string {
    return path.join(this.dir, `${id}.yaml`);
  }

  /** A per-iteration plan file of logs written before plans were content-addressed (plans/<session>/<n>.yaml). */
  legacyFile(session: string, iteration: number): string {
    return path.join(this.dir, session, `${iteration}.yaml`);
  }

  has(id: string): boolean {
    if (this.stored.has(id)) return true;
    if (!PLAN_ID.test(id) || !(existsSync(this.file(id)) || existsSync(this.yamlFile(id)))) return false;
    this.stored.add(id);
    return true;
  }

  /**
   * Stores `plan` under `id` unless it is already there; true when the file is new. No fsync: the record that
   * first names a plan carries its steps in the fsynced log, so the file can always be rebuilt from there.
   */
  put(id: string, plan: Plan): boolean {
    if (this.has(id)) return false;
    writeFileAtomicSync(this.file(id), `${JSON.stringify(plan, null, 2)}\n`, { durable: false });
    this.stored.add(id);
    return true;
  }

  /** The plan stored under `id` (or, for old logs, the per-iteration copy); undefined when neither reads. */
  async get(id: string | undefined, legacy?: { session: string; iteration: number }): Promise<Plan | undefined> {
    for (const f of this.files(id, legacy)) {
      let plan: Plan | string;
      try {
        plan = toPlan(readPlanFile(f));
      } catch {
        continue; // Missing or unreadable: try the next place.
      }
      if (typeof plan === 'string') continue;
      if (id && (f === this.file(id) || f === this.yamlFile(id))) this.verify(id, plan, f);
      return plan;
    }
    return undefined;
  }

  /** A content-addressed plan file is the plan its name is the hash of; anything else was edited after it was written. */
  private verify(id: string, plan: Pick<Plan, 'steps'>, file: string): void {
    if (planId(plan as Plan) !== id)
      throw new InputError(
        `does not match its id ${id}: its steps were changed after jupiter wrote it (restore it; jupiter never plans on from an edited plan)`,
        {
          file,
        },
      );
  }

  /** Just the steps' actions and owners of the plan stored under `id`, for records that name it. */
  steps(id: string): CompactSteps | undefined {
    for (const f of this.files(id)) {
      try {
        const v = readPlanFile(f) as { steps?: { action?: unknown; owner?: unknown }[] } | null;
        if (!Array.isArray(v?.steps) || !v.steps.every((s) => typeof s?.action === 'string')) continue;
        if (f === this.file(id) || f === this.yamlFile(id)) this.verify(id, v as Pick<Plan, 'steps'>, f);
        return v.steps.map((s) =>
          s.owner !== undefined && s.owner !== null && s.owner !== '' ? { action: String(s.action), owner: String(s.owner) } : { action: String(s.action) },
        );
      } catch {
        // Missing, unreadable, or edited after it was written (verify): not trusted.
      }
    }
    return undefined;
  }

  private files(id: string | undefined, legacy?: { session: string; iteration: number }): string[] {
    return [...(id && PLAN_ID.test(id) ? [this.file(id), this.yamlFile(id)] : []), ...(legacy ? [this.legacyFile(legacy.session, legacy.iteration)] : [])];
  }
}
