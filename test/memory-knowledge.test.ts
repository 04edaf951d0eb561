import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { summaryLines } from '../src/cli/summary-view.js';
import { learningSummary } from '../src/state/summary.js';
import { parseItemsFile } from '../src/memory/items-file.js';
import { Memory } from '../src/memory/store.js';
import type { MemoryItem, ReviewRecord } from '../src/memory/types.js';
import type { Rule } from '../src/procedures/types.js';
import { consistency, memDir, read } from './support/memory-fixtures.js';
import { GOOD, GOOD_SCAN_FIRST, plan, RELEASE, ScriptedSession } from './support/memory-sessions.js';

const patterns = (dir: string) => parseItemsFile(read(dir, 'successful_patterns.md'), 'pattern').items;
const lessons = (dir: string) => parseItemsFile(read(dir, 'lessons.md'), 'lesson').items;
const insights = (items: MemoryItem[]) => items.filter((i) => i.kind === 'pattern' && i.data.type !== 'exemplar');
const texts = (items: MemoryItem[]) => items.map((i) => i.text).sort();

const CANARY = ['open-ticket', 'build', 'run-tests', 'security-scan', 'approve-release', 'canary', 'verify', 'close-ticket'];
const DIRECT = ['open-ticket', 'build', 'run-tests', 'approve-release', 'deploy-directly', 'verify', 'close-ticket'];

/** A rejection review of `actions` in the scripted session (its goal, its last iteration). */
function reviewOf(s: ScriptedSession, actions: string[]): ReviewRecord {
  return {
    session: s.id,
    iteration: s.iteration,
    time: new Date().toISOString(),
    goalText: s.goalText,
    procedure: s.target.set.id,
    goalId: s.target.goal.id,
    kind: 'rejection',
    reason: 'Scan before the tests',
    plan: plan(actions),
  };
}

async function session(id = 's1') {
  const dir = memDir();
  const memory = await Memory.open(dir);
  return { dir, memory, s: new ScriptedSession(memory, id) };
}

