// The summary's memory line counts what memory holds: plan files as they are stored today (plans/<planId>.json).
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { runCli, tempDir } from './support/cli.js';

it('counts the plan files a run stored', async () => {
  const memory = tempDir('jupiter-summary-size-');
  const r = await runCli(['plan', '--procedure', 'production-deployment/deploy-service', 'Deploy', '-n', '2', '-c', '0', '--unattended', '--memory', memory]);
  expect(r.code, r.stderr).toBe(0);
  const stored = readdirSync(path.join(memory, 'plans')).length;
  expect(stored).toBeGreaterThan(0);
  const summary = await runCli(['summary', '--memory', memory]);
  expect(summary.code, summary.stderr).toBe(0);
  expect(summary.stdout).toMatch(new RegExp(` · ${stored} plan files?\\n`));
});
