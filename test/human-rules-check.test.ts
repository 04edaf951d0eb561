// memory/human_rules.md is checked like code: a typo, an unknown action, a line that is not a rule or two rules that
// contradict each other stop `plan` (exit 2, file:line, the person's words, nothing started) and fail `procedures`.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { humanRule } from '../src/feedback/rule-text.js';
import { lintHumanRules } from '../src/memory/human-rules-check.js';
import { conflictsFor, parseHumanRules } from '../src/memory/human-rules.js';
import { Memory } from '../src/memory/store.js';
import type { ReviewRecord } from '../src/memory/types.js';
import { loadProcedures } from '../src/procedures/load.js';
import { runCli, SHIPPED, tempDir } from './support/cli.js';

const library = loadProcedures(SHIPPED);
const SCOPE = 'goal production-deployment/deploy-service';

/** A human_rules.md as jupiter writes it, with `lines` under the deployment goal's heading (line 5 on). */
function rulesFile(lines: string[]): string {
  return ['# Human rules', '', '## production-deployment / deploy-service', '', ...lines, '', '<!-- jupiter: through log entry 0 -->', ''].join('\n');
}

function folderWith(lines: string[]): { cwd: string; memory: string } {
  const cwd = tempDir();
  const memory = path.join(cwd, 'memory');
  mkdirSync(memory);
  writeFileSync(path.join(memory, 'human_rules.md'), rulesFile(lines));
  return { cwd, memory };
}

const plan = (cwd: string) => runCli(['plan', 'Deploy the orchestrator', '--unattended', '-n', '1', '--procedures', SHIPPED], { cwd });

const CASES = [
  {
    name: 'a typo in an action id',
    lines: [
      `- run-tests before deploy-production · ${SCOPE} · confirmed · "tests first"`,
      `- deploy-stagin before verify-staging · ${SCOPE} · confirmed · "stage, then check"`,
    ],
    line: 6,
    message:
      /"deploy-stagin before verify-staging" \(from "stage, then check"\): "deploy-stagin" is not an action of production-deployment \(did you mean "deploy-staging"\?\)/,
  },
  {
    name: 'an unknown action',
    lines: [`- never use yolo-push · ${SCOPE} · confirmed · "no yolo pushes"`],
    line: 5,
    message: /"never use yolo-push" \(from "no yolo pushes"\): "yolo-push" is not an action of production-deployment/,
  },
  {
    name: 'a line that is not a rule',
    lines: [`- deploy staging before running the tests please · ${SCOPE} · confirmed`],
    line: 5,
    message: /"deploy staging before running the tests please .*" is not a rule line/,
  },
  {
    name: 'always X and never X',
    lines: [
      `- always include notify-stakeholders · ${SCOPE} · confirmed · "tell support every time"`,
      `- never use notify-stakeholders · ${SCOPE} · confirmed · "stop the announcement spam"`,
    ],
    line: 6,
    message:
      /"never use notify-stakeholders" \(from "stop the announcement spam"\) contradicts line 5, "always include notify-stakeholders" \(from "tell support every time"\)/,
  },
  {
    name: 'X before Y and Y before X',
    lines: [
      `- notify-stakeholders before deploy-staging · ${SCOPE} · confirmed · "warn them early"`,
      `- deploy-staging before notify-stakeholders · ${SCOPE} · confirmed · "announce once it is staged"`,
    ],
    line: 6,
    message: /"deploy-staging before notify-stakeholders" \(from "announce once it is staged"\) contradicts line 5/,
  },
];