describe('insights: claims the validator confirmed on the failed plan they came from', () => {
  it('come straight from the findings (the rule that fired, the precondition that failed), each fix applied and re-validated', async () => {
    const { dir, s } = await session();
    // No scan at all, a forbidden direct deploy: three findings, three confirmed claims. The valid plan after it
    // teaches nothing by difference (no "adding deploy-production fixed no-direct-deploys").
    expect(await s.propose(DIRECT)).toBe('failed');
    expect(await s.propose(GOOD)).toBe('improved');
    expect(texts(insights(patterns(dir)))).toEqual([
      'no-direct-deploys: leave out deploy-directly (deploy-production instead)',
      'scan-before-approval: put security-scan before approve-release',
      'security-scan-required: include security-scan',
    ]);
    expect(insights(patterns(dir)).find((i) => i.text.startsWith('no-direct'))?.data).toEqual({
      type: 'avoid',
      action: 'deploy-directly',
      rule: 'no-direct-deploys',
    });

    // A scan after the approval: the fix moves it ahead (adding it and moving it up are one claim).
    const { dir: dir2, s: s2 } = await session();
    await s2.propose(['open-ticket', 'build', 'run-tests', 'approve-release', 'security-scan', 'deploy-production', 'verify', 'close-ticket']);
    expect(texts(insights(patterns(dir2)))).toEqual(['scan-before-approval: put security-scan before approve-release']);
    expect(insights(patterns(dir2))[0]!.data).toEqual({ type: 'ordering', before: 'security-scan', after: 'approve-release', rule: 'scan-before-approval' });
    // A precondition: what the step needs and what provides it.
    await s2.propose(['open-ticket', 'build', 'run-tests', 'security-scan', 'approve-release', 'verify', 'close-ticket']);
    expect(texts(insights(patterns(dir2)))).toContain('verify needs `deployed`: put deploy-production before it');
    expect(consistency(dir).got).toEqual(consistency(dir).want);
  });

  it('a claim the validator refutes is discarded and counted: a fix that breaks another rule', async () => {
    const capped: typeof RELEASE = {
      ...RELEASE,
      set: { ...RELEASE.set, rules: [...RELEASE.set.rules, { id: 'short', kind: 'max-steps', max: 7, severity: 'error' }] },
    };
    const dir = memDir();
    const memory = await Memory.open(dir);
    const s = new ScriptedSession(memory, 's1', capped);
    // Seven steps without a scan: adding the scan (what scan-before-approval and security-scan-required name)
    // makes eight, which `short` forbids. Both claims are refuted, none is kept.
    expect(await s.propose(['open-ticket', 'build', 'run-tests', 'approve-release', 'deploy-production', 'verify', 'close-ticket'])).toBe('failed');
    expect(insights(patterns(dir))).toEqual([]);
    expect((await memory.records()).map((r) => r.refuted)).toEqual([2]);
    // The summary shows how many were refuted.
    const summary = await learningSummary(memory.dir, await memory.records(), await memory.items(), { session: 's1' });
    expect(summary.learning?.refutedInsights).toBe(2);
    expect(summaryLines(summary, new Chalk({ level: 0 }))).toContain('Insights refuted by the validator (discarded): 2');
    // The lesson (what the validator said) is still written: it claims nothing about a fix.
    expect(lessons(dir).map((l) => l.text)).toContain('security-scan-required — add security-scan before run-tests');
  });

  it('lessons come from repaired failures too, and support counts events, not plans holding an ordering', async () => {
    const { dir, s } = await session();
    // Valid after a repair: the failed attempt's findings are lessons, its confirmed fixes insights.
    expect(
      await s.propose(GOOD, {
        repairedFrom: ['open-ticket', 'build', 'run-tests', 'approve-release', 'security-scan', 'deploy-production', 'verify', 'close-ticket'],
      }),
    ).toBe('improved');
    expect(lessons(dir).map((l) => l.text)).toEqual(['approve-release: scan-before-approval — move security-scan before approve-release']);
    const about = () => insights(patterns(dir)).find((i) => i.text === 'scan-before-approval: put security-scan before approve-release');
    expect(about()).toMatchObject({ count: 1, human: 0 });
    // Valid plans that hold the ordering are no new evidence; a person's approval of a plan reviews that plan only.
    expect(await s.propose(GOOD_SCAN_FIRST)).toBe('alternative');
    await s.review('human-approval', GOOD);
    expect(about()).toMatchObject({ count: 1, human: 0 });
    // The same failure again is a second event.
    await s.propose(['open-ticket', 'build', 'run-tests', 'approve-release', 'security-scan', 'deploy-production', 'verify', 'close-ticket']);
    expect(about()).toMatchObject({ count: 2, human: 0 });
  });

  it('an insight to leave out a step the champion holds cannot stand', async () => {
    const dir = memDir();
    const memory = await Memory.open(dir);
    // A goal whose procedure forbids security-scan for one session only: "leave out security-scan" is confirmed there.
    const noScan: typeof RELEASE = {
      ...RELEASE,
      set: { ...RELEASE.set, rules: [{ id: 'no-scan-today', kind: 'forbidden', action: 'security-scan', severity: 'error' }] },
    };
    const s1 = new ScriptedSession(memory, 's1', noScan);
    await s1.propose(GOOD);
    expect(texts(insights(patterns(dir)))).toContain('no-scan-today: leave out security-scan');
    // Under today's rules a champion holds security-scan: the claim goes.
    const s2 = new ScriptedSession(memory, 's2');
    expect(await s2.propose(GOOD)).toBe('improved');
    expect(texts(insights(patterns(dir))).filter((t) => t.includes('leave out security-scan'))).toEqual([]);
  });
});

