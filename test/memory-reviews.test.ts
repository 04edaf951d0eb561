import { describe, expect, it } from 'vitest';
import { Memory } from '../src/memory/store.js';
import { parseItemsFile } from '../src/memory/items-file.js';
import { approved, CHANGE, consistency, DEPLOY, failed, finding, memDir, read, review } from './support/memory-fixtures.js';

const PLAN = ['open-change-ticket', 'run-tests', 'deploy-staging', 'deploy-production'];
const lessonsOnDisk = (dir: string) => parseItemsFile(read(dir, 'lessons.md'), 'lesson');
const patternsOnDisk = (dir: string) => parseItemsFile(read(dir, 'successful_patterns.md'), 'pattern').items;

describe('memory reviews', () => {
  it('a rejection reason becomes human feedback in lessons.md, and the same reason in other words merges', async () => {
    const dir = memDir();
    const memory = await Memory.open(dir);
    await memory.commitReview(review('s1', 1, 'rejection', 'Always notify the payments team before deploying to production', PLAN));
    let lessons = lessonsOnDisk(dir);
    expect(lessons.skipped).toEqual([]);
    let fb = lessons.items.filter((i) => i.kind === 'feedback');
    expect(fb).toHaveLength(1);
    expect(fb[0]).toMatchObject({ kind: 'feedback', count: 1, human: 1, procedure: DEPLOY.procedure, goalId: DEPLOY.goalId, session: 's1' });
    const text = read(dir, 'lessons.md');
    expect(text).toMatch(/^## production-deployment \/ deploy-service$/m);
    expect(text).toMatch(/^- ×1 · human · Always notify the payments team before deploying to production <!-- /m);

    await memory.commitReview(review('s1', 2, 'rejection', 'Before deploying to production, please always notify the payments team.', PLAN));
    lessons = lessonsOnDisk(dir);
    fb = lessons.items.filter((i) => i.kind === 'feedback');
    expect(fb).toHaveLength(1);
    expect(fb[0]).toMatchObject({ count: 2, human: 2, text: 'Always notify the payments team before deploying to production' });
    expect(read(dir, 'lessons.md')).toMatch(/^- ×2 · human ×2 · Always notify the payments team/m);

    // A different reason does not merge; the same reason in another scope does not merge either.
    await memory.commitReview(review('s1', 3, 'rejection', 'The rollback step is missing an owner', PLAN));
    await memory.commitReview(review('s2', 1, 'rejection', 'Always notify the payments team before deploying to production', PLAN, CHANGE));
    fb = lessonsOnDisk(dir).items.filter((i) => i.kind === 'feedback');
    expect(fb.map((i) => [i.procedure, i.count]).sort()).toEqual([
      ['change-management', 1],
      ['production-deployment', 1],
      ['production-deployment', 2],
    ]);
    // Recall weights it as human feedback: the current session's feedback is always included.
    const r = await memory.recall({
      goalText: DEPLOY.goalText,
      procedure: DEPLOY.procedure,
      goalId: DEPLOY.goalId,
      findings: [],
      session: 's1',
      budgetTokens: 4000,
    });
    expect(r.items.slice(0, 2).every((i) => i.kind === 'feedback' && i.procedure === DEPLOY.procedure)).toBe(true);
    expect(consistency(dir).got).toEqual(consistency(dir).want);
  });

  it('an override teaches nothing: no feedback, pattern, exemplar or insight (the log still records it)', async () => {
    const dir = memDir();
    const memory = await Memory.open(dir);
    const bad = failed(
      's1',
      1,
      ['open-change-ticket', 'noop', 'deploy-production'],
      [finding('unknown-action', 2, 'use one of: open-change-ticket, run-tests, deploy-staging, deploy-production')],
    );
    await memory.commitIteration(bad);
    const lessonsBefore = lessonsOnDisk(dir).items;
    await memory.commitReview(review('s1', 1, 'override', 'the staging check is not needed for hotfixes', ['open-change-ticket', 'noop', 'deploy-production']));
    expect(lessonsOnDisk(dir).items).toEqual(lessonsBefore);
    expect(lessonsOnDisk(dir).items.filter((i) => i.kind === 'feedback')).toEqual([]);
    expect(patternsOnDisk(dir)).toEqual([]);
    expect(read(dir, 'execution_log.md')).toContain('the staging check is not needed for hotfixes');
    expect(consistency(dir).got).toEqual(consistency(dir).want);
  });

  it('a rejection saying "don\'t use X" retires the exemplar and insights that recommend X, in that goal only', async () => {
    const dir = memDir();
    const memory = await Memory.open(dir);
    for (const [session, scope] of [
      ['s1', DEPLOY],
      ['s2', CHANGE],
    ] as const) {
      const bad = failed(
        session,
        1,
        ['open-change-ticket', 'run-tests', 'deploy-production'],
        [finding('staging-first', 3, 'add deploy-staging before step 3')],
        scope,
      );
      bad.insights = [{ rule: 'staging-first', change: 'add', actions: ['deploy-staging'], before: 'deploy-production' }];
      await memory.commitIteration(bad);
      await memory.commitIteration(approved(session, 2, PLAN, scope));
    }
    const staging = (scope: typeof DEPLOY) =>
      patternsOnDisk(dir)
        .filter((i) => i.procedure === scope.procedure && i.text.includes('deploy-staging'))
        .map((i) => i.text)
        .sort();
    const both = [`best plan so far: ${PLAN.join(' → ')}`, 'staging-first: put deploy-staging before deploy-production'];
    expect(staging(DEPLOY)).toEqual(both);
    expect(staging(CHANGE)).toEqual(both);

    await memory.commitReview(review('s1', 3, 'rejection', "Don't use deploy-staging here, it is being decommissioned", PLAN));
    expect(staging(DEPLOY)).toEqual([]);
    expect(staging(CHANGE)).toEqual(both);
    // the rejection itself is remembered as feedback
    expect(
      lessonsOnDisk(dir)
        .items.filter((i) => i.kind === 'feedback')
        .map((i) => i.human),
    ).toEqual([1]);
    // a fresh open (replaying nothing) and a full replay agree
    expect(consistency(dir).got).toEqual(consistency(dir).want);
    const again = await Memory.open(dir);
    expect((await again.items()).filter((i) => i.kind === 'pattern' && i.procedure === DEPLOY.procedure && i.text.includes('deploy-staging'))).toEqual([]);
  });

  it("a human approval raises `human` of the plan's exemplar only (the insights it satisfies were not reviewed), without raising counts", async () => {
    const dir = memDir();
    const memory = await Memory.open(dir);
    const bad = failed('s1', 1, ['open-change-ticket', 'deploy-production'], [finding('tests-first', 2, 'add run-tests before step 2')]);
    bad.insights = [{ rule: 'tests-first', change: 'add', actions: ['run-tests'], before: 'deploy-production' }];
    await memory.commitIteration(bad);
    await memory.commitIteration(approved('s1', 2, PLAN));
    await memory.commitIteration(approved('s1', 3, PLAN));
    const before = new Map(patternsOnDisk(dir).map((i) => [i.id, i]));
    // Support counts events: the exemplar seen twice, the insight confirmed on one failure (not once per plan holding it).
    expect([...before.values()].map((i) => [i.text, i.count, i.human])).toEqual([
      [`best plan so far: ${PLAN.join(' → ')}`, 2, 0],
      ['tests-first: put run-tests before deploy-production', 1, 0],
    ]);

    await memory.commitReview(review('s1', 3, 'human-approval', undefined, PLAN));
    const after = patternsOnDisk(dir);
    expect(after.map((i) => i.id).sort()).toEqual([...before.keys()].sort());
    expect(after.map((i) => [i.text, i.count, i.human])).toEqual([
      [`best plan so far: ${PLAN.join(' → ')}`, 2, 1],
      ['tests-first: put run-tests before deploy-production', 1, 0],
    ]);
    expect(read(dir, 'successful_patterns.md')).toMatch(/^- ×1 · tests-first: put run-tests before deploy-production <!-- /m);
    await memory.commitReview(review('s1', 3, 'human-approval', undefined, PLAN));
    expect(patternsOnDisk(dir).map((i) => [i.count, i.human])).toEqual([
      [2, 2],
      [1, 0],
    ]);
    // no lessons from an approval
    expect(lessonsOnDisk(dir).items.map((i) => i.kind)).toEqual(['lesson']);
    expect(consistency(dir).got).toEqual(consistency(dir).want);
  });
});