describe('human_rules.md is checked like code', () => {
  for (const c of CASES) {
    it(`${c.name}: plan stops with file:line and exit 2, nothing started; procedures lint fails`, async () => {
      const { cwd, memory } = folderWith(c.lines);
      const r = await plan(cwd);
      expect(r.code, r.stdout).toBe(2);
      expect(r.stderr).toContain(`human_rules.md:${c.line}:`);
      expect(r.stderr).toMatch(c.message);
      expect(r.stderr).not.toMatch(/human-(ordering|required|forbidden)-[0-9a-f]{8}/);
      // Nothing started: no session, no log.
      expect(readdirSync(memory)).toEqual(['human_rules.md']);
      const lint = await runCli(['procedures', '--procedures', SHIPPED], { cwd });
      expect(lint.code).toBe(2);
      expect(lint.stdout).toMatch(new RegExp(`human_rules\\.md:${c.line}: error: `));
    });
  }

  it('a clean file lets the run start', async () => {
    const { cwd, memory } = folderWith([`- run-tests before deploy-production · ${SCOPE} · confirmed · "tests first"`]);
    const r = await plan(cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(path.join(memory, 'execution_log.md'))).toBe(true);
  });

  it('rules of different goals or sessions never contradict each other', () => {
    const text = [
      '# Human rules',
      '',
      '- always include notify-stakeholders · session s1 · confirmed',
      '- never use notify-stakeholders · session s2 · confirmed',
      '- never use notify-stakeholders · goal change-management/standard-change · confirmed',
    ].join('\n');
    expect(lintHumanRules(text, 'human_rules.md', library).filter((i) => /contradicts/.test(i.message))).toEqual([]);
  });

  it('conflictsFor names the kept rule a new reading contradicts, in the scopes that apply together', () => {
    const { entries } = parseHumanRules(rulesFile([`- always include notify-stakeholders · ${SCOPE} · confirmed · "tell support every time"`]));
    const never = humanRule({ kind: 'forbidden', action: 'notify-stakeholders' }, 'no more announcements');
    const goal = { procedure: 'production-deployment', goalId: 'deploy-service' };
    expect(conflictsFor(entries, never, { kind: 'goal', ...goal }).map((e) => e.quote)).toEqual(['tell support every time']);
    expect(conflictsFor(entries, never, { kind: 'session', session: 's9' }, goal)).toHaveLength(1);
    expect(conflictsFor(entries, never, { kind: 'session', session: 's9' }, { procedure: 'change-management', goalId: 'standard-change' })).toEqual([]);
    const other = humanRule({ kind: 'forbidden', action: 'deploy-directly' });
    expect(conflictsFor(entries, other, { kind: 'goal', ...goal })).toEqual([]);
  });

  it('a confirmed reading that contradicts a kept rule replaces it: the file never holds both', async () => {
    const dir = tempDir();
    const memory = await Memory.open(dir);
    const review = (iteration: number, reason: string, rule: ReturnType<typeof humanRule>, confirmed: boolean): ReviewRecord => ({
      session: 's1',
      iteration,
      time: new Date(Date.UTC(2025, 0, 1, 0, iteration)).toISOString(),
      goalText: 'Deploy the orchestrator',
      procedure: 'production-deployment',
      goalId: 'deploy-service',
      kind: 'rejection',
      reason,
      constraints: [rule],
      confirmed,
      scope: confirmed ? 'goal' : 'session',
      plan: null,
    });
    await memory.commitReview(review(1, 'tell support every time', humanRule({ kind: 'required', action: 'notify-stakeholders' }), true));
    // An unconfirmed reading yields to the confirmed rule it contradicts.
    await memory.commitReview(review(2, 'maybe skip the announcement', humanRule({ kind: 'forbidden', action: 'notify-stakeholders' }), false));
    const file = path.join(dir, 'human_rules.md');
    const ruleLines = () =>
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('- '));
    expect(ruleLines()).toEqual([`- always include notify-stakeholders · ${SCOPE} · confirmed · "tell support every time"`]);
    await memory.commitReview(review(3, 'stop the announcement spam', humanRule({ kind: 'forbidden', action: 'notify-stakeholders' }), true));
    expect(ruleLines()).toEqual([`- never use notify-stakeholders · ${SCOPE} · confirmed · "stop the announcement spam"`]);
    expect(lintHumanRules(readFileSync(file, 'utf8'), file, library)).toEqual([]);
    await memory.close();
  });
});
