// Settling a rejection reason: the person confirms, rewords or keeps it as a note; without a person it stays unconfirmed.
import { describe, expect, it } from 'vitest';
import type { FeedbackReading, ReadingDecision } from '../src/engine/types.js';
import { describeReading, settleFeedback } from '../src/feedback/confirm.js';
import { RulesFeedbackReader } from '../src/feedback/read.js';
import { loadProcedures } from '../src/procedures/load.js';
import { findTarget } from '../src/procedures/target.js';
import { SHIPPED } from './support/cli.js';

const deploy = findTarget(loadProcedures(SHIPPED), 'production-deployment/deploy-service');
const reader = new RulesFeedbackReader();
const signal = new AbortController().signal;

/** A reviewer that answers from a script and remembers what it was shown. */
function scripted(...answers: ReadingDecision[]) {
  const shown: FeedbackReading[] = [];
  return { shown, confirmReading: async (r: FeedbackReading) => (shown.push(r), answers.shift() ?? { kind: 'note' as const }) };
}

describe('settleFeedback', () => {
  it('accepted: the rules are kept, confirmed, in the scope the person chose', async () => {
    const reviewer = scripted({ kind: 'accept', scope: 'goal' });
    const s = await settleFeedback('Stakeholders must be notified before the staging deploy', deploy, { reader, reviewer, signal });
    expect(reviewer.shown.map((r) => r.lines)).toEqual([['notify-stakeholders before deploy-staging']]);
    expect(s.review).toMatchObject({ confirmed: true, scope: 'goal', constraints: [{ kind: 'ordering', before: 'notify-stakeholders', after: 'deploy-staging' }] });
    expect(s.unchecked).toBeUndefined();
  });

  it('edited: the new wording is read, shown again, and is what is recorded', async () => {
    const reviewer = scripted({ kind: 'edit', text: 'never skip run-tests' }, { kind: 'accept', scope: 'session' });
    const s = await settleFeedback('Stakeholders must be notified before the staging deploy', deploy, { reader, reviewer, signal });
    expect(reviewer.shown.map((r) => r.lines)).toEqual([['notify-stakeholders before deploy-staging'], ['always include run-tests']]);
    expect(s.reason).toBe('never skip run-tests');
    expect(s.review.constraints.map((r) => r.kind)).toEqual(['required']);
  });

  it('kept as a note, or reworded into nothing checkable: no rules, the text stays unchecked prose', async () => {
    const note = await settleFeedback('at most 8 steps', deploy, { reader, reviewer: scripted({ kind: 'note' }), signal });
    expect(note).toMatchObject({ review: { constraints: [] }, unchecked: 'at most 8 steps' });
    const vague = scripted({ kind: 'edit', text: 'make it nicer' });
    const s = await settleFeedback('at most 8 steps', deploy, { reader, reviewer: vague, signal });
    expect(vague.shown).toHaveLength(1); // nothing checkable is not asked about
    expect(s).toMatchObject({ reason: 'make it nicer', review: { constraints: [] }, unchecked: 'make it nicer' });
  });

  it('a person who keeps rewording ends with a note after five edits', async () => {
    const reviewer = scripted(...Array.from({ length: 10 }, (): ReadingDecision => ({ kind: 'edit', text: 'at most 8 steps' })));
    const s = await settleFeedback('at most 9 steps', deploy, { reader, reviewer, signal });
    expect(reviewer.shown).toHaveLength(6);
    expect(s.review.constraints).toEqual([]);
  });

  it('no person (unattended, --json): the reading is kept unconfirmed, for this session only', async () => {
    const s = await settleFeedback('No deploy-production without approve-release first', deploy, { reader, signal });
    expect(s.review).toMatchObject({ confirmed: false, scope: 'session' });
    expect(s.review.constraints.map((r) => r.kind)).toEqual(['ordering', 'required']);
  });

  it('describes the reading in one line, and never claims a rule when none was read', async () => {
    expect(describeReading(await reader.read('Never deploy-production before security-scan', deploy))).toBe('I read this as: security-scan before deploy-production');
    expect(describeReading(await reader.read('looks fine to me', deploy))).toBe('I found no rule I can check in this; it stays a note for the planner (unchecked)');
    expect(describeReading({ text: 'x', constraints: [], lines: [], by: 'rules', fallback: 'the model could not read it (500); read by rules' })).toContain('(the model could not read it (500); read by rules)');
  });
});
