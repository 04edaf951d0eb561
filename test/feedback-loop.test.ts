// Issue 11's sentences as rejection reasons in a real run: the deterministic reader, memory's human rules, the
// built-in planner and the validator together. Each reading is kept in human_rules.md and the plans after it obey it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSession } from '../src/engine/loop.js';
import { newSession } from '../src/engine/session.js';
import { defaultSessionSettings } from '../src/config/settings-schema.js';
import { SessionStore } from '../src/engine/sessions.js';
import type { CheckpointContext, CheckpointDecision, EngineEvent, FailureDecision, PatienceDecision, ReadingDecision, Reviewer } from '../src/engine/types.js';
import type { FeedbackReading } from '../src/feedback/types.js';
import { RulesFeedbackReader } from '../src/feedback/read.js';
import { withHumanRules } from '../src/feedback/target.js';
import { Memory } from '../src/memory/store.js';
import { BuiltinPlanner } from '../src/planners/builtin.js';
import { loadProcedures } from '../src/procedures/load.js';
import { findTarget } from '../src/procedures/target.js';
import { validatePlan } from '../src/procedures/validate.js';
import { SHIPPED, tempDir } from './support/cli.js';

const deploy = findTarget(loadProcedures(SHIPPED), 'production-deployment/deploy-service');

/** Rejects the plan at the first checkpoint with `reason`, accepts the reading for the goal, then continues. */
class RejectOnce implements Reviewer {
  readonly readings: FeedbackReading[] = [];
  constructor(private readonly reason: string) {}
  async checkpoint(ctx: CheckpointContext): Promise<CheckpointDecision> {
    return ctx.iteration === 1 ? { kind: 'reject', reason: this.reason } : { kind: 'continue' };
  }
  async failure(): Promise<FailureDecision> {
    return { kind: 'stop' };
  }
  async confirmReading(reading: FeedbackReading): Promise<ReadingDecision> {
    this.readings.push(reading);
    return { kind: 'accept', scope: 'goal' };
  }
  async patience(): Promise<PatienceDecision> {
    return { kind: 'stop' };
  }
}

const SENTENCES: [string, string[]][] = [
  ['Stakeholders must be notified before the staging deploy', ['notify-stakeholders before deploy-staging']],
  ['Remove notify-stakeholders, the status page announces releases', ['never use notify-stakeholders']],
  ['notify-stakeholders must come right after open-change-ticket', ['notify-stakeholders right after open-change-ticket']],
  ['No deploy-production without approve-release first', ['approve-release before deploy-production', 'always include approve-release']],
  ['Never deploy-production before security-scan', ['security-scan before deploy-production']],
  ['The release approval must be done by the CFO', ['approve-release done by CFO']],
];

describe('feedback in a run with the built-in planner', () => {
  for (const [reason, lines] of SENTENCES) {
    it(`"${reason}": read, kept in human_rules.md, and every later plan obeys it`, async () => {
      const dir = tempDir('jupiter-fb-loop-');
      const memory = await Memory.open(dir);
      const store = new SessionStore(path.join(dir, 'sessions'));
      const state = newSession(
        's1',
        'Deploy the orchestrator',
        deploy,
        defaultSessionSettings(SHIPPED, { iterations: 3, checkpoint: 1, patience: 0, repairs: 0, maxFailures: 3 }),
        new Date('2026-11-25T10:00:00Z'),
      );
      const events: EngineEvent[] = [];
      const reviewer = new RejectOnce(reason);
      await runSession(state, {
        planner: new BuiltinPlanner(),
        target: deploy,
        memory,
        store,
        reviewer,
        emit: (e) => void events.push(e),
        signal: new AbortController().signal,
        feedbackReader: new RulesFeedbackReader(),
        humanRules: (q) => memory.humanRules(q),
      });

      expect(reviewer.readings.map((r) => r.lines)).toEqual([lines]);
      expect(events.find((e) => e.type === 'feedback-read')).toMatchObject({ confirmed: true, enforced: true });
      const kept = readFileSync(path.join(dir, 'human_rules.md'), 'utf8');
      for (const line of lines) expect(kept).toContain(`- ${line} · goal production-deployment/deploy-service · confirmed · "${reason}"`);

      const rules = await memory.humanRules({ procedure: 'production-deployment', goalId: 'deploy-service', session: 'other-session' });
      expect(rules.map((r) => r.kind)).toHaveLength(lines.length);
      const checked = withHumanRules(deploy, rules);
      const later = events.filter((e): e is Extract<EngineEvent, { type: 'plan-proposed' }> => e.type === 'plan-proposed' && e.iteration > 1);
      // The built-in planner plans every later iteration under the new rules (until it proves a plan optimal), and
      // every plan obeys them all.
      const converged = events.some((e) => e.type === 'converged');
      expect(later.map((e) => e.iteration)).toEqual(converged ? later.map((_, i) => i + 2) : [2, 3]);
      expect(later.length).toBeGreaterThan(0);
      for (const e of later) expect(validatePlan(e.plan, checked)).toMatchObject({ valid: true });
      expect(events.filter((e) => e.type === 'iteration-finished' && e.iteration > 1).map((e) => (e as { outcome: string }).outcome)).not.toContain('failed');
      // Nothing claims the feedback was addressed.
      expect(readFileSync(path.join(dir, 'execution_log.md'), 'utf8')).not.toMatch(/addressed/i);
    });
  }
});
