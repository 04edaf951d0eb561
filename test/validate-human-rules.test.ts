// `validate` applies the confirmed human rules of the plan's goal by default, says how many, and leaves them out with
// --no-human-rules.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, SHIPPED, tempDir } from './support/cli.js';

const EXAMPLE = path.join(ROOT, 'examples', 'deploy-plan.yaml');
const SCOPE = 'goal production-deployment/deploy-service';

function memoryWith(lines: string[]): string {
  const cwd = tempDir();
  mkdirSync(path.join(cwd, 'memory'));
  const text = ['# Human rules', '', '## production-deployment / deploy-service', '', ...lines, ''].join('\n');
  writeFileSync(path.join(cwd, 'memory', 'human_rules.md'), text);
  return cwd;
}

const validate = (cwd: string, ...flags: string[]) => runCli(['validate', EXAMPLE, '--procedures', SHIPPED, ...flags], { cwd });

describe('validate and the human rules', () => {
  const lines = [
    `- never use notify-stakeholders · ${SCOPE} · confirmed · "support hates the announcements"`,
    `- deploy-staging before security-scan · ${SCOPE} · unconfirmed · "maybe stage before scanning"`,
    '- at most 5 steps · session s1 · confirmed · "short plans this time"',
  ];

  it("applies the goal's confirmed rules by default and counts them (not unconfirmed ones, not a session's)", async () => {
    const cwd = memoryWith(lines);
    const r = await validate(cwd);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('human rules: applied 1 confirmed rule for this goal from');
    expect(r.stdout).toMatch(/step \d+ .*notify-stakeholders is forbidden \(feedback: "support hates the announcements"\)/);
    expect(r.stdout).not.toMatch(/at most 5|deploy-staging comes before/);
    const json = JSON.parse((await validate(cwd, '--json')).stdout) as { valid: boolean; humanRules: number };
    expect(json).toMatchObject({ valid: false, humanRules: 1 });
  });

  it('--no-human-rules leaves them out and says so', async () => {
    const r = await validate(memoryWith(lines), '--no-human-rules');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('human rules: left out (--no-human-rules)');
  });

  it('says when the goal has none, and refuses a broken rules file (exit 2, file:line)', async () => {
    const none = await validate(tempDir());
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('human rules: none confirmed for this goal');
    const broken = await validate(memoryWith([`- never use notify-stakeholdrs · ${SCOPE} · confirmed · "no announcements"`]));
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/human_rules\.md:5: .*"notify-stakeholdrs" is not an action of production-deployment/);
  });
});
