// human_rules.md: derived from the review records in the log, editable by a person, replayed once after a crash.
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFeedback } from '../src/feedback/read.js';
import { parseHumanRules } from '../src/memory/human-rules.js';
import { recordsIn, renderLogSection } from '../src/memory/log-file.js';
import { reviewToRecord } from '../src/memory/record.js';
import { Memory } from '../src/memory/store.js';
import type { IterationRecord, ReviewRecord } from '../src/memory/types.js';
import { loadProcedures } from '../src/procedures/load.js';
import { findTarget } from '../src/procedures/target.js';
import { SHIPPED } from './support/cli.js';

const deploy = findTarget(loadProcedures(SHIPPED), 'production-deployment/deploy-service');
const GOAL = { procedure: 'production-deployment', goalId: 'deploy-service' };
const dirOf = () => mkdtempSync(path.join(os.tmpdir(), 'jupiter-rules-'));
const rulesText = (dir: string) => readFileSync(path.join(dir, 'human_rules.md'), 'utf8');
const ruleLines = (dir: string) =>
  rulesText(dir)
    .split('\n')
    .filter((l) => l.startsWith('- '));
const lines = async (memory: Memory, session = 's1', goal = GOAL) =>
  (await memory.humanRules({ ...goal, session })).map(
    (r) => `${r.kind}:${JSON.stringify({ ...r, id: undefined, severity: undefined, origin: undefined, description: undefined })}`,
  );

function rejection(
  session: string,
  iteration: number,
  reason: string,
  opts: { scope?: 'session' | 'goal'; confirmed?: boolean; procedure?: string; goalId?: string } = {},
): ReviewRecord {
  const reading = readFeedback(reason, deploy);
  return {
    session,
    iteration,
    time: new Date(Date.UTC(2025, 0, 1, 0, iteration)).toISOString(),
    goalText: 'Deploy the orchestrator',
    procedure: opts.procedure ?? GOAL.procedure,
    goalId: opts.goalId ?? GOAL.goalId,
    kind: 'rejection',
    reason,
    constraints: reading.constraints,
    confirmed: opts.confirmed ?? true,
    scope: opts.scope ?? 'goal',
    plan: null,
  };
}

function iteration(session: string, n: number): IterationRecord {
  const plan = { title: 'p', summary: 's', steps: [{ action: 'build-artifact', owner: 'dev' }] };
  return {
    session,
    iteration: n,
    startedAt: new Date(0).toISOString(),
    finishedAt: new Date(n * 1000).toISOString(),
    goalText: 'Deploy',
    ...GOAL,
    planner: 'builtin',
    plan,
    validation: { valid: true, procedure: GOAL.procedure, goal: GOAL.goalId, findings: [], finalFacts: [] },
    outcome: 'improved',
    approvedBy: 'auto',
  };
}

