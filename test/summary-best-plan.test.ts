// "Best plan per goal" is memory's exemplar; one that breaks a human rule now in force for its goal says so, instead
// of standing as the best plan unchecked.
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { runCli, tempDir } from './support/cli.js';

const GOAL = 'production-deployment/deploy-service';

it('marks the best plan that breaks a human rule confirmed for its goal since', async () => {
  const memory = tempDir('jupiter-summary-best-');
  const r = await runCli(['plan', '--procedure', GOAL, 'Deploy', '-n', '2', '-c', '0', '--unattended', '--memory', memory]);
  expect(r.code, r.stderr).toBe(0);
  const json = async () => JSON.parse((await runCli(['summary', '--json', '--memory', memory])).stdout) as { exemplars: { text: string; breaks?: string[] }[] };
  const [best] = (await json()).exemplars;
  expect(best!.breaks ?? []).toEqual([]);
  // A person confirms, by hand, the reverse of an order the best plan has.
  const testsFirst = best!.text.indexOf('run-tests') < best!.text.indexOf('security-scan');
  const rule = testsFirst ? 'security-scan before run-tests' : 'run-tests before security-scan';
  appendFileSync(
    path.join(memory, 'human_rules.md'),
    `\n## production-deployment / deploy-service\n\n- ${rule} · goal ${GOAL} · confirmed · "the other way"\n`,
  );
  expect((await json()).exemplars[0]!.breaks).toEqual([rule]);
  const text = (await runCli(['summary', '--memory', memory])).stdout;
  expect(text).toContain(`(${GOAL}) ✖ breaks a human rule now in force: ${rule}\n`);
});
