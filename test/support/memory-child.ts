// Compiles src/memory (and what it imports) once, and runs writer processes against a memory folder.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Emits JavaScript for src/memory/store.ts into a temp folder (type errors elsewhere do not block the emit). */
export function compileMemory(): string {
  const out = mkdtempSync(path.join(os.tmpdir(), 'jupiter-memjs-'));
  const args = [
    '--outDir',
    out,
    '--rootDir',
    path.join(ROOT, 'src'),
    '--module',
    'NodeNext',
    '--moduleResolution',
    'NodeNext',
    '--target',
    'ES2022',
    '--skipLibCheck',
    '--types',
    'node',
    '--noEmitOnError',
    'false',
    path.join(ROOT, 'src', 'memory', 'store.ts'),
  ];
  try {
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), ...args], { cwd: ROOT, stdio: 'pipe' });
  } catch {
    // emitted anyway; a missing output shows up as a failed import in the child
  }
  // the emitted files are ESM and import `yaml` by bare name: resolve it from the project
  writeFileSync(path.join(out, 'package.json'), JSON.stringify({ type: 'module' }));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(out, 'node_modules'), 'dir');
  return out;
}

export const WRITER = `
import { pathToFileURL } from 'node:url';
const [js, dir, session, count] = process.argv.slice(2);
const { Memory } = await import(pathToFileURL(js + '/memory/store.js').href);
const memory = await Memory.open(dir);
for (let k = 1; k <= Number(count); k++) {
  const steps = ['open-change-ticket', 'run-tests', k % 2 ? 'deploy-staging' : 'smoke-test', 'deploy-production'];
  const plan = { title: 'p' + k, summary: 's', steps: steps.map((action) => ({ action })) };
  const base = { session, iteration: k, startedAt: new Date(0).toISOString(), finishedAt: new Date(k * 1000).toISOString(), goal: 'Deploy the payments service', procedure: 'production-deployment', goalId: 'deploy-service', planner: 'builtin', plan };
  if (k % 3 === 0) await memory.commitIteration({ ...base, outcome: 'failed', approvedBy: null, validation: { valid: false, procedure: 'production-deployment', goal: 'deploy-service', finalFacts: [], findings: [{ severity: 'error', rule: 'tests-before-deploy', step: 1, message: 'm', fix: 'add run-tests before step 1' }] } });
  else await memory.commitIteration({ ...base, outcome: 'approved', approvedBy: 'auto', validation: { valid: true, procedure: 'production-deployment', goal: 'deploy-service', finalFacts: [], findings: [] } });
}
`;

export function runWriter(js: string, dir: string, session: string, count: number): Promise<{ code: number | null; stderr: string }> {
  const script = path.join(js, 'writer.mjs');
  writeFileSync(script, WRITER);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, js, dir, session, String(count)], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}