describe('human rules in memory', () => {
  it('a required-fields rule (reader or rule builder) is kept too, and read back by another process', async () => {
    const dir = dirOf();
    const memory = await Memory.open(dir);
    await memory.commitReview(rejection('s1', 2, 'Attach evidence to the staging deployment', { scope: 'session' }));
    expect(ruleLines(dir)).toEqual(['- deploy-staging must fill evidence · session s1 · confirmed · "Attach evidence to the staging deployment"']);
    const served = await (await Memory.open(dir)).humanRules({ ...GOAL, session: 's1' });
    expect(served).toMatchObject([{ kind: 'required-fields', fields: ['evidence'], actions: ['deploy-staging'], origin: 'human' }]);
  });

  it('a rejection read into rules is kept in human_rules.md, one readable line per rule, and served by scope', async () => {
    const dir = dirOf();
    const memory = await Memory.open(dir);
    await memory.commitReview(rejection('s1', 3, 'Stakeholders must be notified before the staging deploy', { scope: 'goal', confirmed: true }));
    await memory.commitReview(rejection('s1', 5, 'never skip run-tests', { scope: 'session', confirmed: false }));
    // A rejection kept as a note (no constraints) adds no rule.
    await memory.commitReview({ ...rejection('s1', 6, 'I do not like it'), constraints: [] });

    expect(ruleLines(dir)).toEqual([
      '- notify-stakeholders before deploy-staging · goal production-deployment/deploy-service · confirmed · "Stakeholders must be notified before the staging deploy"',
      '- always include run-tests · session s1 · unconfirmed · "never skip run-tests"',
    ]);
    expect(rulesText(dir)).toContain('## production-deployment / deploy-service');

    const inS1 = await memory.humanRules({ ...GOAL, session: 's1' });
    expect(inS1.map((r) => r.kind)).toEqual(['ordering', 'required']);
    expect(inS1[0]).toMatchObject({
      kind: 'ordering',
      before: 'notify-stakeholders',
      after: 'deploy-staging',
      origin: 'human',
      severity: 'error',
      description: 'feedback: "Stakeholders must be notified before the staging deploy"',
    });
    // The same ids the reader gave: a rule is one rule wherever it is read from.
    expect(inS1.map((r) => r.id)).toEqual(
      [
        ...readFeedback('Stakeholders must be notified before the staging deploy', deploy).constraints,
        ...readFeedback('never skip run-tests', deploy).constraints,
      ].map((r) => r.id),
    );
    // Another session on the goal gets the goal's rule only; another goal gets nothing; confirmedOnly drops the unconfirmed.
    expect((await memory.humanRules({ ...GOAL, session: 's2' })).map((r) => r.kind)).toEqual(['ordering']);
    expect(await memory.humanRules({ procedure: 'change-management', goalId: 'standard-change', session: 's2' })).toEqual([]);
    expect((await memory.humanRules({ ...GOAL, session: 's1', confirmedOnly: true })).map((r) => r.kind)).toEqual(['ordering']);

    // Read back by another process's view of the folder.
    const again = await Memory.open(dir);
    expect(await lines(again)).toEqual(await lines(memory));
  });

  it('the log keeps the reading: constraints, confirmation and scope are in the review record', async () => {
    const dir = dirOf();
    const memory = await Memory.open(dir);
    await memory.commitReview(rejection('s1', 2, 'at most 8 steps', { scope: 'session', confirmed: false }));
    const [rec] = recordsIn(readFileSync(path.join(dir, 'execution_log.md'), 'utf8')).records;
    expect(rec).toMatchObject({ type: 'review', constraints: [{ kind: 'max-steps', max: 8, origin: 'human' }], confirmed: false, scope: 'session' });
  });

  it("a person's deletion sticks: through later commits, a reopen, and the same rule's record staying in the log", async () => {
    const dir = dirOf();
    const memory = await Memory.open(dir);
    await memory.commitReview(rejection('s1', 1, 'Remove notify-stakeholders, the status page announces releases'));
    await memory.commitReview(rejection('s1', 2, 'at most 8 steps'));
    const file = path.join(dir, 'human_rules.md');
    writeFileSync(
      file,
      rulesText(dir)
        .split('\n')
        .filter((l) => !l.includes('never use notify-stakeholders'))
        .join('\n'),
    );
    expect((await memory.humanRules({ ...GOAL, session: 's1' })).map((r) => r.kind)).toEqual(['max-steps']);

    await memory.commitIteration(iteration('s1', 3));
    await memory.commitReview(rejection('s1', 4, 'never skip run-tests'));
    const reopened = await Memory.open(dir);
    expect((await reopened.humanRules({ ...GOAL, session: 's1' })).map((r) => r.kind).sort()).toEqual(['max-steps', 'required']);
    expect(rulesText(dir)).not.toContain('notify-stakeholders');
  });

  it('deleting the whole file forgets every rule, also for the next process', async () => {
    const dir = dirOf();
    const memory = await Memory.open(dir);
    await memory.commitReview(rejection('s1', 1, 'at most 8 steps'));
    rmSync(path.join(dir, 'human_rules.md'));
    expect(await memory.humanRules({ ...GOAL, session: 's1' })).toEqual([]);
    await memory.commitIteration(iteration('s1', 2));
    const next = await Memory.open(dir);
    expect(await next.humanRules({ ...GOAL, session: 's1' })).toEqual([]);
    // A later rule starts the file again, without the forgotten one.
    await next.commitReview(rejection('s1', 3, 'never skip run-tests'));
    expect(ruleLines(dir)).toEqual(['- always include run-tests · goal production-deployment/deploy-service · confirmed · "never skip run-tests"']);
  });

  it("a person's edits are read: another rule, another scope, a confirmation, and a line of their own", async () => {
    const dir = dirOf();
    const memory = await Memory.open(dir);
    await memory.commitReview(rejection('s1', 1, 'Stakeholders must be notified before the staging deploy', { scope: 'session', confirmed: false }));
    const file = path.join(dir, 'human_rules.md');
    const edited = rulesText(dir)
      .replace(
        'notify-stakeholders before deploy-staging · session s1 · unconfirmed',
        'notify-stakeholders before deploy-production · goal production-deployment/deploy-service · confirmed',
      )
      .replace('## production-deployment / deploy-service\n', '## production-deployment / deploy-service\n\n- at most 10 steps\n- this line is not a rule\n');
    writeFileSync(file, edited);
    const rules = await memory.humanRules({ ...GOAL, session: 'other' });
    expect(rules).toEqual([
      expect.objectContaining({ kind: 'max-steps', max: 10, origin: 'human', severity: 'error' }),
      expect.objectContaining({
        kind: 'ordering',
        before: 'notify-stakeholders',
        after: 'deploy-production',
        description: 'feedback: "Stakeholders must be notified before the staging deploy"',
      }),
    ]);
    expect(memory.skippedLines()).toEqual([expect.objectContaining({ file, text: '- this line is not a rule' })]);
    // The person's lines survive jupiter's next rewrite of the file.
    await memory.commitReview(rejection('s1', 2, 'never skip run-tests'));
    expect(ruleLines(dir)).toEqual(
      expect.arrayContaining([
        '- at most 10 steps · goal production-deployment/deploy-service · confirmed',
        expect.stringContaining('- notify-stakeholders before deploy-production · goal'),
      ]),
    );
  });

  it('after a crash between the log append and the file write, the record is applied once on the next open', async () => {
    const dir = dirOf();
    const memory = await Memory.open(dir);
    await memory.commitReview(rejection('s1', 1, 'at most 8 steps'));
    // The commit point is the log's record line: append one as a commit would, then "crash" before human_rules.md is written.
    const rec = reviewToRecord(rejection('s1', 2, 'never skip run-tests', { scope: 'session' }), memory.seq + 1);
    appendFileSync(path.join(dir, 'execution_log.md'), renderLogSection(rec));
    expect(ruleLines(dir)).toHaveLength(1);

    const recovered = await Memory.open(dir);
    expect(ruleLines(dir)).toEqual([
      '- at most 8 steps · goal production-deployment/deploy-service · confirmed · "at most 8 steps"',
      '- always include run-tests · session s1 · confirmed · "never skip run-tests"',
    ]);
    expect(parseHumanRules(rulesText(dir)).watermark).toBe(2);
    // Applied once: opening again, or committing more, adds no second copy.
    await (await Memory.open(dir)).commitIteration(iteration('s1', 3));
    expect(ruleLines(dir)).toHaveLength(2);
    expect((await recovered.humanRules({ ...GOAL, session: 's1' })).map((r) => r.kind)).toEqual(['max-steps', 'required']);
  });

  it('a memory folder from before human rules is read through once and then kept up to date without rewriting on each commit', async () => {
    const dir = dirOf();
    const memory = await Memory.open(dir);
    await memory.commitIteration(iteration('s1', 1));
    await memory.commitReview(rejection('s1', 2, 'at most 8 steps'));
    rmSync(path.join(dir, 'human_rules.md'));
    rmSync(path.join(dir, '.jupiter', 'human_rules.watermark'));
    const rebuilt = await Memory.open(dir);
    expect(ruleLines(dir)).toHaveLength(1);
    const before = rulesText(dir);
    await rebuilt.commitIteration(iteration('s1', 3));
    expect(rulesText(dir)).toBe(before); // no rule changed: the file is not rewritten
    expect(existsSync(path.join(dir, '.jupiter', 'human_rules.watermark'))).toBe(true);
  });

  it('the quote cannot forge the fields before it, and unreadable rules in the log are not kept', () => {
    const text = [
      '## production-deployment / deploy-service',
      '- never use deploy-directly · session s9 · unconfirmed · "x · goal a/b · confirmed"',
      '- ring the bell · goal a/b · confirmed',
      '- at most 5 steps · somewhere · confirmed',
      '- at most 5 steps · goal a/b · maybe',
    ].join('\n');
    const parsed = parseHumanRules(text);
    expect(parsed.entries).toHaveLength(1);
    expect(parsed.entries[0]).toMatchObject({ scope: { kind: 'session', session: 's9' }, confirmed: false, quote: 'x · goal a/b · confirmed' });
    expect(parsed.skipped.map((s) => s.line)).toEqual([3, 4, 5]);
  });
});
