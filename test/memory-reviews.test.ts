import { describe, expect, it } from 'vitest';
import { Memory } from '../src/memory/store.js';
import { parseItemsFile } from '../src/memory/items-file.js';
import type { MemoryItem } from '../src/memory/types.js';
import { approved, CHANGE, consistency, DEPLOY, failed, finding, memDir, read, review } from './support/memory-fixtures.js';

const PLAN = ['open-change-ticket', 'run-tests', 'deploy-staging', 'deploy-production'];
const lessonsOnDisk = (dir: string) => parseItemsFile(read(dir, 'lessons.md'), 'lesson');
const patternsOnDisk = (dir: string) => parseItemsFile(read(dir, 'successful_patterns.md'), 'pattern').items;
const usesAction = (items: MemoryItem[], a: string, scope = DEPLOY) =>
  items.filter((i) => i.procedure === scope.procedure && i.goalId === scope.goalId && ((i.data.type === 'include' && i.data.action === a) || (i.data.type === 'ordering' && (i.data.before === a || i.data.after === a))));

describe('memory reviews', () => {
  it('a rejection reason becomes human feedback in lessons.md, and the same reason in other words merges', async () => {
    const dir = memDir();
    const memory = await Memory.open(dir);
    await memory.commitReview(review('s1', 1, 'rejection', 'Always notify the payments team before deploying to production', PLAN));
    let lessons = lessonsOnDisk(dir);
    expect(lessons.skipped).toEqual([]);
    let fb = lessons.items.filter((i) => i.kind === 'feedback');
    expect(fb).toHaveLength(1);
    expect(fb[0]).toMatchObject({ kind: 'feedback', count: 1, human: 1, procedure: DEPLOY.procedure, goal: DEPLOY.goalId, session: 's1' });
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
    const r = await memory.recall({ goalText: DEPLOY.goalText, procedure: DEPLOY.procedure, goalId: DEPLOY.goalId, findings: [], session: 's1', budgetTokens: 4000 });
    expect(r.items.slice(0, 2).every((i) => i.kind === 'feedback' && i.procedure === DEPLOY.procedure)).toBe(true);
    expect(consistency(dir).got).toEqual(consistency(dir).want);
  });

  it('an override reason is kept as feedback too', async () => {
    const dir = memDir();
    const memory = await Memory.open(dir);
    await memory.commitReview(review('s1', 1, 'override', 'the staging check is not needed for hotfixes', PLAN));
    const fb = lessonsOnDisk(dir).items.filter((i) => i.kind === 'feedback');
    expect(fb.map((i) => i.text)).toEqual(['approved despite findings: the staging check is not needed for hotfixes']);
  });

  it('a rejection saying "don\'t use X" retires the patterns that use X in that scope only', async () => {
    const dir = memDir();
    const memory = await Memory.open(dir);
    const bad = failed('s1', 1, ['open-change-ticket', 'run-tests', 'deploy-production'], [finding('staging-first', 3, 'add deploy-staging before step 3')]);
    await memory.commitIteration(bad);
    await memory.commitIteration(approved('s1', 2, PLAN), { previous: { plan: bad.plan, findings: bad.validation!.findings } });
    for (let i = 3; i <= 4; i++) await memory.commitIteration(approved('s1', i, PLAN));
    await memory.commitIteration(approved('s2', 1, PLAN, CHANGE));
    expect(patternsOnDisk(dir).filter((i) => i.data.type === 'fix').map((i) => i.text)).toEqual(['Adding deploy-staging fixed staging-first']);
    expect(usesAction(patternsOnDisk(dir), 'deploy-staging')).toHaveLength(3); // include + 2 orderings
    expect(usesAction(patternsOnDisk(dir), 'deploy-staging', CHANGE)).toHaveLength(3);

    await memory.commitReview(review('s1', 5, 'rejection', "Don't use deploy-staging here, it is being decommissioned", PLAN));
    const after = patternsOnDisk(dir);
    expect(usesAction(after, 'deploy-staging')).toEqual([]);
    // other actions of the same scope stay, and the other scope is untouched
    expect(usesAction(after, 'run-tests').filter((i) => i.data.type === 'include').map((i) => i.count)).toEqual([3]);
    expect(usesAction(after, 'deploy-staging', CHANGE)).toHaveLength(3);
    // nothing left in that scope recommends deploy-staging: not the plan shape, not a fix that added it
    expect(after.filter((i) => i.procedure === DEPLOY.procedure && i.text.includes('deploy-staging'))).toEqual([]);
    expect(after.filter((i) => i.procedure === CHANGE.procedure && i.text.includes('deploy-staging')).length).toBe(4);
    // the rejection itself is remembered as feedback
    expect(lessonsOnDisk(dir).items.filter((i) => i.kind === 'feedback').map((i) => i.human)).toEqual([1]);
    // a fresh open (replaying nothing) and a full replay agree
    expect(consistency(dir).got).toEqual(consistency(dir).want);
    const again = await Memory.open(dir);
    expect(usesAction(await again.items(), 'deploy-staging')).toEqual([]);
  });

  it('a human approval raises `human` of that plan\'s patterns without raising counts', async () => {
    const dir = memDir();
    const memory = await Memory.open(dir);
    await memory.commitIteration(approved('s1', 1, PLAN));
    await memory.commitIteration(approved('s1', 2, PLAN));
    const before = new Map(patternsOnDisk(dir).map((i) => [i.id, i]));
    expect([...before.values()].every((i) => i.human === 0 && i.count === 2)).toBe(true);

    await memory.commitReview(review('s1', 2, 'human-approval', undefined, PLAN));
    const after = patternsOnDisk(dir);
    expect(after.map((i) => i.id).sort()).toEqual([...before.keys()].sort());
    for (const i of after) {
      expect(i.count).toBe(before.get(i.id)!.count);
      expect(i.human).toBe(1);
    }
    expect(read(dir, 'successful_patterns.md')).toMatch(/^- ×2 · human · Approved plans use deploy-staging <!-- /m);
    await memory.commitReview(review('s1', 3, 'human-approval', undefined, PLAN));
    expect(patternsOnDisk(dir).every((i) => i.human === 2 && i.count === 2)).toBe(true);
    // no lessons from an approval
    expect(lessonsOnDisk(dir).items).toEqual([]);
    expect(consistency(dir).got).toEqual(consistency(dir).want);
  });
});
