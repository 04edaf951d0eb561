// The validator runs only on the rules people wrote in the procedures folder: nothing jupiter keeps in its internal
// folder can stand in for them (issue 23: an edited procedures cache removed the segregation rules).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadProcedures } from '../src/procedures/load.js';
import { ROOT, SHIPPED, runCli, tempDir } from './support/cli.js';
import { fakeServers, modelFlags } from './support/fake-openai.js';

const { serve } = fakeServers();
const example = parse(readFileSync(path.join(ROOT, 'examples', 'deploy-plan.yaml'), 'utf8')) as { steps: { action: string; owner?: string }[] };
/** The example plan with the release approved and deployed by one person: segregation forbids it. */
const oneHand = JSON.stringify({
  ...example,
  steps: example.steps.map((s) => (s.action === 'deploy-production' ? { ...s, owner: 'Priya Nair' } : s)),
});

async function run(cwd: string, answer: string) {
  const server = await serve(() => ({ content: answer }));
  const r = await runCli(['plan', 'Deploy the orchestrator', ...modelFlags(server.url), '--unattended', '--iterations', '1', '--json'], { cwd });
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { type: string; outcome?: string })
    .find((e) => e.type === 'iteration-finished');
}

describe('procedures come from the files people wrote', () => {
  it('an edited .jupiter/procedures.json cannot remove a segregation rule', async () => {
    const cwd = tempDir();
    expect((await run(cwd, JSON.stringify(example)))?.outcome).toBe('improved');
    // Whatever jupiter keeps beside its memory, rewritten with the rules gone (its key kept, as in the report).
    const cache = path.join(cwd, 'memory', '.jupiter', 'procedures.json');
    type Entry = { key: string; library: ReturnType<typeof loadProcedures> };
    const kept: Entry[] = existsSync(cache) ? (JSON.parse(readFileSync(cache, 'utf8')) as { entries: Entry[] }).entries : [];
    const entries = kept.length ? kept : [{ key: 'any', library: loadProcedures(SHIPPED) }];
    for (const e of entries) for (const set of e.library.sets) set.rules = [];
    writeFileSync(cache, JSON.stringify({ entries }));
    const second = await run(cwd, oneHand);
    expect(second?.outcome).toBe('failed');
  });
});
