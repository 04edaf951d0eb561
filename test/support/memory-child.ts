// Runs writer processes against a memory folder, on the compiled memory layer in dist/ (`npm test` builds it first,
// as the tests of the real CLI need it too).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The folder of the compiled sources (dist/), after checking it holds the memory layer. */
export function builtSources(): string {
  const dist = path.join(ROOT, 'dist');
  if (!existsSync(path.join(dist, 'memory', 'store.js'))) throw new Error('dist is not built: run `npx tsc -p tsconfig.json` first');
  return dist;
}

export const WRITER = `
import { pathToFileURL } from 'node:url';
const [js, dir, session, count] = process.argv.slice(2);
const { Memory } = await import(pathToFileURL(js + '/memory/store.js').href);
const memory = await Memory.open(dir);
for (let k = 1; k <= Number(count); k++) {
  const steps = ['open-change-ticket', 'run-tests', k % 2 ? 'deploy-staging' : 'smoke-test', 'deploy-production'];
  const plan = { title: 'p' + k, summary: 's', steps: steps.map((action) => ({ action })) };
  const base = { session, iteration: k, startedAt: new Date(0).toISOString(), finishedAt: new Date(k * 1000).toISOString(), goalText: 'Deploy the payments service', procedure: 'production-deployment', goalId: 'deploy-service', planner: 'builtin', plan };
  if (k % 3 === 0) await memory.commitIteration({ ...base, outcome: 'failed', approvedBy: null, validation: { valid: false, procedure: 'production-deployment', goal: 'deploy-service', finalFacts: [], findings: [{ severity: 'error', rule: 'tests-before-deploy', step: 1, message: 'm', fix: 'add run-tests before step 1' }] } });
  else await memory.commitIteration({ ...base, outcome: 'approved', approvedBy: 'auto', validation: { valid: true, procedure: 'production-deployment', goal: 'deploy-service', finalFacts: [], findings: [] } });
}
`;

export function runWriter(js: string, dir: string, session: string, count: number): Promise<{ code: number | null; stderr: string }> {
  const script = path.join(mkdtempSync(path.join(os.tmpdir(), 'jupiter-writer-')), 'writer.mjs');
  writeFileSync(script, WRITER);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, js, dir, session, String(count)], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}
