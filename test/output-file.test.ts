// `-o FILE` names a file to write: a folder or a link there is refused in terms of -o (exit 2), never with advice
// meant for the memory folder ("replace it with a plain file"), and never with "pass --force to replace it".
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './support/cli.js';

const PDDL = path.join(ROOT, 'test', 'fixtures', 'pddl');
const EXAMPLE = path.join(ROOT, 'examples', 'deploy-plan.yaml');
let cwd: string;
let memory: string;

beforeAll(async () => {
  cwd = tempDir('jupiter-output-');
  memory = path.join(cwd, 'memory');
  const r = await runCli(['plan', '--procedure', 'production-deployment/deploy-service', 'Deploy', '-n', '1', '-c', '0', '--unattended', '--memory', memory], {
    cwd,
  });
  expect(r.code, r.stderr).toBe(0);
  mkdirSync(path.join(cwd, 'out'));
  writeFileSync(path.join(cwd, 'target.txt'), 'kept\n');
  symlinkSync(path.join(cwd, 'target.txt'), path.join(cwd, 'link.md'));
});

const commands: [string, (o: string) => string[]][] = [
  ['export', (o) => ['export', '--memory', memory, '-o', o]],
  ['validate --format pddl', (o) => ['validate', EXAMPLE, '--format', 'pddl', '-o', o]],
  ['procedures new', (o) => ['procedures', 'new', 'Rotate the database credentials', '-o', o]],
  ['procedures import', (o) => ['procedures', 'import', path.join(PDDL, 'blocks-domain.pddl'), path.join(PDDL, 'blocks-sussman.pddl'), '-o', o]],
];

describe('-o names a file', () => {
  for (const [name, args] of commands) {
    it(`${name}: a folder or a link is refused in one line about -o (exit 2)`, async () => {
      for (const [target, what] of [
        ['out', 'a folder'],
        ['link.md', 'a symbolic link'],
      ] as const) {
        const r = await runCli(args(path.join(cwd, target)), { cwd });
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stderr).toContain(`jupiter: -o ${path.join(cwd, target)} is ${what}: name a file to write`);
        expect(r.stderr).not.toMatch(/memory folder|--force/);
      }
    });
  }
});