describe('the exemplar', () => {
  it('is one item per goal: the best champion so far with its score, replaced only by a better one', async () => {
    const { dir, memory, s } = await session();
    await s.propose(GOOD, { cost: 100 });
    const exemplar = () => patterns(dir).filter((i) => i.data.type === 'exemplar');
    expect(exemplar()).toHaveLength(1);
    expect(exemplar()[0]!.text).toBe(`best plan so far (cost 100 · steps 8): ${GOOD.join(' → ')}`);
    expect(exemplar()[0]!.data).toMatchObject({
      type: 'exemplar',
      steps: GOOD,
      score: { cost: 100, steps: 8 },
      objectives: ['cost', 'steps'],
      session: 's1',
      iteration: 1,
    });
    await s.propose(CANARY, { cost: 80 });
    expect(exemplar().map((i) => i.text)).toEqual([`best plan so far (cost 80 · steps 8): ${CANARY.join(' → ')}`]);
    // Another session's first champion is worse than the goal's exemplar: it does not replace it.
    const s2 = new ScriptedSession(memory, 's2');
    expect(await s2.propose(GOOD, { cost: 100 })).toBe('improved');
    expect(exemplar().map((i) => [i.text, i.count])).toEqual([[`best plan so far (cost 80 · steps 8): ${CANARY.join(' → ')}`, 1]]);
    // The same plan observed again supports it.
    expect(await s2.propose(CANARY, { cost: 80 })).toBe('improved');
    expect(exemplar().map((i) => i.count)).toEqual([2]);
    expect(consistency(dir).got).toEqual(consistency(dir).want);
  });
});

describe('what never becomes knowledge', () => {
  it("planner and server faults, overrides, owners' names, and the whole action menu", async () => {
    const { dir, s } = await session();
    await s.error('server: 500 Internal Server Error from http://10.0.0.7:8000/v1/chat/completions');
    await s.error('timeout: no answer within 60000 ms');
    expect(lessons(dir)).toEqual([]);
    expect(read(dir, 'lessons.md')).not.toMatch(/500|http|timeout/);

    // An invalid plan a person accepts anyway: the failure's own lessons stay, the override adds nothing.
    await s.propose(['open-ticket', 'noop', ...GOOD.slice(1)]);
    const lessonsBefore = lessons(dir);
    const patternsBefore = patterns(dir);
    await s.review('override', ['open-ticket', 'noop', ...GOOD.slice(1)], 'noop is our internal marker step, it is fine');
    expect(lessons(dir)).toEqual(lessonsBefore);
    expect(patterns(dir)).toEqual(patternsBefore);
    expect(read(dir, 'successful_patterns.md')).not.toContain('noop');
    // The unknown action's lesson names one nearest valid action, not the list of every action.
    const unknown = lessons(dir).filter((i) => i.text.startsWith('unknown-action'));
    expect(unknown.map((i) => i.text)).toEqual(['unknown-action: "noop" is not an action here; the nearest valid action is build']);

    // Segregation: the approver's and the deployer's names stay out of the lesson.
    await s.propose(GOOD, { owners: { 'approve-release': 'Alice Martin', 'deploy-production': 'Alice Martin' } });
    const seg = lessons(dir).filter((i) => i.text.includes('approver-is-not-deployer'));
    expect(seg.map((i) => i.text)).toEqual(['deploy-production: approver-is-not-deployer — assign it to someone other than its current owner']);
    expect(read(dir, 'lessons.md')).not.toMatch(/Alice|Martin/);
  });
});

