// A reading that contradicts a rule a person kept is shown with that rule (their words, human_rules.md:line) before it
// is confirmed: the person replaces the kept rule, or keeps it and the new words stay a note.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckpointContext, CheckpointDecision, FailureDecision, PatienceDecision, ReadingDecision, Reviewer } from '../src/engine/types.js';
import type { FeedbackReading } from '../src/feedback/types.js';
import type { RuleConflict } from '../src/memory/human-rules.js';
import { tempDir } from './support/cli.js';
import { runDeploySession } from './support/deploy-session.js';

/** Rejects at the first checkpoint with `reason` and confirms the reading for the goal; answers a conflict with `replace`. */
class Rejecter implements Reviewer {
  readonly conflicts: RuleConflict[][] = [];
  /** The file's line each conflict names, read when the person was asked. */
  readonly shownLines: string[] = [];
  constructor(
    private readonly reason: string,
    private readonly replace: boolean,
  ) {}
  async checkpoint(ctx: CheckpointContext): Promise<CheckpointDecision> {
    return ctx.iteration === 1 ? { kind: 'reject', reason: this.reason } : { kind: 'stop' };
  }
  async failure(): Promise<FailureDecision> {
    return { kind: 'stop' };
  }
  async confirmReading(): Promise<ReadingDecision> {
    return { kind: 'accept', scope: 'goal' };
  }
  async replaceRules(conflicts: RuleConflict[], _reading: FeedbackReading): Promise<boolean> {
    this.conflicts.push(conflicts);
    for (const c of conflicts) this.shownLines.push(readFileSync(c.file, 'utf8').split('\n')[c.line! - 1]!);
    return this.replace;
  }
  async patience(): Promise<PatienceDecision> {
    return { kind: 'stop' };
  }
}

async function rejectIn(dir: string, session: string, reviewer: Rejecter): Promise<void> {
  const { memory } = await runDeploySession(dir, session, { iterations: 2, checkpoint: 1, reviewer });
  await memory.close();
}

describe('a reading that contradicts a kept rule', () => {
  for (const replace of [true, false]) {
    it(`is shown with the kept rule, its words and file:line; the person ${replace ? 'replaces' : 'keeps'} it`, async () => {
      const dir = tempDir('jupiter-conflict-');
      const first = new Rejecter('Always include notify-stakeholders', replace);
      await rejectIn(dir, 's1', first);
      expect(first.conflicts).toEqual([]);
      const file = path.join(dir, 'human_rules.md');
      expect(readFileSync(file, 'utf8')).toContain('- always include notify-stakeholders · goal production-deployment/deploy-service · confirmed');

      const second = new Rejecter('Never use notify-stakeholders', replace);
      await rejectIn(dir, 's2', second);
      expect(second.conflicts).toHaveLength(1);
      const [conflict] = second.conflicts[0]!;
      expect(conflict).toMatchObject({ rule: 'always include notify-stakeholders', quote: 'Always include notify-stakeholders', file });
      // The line is where the kept rule was in the file when the person was asked.
      expect(second.shownLines).toEqual([
        expect.stringMatching(/^- always include notify-stakeholders · goal production-deployment\/deploy-service · confirmed/),
      ]);
      const after = readFileSync(file, 'utf8');
      if (replace) {
        expect(after).toContain('- never use notify-stakeholders · goal production-deployment/deploy-service · confirmed');
        expect(after).not.toContain('always include notify-stakeholders');
      } else {
        expect(after).toContain('- always include notify-stakeholders · goal production-deployment/deploy-service · confirmed');
        expect(after).not.toContain('never use notify-stakeholders');
      }
    });
  }
});
