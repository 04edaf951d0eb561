// The validator runs only on the rules people wrote in the procedures folder: what jupiter keeps in its internal folder
// (the parsed procedures, to start faster) is used only while it is bound to those files' bytes and to itself by
// digests (issue 23: an edited procedures cache removed the segregation rules).
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadProcedures } from '../src/procedures/load.js';
import { loadProceduresCached } from '../src/procedures/load-cached.js';
import { ROOT, SHIPPED, runCli, tempDir } from './support/cli.js';
import { fakeServers, modelFlags } from './support/fake-openai.js';

const { serve } = fakeServers();
const example = parse(readFileSync(path.join(ROOT, 'examples', 'deploy-plan.yaml'), 'utf8')) as { steps: { action: string; owner?: string }[] };
/** The example plan with the release approved and deployed by one person: segregation forbids it. */
const oneHand = JSON.stringify({
  ...example,
  steps: example.steps.map((s) => (s.action === 'deploy-production' ? { ...s, owner: 'Priya Nair' } : s)),
});

async function run(cwd: string, answer: string, procedures?: string) {
  const server = await serve(() => ({ content: answer }));
  const where = procedures ? ['--procedures', procedures] : [];
  const r = await runCli(['plan', 'Deploy the orchestrator', ...modelFlags(server.url), ...where, '--unattended', '--iterations', '1', '--json'], { cwd });
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { type: string; outcome?: string })
    .find((e) => e.type === 'iteration-finished');
}

type Entry = { key: string; library: string; digest: string };
const cacheOf = (cwd: string) => path.join(cwd, 'memory', '.jupiter', 'procedures.json');
const entries = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { entries: Entry[] }).entries;
/** Every kept library rewritten with its rules gone; key and digest kept, as an editor keeping the key would. */
function dropRules(file: string): void {
  const edited = entries(file).map((e) => {
    const library = JSON.parse(e.library) as ReturnType<typeof loadProcedures>;
    for (const set of library.sets) set.rules = [];
    return { ...e, library: JSON.stringify(library) };
  });
  writeFileSync(file, JSON.stringify({ entries: edited }));
}

describe('procedures come from the files people wrote', () => {
  it('an edited .jupiter/procedures.json (key and digest kept) cannot remove a segregation rule', async () => {
    const cwd = tempDir();
    expect((await run(cwd, JSON.stringify(example)))?.outcome).toBe('improved');
    const cache = cacheOf(cwd);
    // The run kept the parsed library, bound to the shipped files.
    expect(entries(cache)).toHaveLength(1);
    dropRules(cache);
    expect((await run(cwd, oneHand))?.outcome).toBe('failed');
  });

  it('a procedure file edited after a run is parsed again: its rule applies at once', async () => {
    const cwd = tempDir();
    const procedures = path.join(cwd, 'procedures');
    cpSync(SHIPPED, procedures, { recursive: true });
    expect((await run(cwd, oneHand, procedures))?.outcome).toBe('failed');
    const file = path.join(procedures, 'production-deployment.yaml');
    const text = readFileSync(file, 'utf8');
    const rule = /^ {2}- id: approver-is-not-deployer\n(?: {4}[^\n]*\n)+/m;
    expect(text).toMatch(rule);
    writeFileSync(file, text.replace(rule, ''));
    // Same folder, same file names, one rule fewer: the cached library is not used; the plan passes.
    expect((await run(cwd, oneHand, procedures))?.outcome).toBe('improved');
  });

  it('loadProceduresCached gives the parsed library, keeps it only when asked, and rejects a forged entry', async () => {
    const cache = path.join(tempDir(), 'procedures.json');
    const parsed = loadProcedures(SHIPPED);
    const first = await loadProceduresCached(SHIPPED, cache);
    expect(first.library).toEqual(parsed);
    // Nothing is written until the run has started.
    expect(existsSync(cache)).toBe(false);
    await first.remember();
    const [entry] = entries(cache);
    const second = await loadProceduresCached(SHIPPED, cache);
    expect(JSON.parse(JSON.stringify(second.library))).toEqual(JSON.parse(JSON.stringify(parsed)));
    // A library written in with a made-up digest is ignored: the files are parsed again.
    const forged = JSON.parse(entry!.library) as typeof parsed;
    forged.sets = forged.sets.map((s) => ({ ...s, rules: [] }));
    writeFileSync(cache, JSON.stringify({ entries: [{ ...entry, library: JSON.stringify(forged), digest: '0'.repeat(64) }] }));
    const third = await loadProceduresCached(SHIPPED, cache);
    expect(third.library.sets.map((s) => s.rules.length)).toEqual(parsed.sets.map((s) => s.rules.length));
    expect(third.library.sets.some((s) => s.rules.length > 0)).toBe(true);
  });
});