describe('the best plan memory shows is never a rejected one, nor one a rule confirmed since refuses', () => {
  const exemplars = (dir: string) => patterns(dir).filter((i) => i.data.type === 'exemplar');

  it('a rejection of the exemplar retires it; the next champion takes its place', async () => {
    const { dir, s } = await session();
    await s.propose(GOOD, { cost: 100 });
    expect(exemplars(dir).map((i) => i.text)).toEqual([`best plan so far (cost 100 · steps 8): ${GOOD.join(' → ')}`]);
    await s.review('rejection', GOOD, 'Not this plan');
    expect(exemplars(dir)).toEqual([]);
    // Rejecting another plan leaves the exemplar alone.
    expect(await s.propose(CANARY, { cost: 120 })).toBe('worse');
    expect(await s.propose(GOOD_SCAN_FIRST, { cost: 90 })).toBe('improved');
    await s.review('rejection', CANARY, 'Not the canary one either');
    expect(exemplars(dir).map((i) => i.data.type === 'exemplar' && i.data.steps)).toEqual([GOOD_SCAN_FIRST]);
    expect(consistency(dir).got).toEqual(consistency(dir).want);
  });

  it('a goal-wide rule a person confirmed retires an exemplar that breaks it (a session-only one does not)', async () => {
    const { dir, s, memory } = await session();
    await s.propose(GOOD, { cost: 100 });
    const scanFirst: Rule = { id: 'human-ordering-1', kind: 'ordering', before: 'security-scan', after: 'run-tests', severity: 'error', origin: 'human' };
    // Session scope: other sessions are not bound by it, so memory keeps the plan (the prompt re-checks it).
    await memory.commitReview({ ...reviewOf(s, CANARY), constraints: [scanFirst], confirmed: true, scope: 'session' });
    expect(exemplars(dir)).toHaveLength(1);
    await s.review('rejection', GOOD_SCAN_FIRST, 'Scan before the tests, always', [scanFirst]);
    expect(exemplars(dir)).toEqual([]);
  });
});

describe("a person's rejection retires only patterns of the action it forbids", () => {
  const seeded = async () => {
    const { dir, memory, s } = await session();
    await s.propose(['open-ticket', 'build', 'run-tests', 'approve-release', 'security-scan', 'deploy-production', 'verify', 'close-ticket']);
    await s.propose(GOOD);
    await s.propose(DIRECT);
    await s.propose(GOOD_SCAN_FIRST);
    const all = patterns(dir);
    expect(all.some((i) => i.text.includes('approve-release'))).toBe(true);
    expect(all.some((i) => i.text.includes('security-scan'))).toBe(true);
    return { dir, memory, s, all };
  };

  it.each([
    [
      'No deploy-production without approve-release first',
      [{ id: 'human-ordering-1', kind: 'ordering', before: 'approve-release', after: 'deploy-production', severity: 'error', origin: 'human' }],
    ],
    [
      'Never deploy-production before security-scan',
      [{ id: 'human-ordering-2', kind: 'ordering', before: 'security-scan', after: 'deploy-production', severity: 'error', origin: 'human' }],
    ],
  ] as [string, Rule[]][])(
    '"%s" (read into an ordering rule) retires no insight (the rejected plan stops being the best plan)',
    async (reason, constraints) => {
      const { dir, s, all } = await seeded();
      await s.review('rejection', GOOD, reason, constraints);
      expect(texts(insights(patterns(dir)))).toEqual(texts(insights(all)));
    },
  );

  it.each(['No deploy-production without approve-release first', 'Never deploy-production before security-scan'])(
    '"%s" (left as prose) retires nothing about approve-release or security-scan',
    async (reason) => {
      const { dir, s, all } = await seeded();
      await s.review('rejection', GOOD, reason);
      const kept = texts(patterns(dir));
      for (const a of ['approve-release', 'security-scan'])
        expect(kept.filter((t) => t.includes(a) && !t.startsWith('best plan'))).toEqual(texts(all).filter((t) => t.includes(a) && !t.startsWith('best plan')));
    },
  );

  it('a compiled forbidden rule retires the exemplar and insights that recommend the action, in that goal only', async () => {
    const { dir, s, all } = await seeded();
    await s.review('rejection', GOOD, 'Stop using security-scan, the platform scans every artifact', [
      { id: 'human-forbidden-1', kind: 'forbidden', action: 'security-scan', severity: 'error', origin: 'human' },
    ]);
    const left = patterns(dir);
    expect(left.filter((i) => i.text.includes('security-scan'))).toEqual([]);
    expect(texts(left)).toEqual(texts(all).filter((t) => !t.includes('security-scan')));
    expect(left.some((i) => i.text.startsWith('no-direct-deploys: leave out deploy-directly'))).toBe(true);
    expect(consistency(dir).got).toEqual(consistency(dir).want);
  });
});
