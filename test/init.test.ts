import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './support/cli.js';

describe('jupiter init', () => {
  it('scaffolds jupiter.config.yaml, memory/ and procedures/, keeps what exists, and plan uses them', async () => {
    const cwd = tempDir();
    const first = await runCli(['init'], { cwd });
    expect(first.code, first.stderr).toBe(0);
    expect(readdirSync(path.join(cwd, 'procedures')).sort()).toEqual(['access-review.yaml', 'change-management.yaml', 'production-deployment.yaml']);
    expect(existsSync(path.join(cwd, 'memory', 'README.md'))).toBe(true);
    expect(readFileSync(path.join(cwd, 'jupiter.config.yaml'), 'utf8')).toContain('iterations: 20');
    const again = await runCli(['init'], { cwd });
    expect(again.stdout).toContain('kept      jupiter.config.yaml (exists; --force to overwrite)');
    // A second init creates nothing, and says so.
    expect(again.stdout).not.toContain('created');
    expect(again.stdout).toContain('kept      memory/');
    // The scaffolded config is valid and its settings apply: 20 iterations, checkpoint 10.
    const run = await runCli(['plan', 'Deploy the orchestrator', '--unattended'], { cwd });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('20 iterations · checkpoint every 10');
    // 20 is a ceiling: the built-in planner proves its plan optimal long before.
    expect(run.stdout).toMatch(/Converged: optimal for /);
    const logged = readFileSync(path.join(cwd, 'memory', 'execution_log.md'), 'utf8').match(/^## Iteration \d+/gm) ?? [];
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.length).toBeLessThanOrEqual(20);
    // The config file's checkpoint (10) yields to an explicit -n 5: no "checkpoint is larger" refusal.
    const short = await runCli(['plan', 'Deploy the orchestrator', '-n', '5', '--unattended'], { cwd });
    expect(short.code, short.stderr).toBe(0);
    expect(short.stdout).toContain('up to 5 iterations · checkpoint every 5 iterations');
  });
});
