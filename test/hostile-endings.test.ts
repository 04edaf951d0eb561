// Hostile line endings and headings: CRLF or mixed endings (git autocrlf, a Windows editor) lose nothing, and
// the torn-tail repair removes only a torn final section of ours, never text a person wrote.
import { appendFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordsIn, renderLogSection, tornSectionStart } from '../src/memory/log-file.js';
import { iterationToRecord } from '../src/memory/record.js';
import { Memory } from '../src/memory/store.js';
import { parseItemsFile } from '../src/memory/items-file.js';
import { approved, failed, finding, memDir, read } from './support/memory-fixtures.js';
import { runCli, SHIPPED, tempDir, filesUnder } from './support/cli.js';

const PLAN = ['open-change-ticket', 'run-tests', 'deploy-staging', 'deploy-production'];
const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n');
/** Every other line ending CRLF: what a merge of two checkouts can leave. */
const mixed = (s: string) =>
  s
    .split('\n')
    .map((l, i, all) => (i % 2 && i < all.length - 1 ? `${l}\r` : l))
    .join('\n');

async function seeded(n: number): Promise<string> {
  const dir = memDir();
  const memory = await Memory.open(dir);
  for (let i = 1; i <= n; i++) {
    if (i % 3 === 0) await memory.commitIteration(failed('s1', i, ['deploy-production'], [finding('tests-before-deploy', 1, 'add run-tests before step 1')]));
    else await memory.commitIteration(approved('s1', i, PLAN));
  }
  return dir;
}

describe('CRLF and mixed line endings', () => {
  it('records are read from a CRLF or mixed log', () => {
    const text = [1, 2, 3].map((i) => renderLogSection(iterationToRecord(approved('s1', i, PLAN), i))).join('');
    expect(recordsIn(crlf(text)).records.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(recordsIn(mixed(text)).records.map((r) => r.seq)).toEqual([1, 2, 3]);
    // The end offset counts the `\r` bytes: cutting there keeps every record whole.
    const c = crlf(text);
    expect(Buffer.from(c).subarray(0, recordsIn(c).endOfLast).toString()).toBe(c.slice(0, c.lastIndexOf('-->') + 5));
  });

  for (const [name, convert] of [
    ['CRLF', crlf],
    ['mixed', mixed],
  ] as const) {
    it(`a ${name} memory folder keeps its whole history when opened, and the next commit is seq n+1`, async () => {
      const dir = await seeded(6);
      for (const f of ['execution_log.md', 'lessons.md', 'successful_patterns.md']) writeFileSync(path.join(dir, f), convert(read(dir, f)));
      const before = read(dir, 'execution_log.md');
      const lessonsBefore = parseItemsFile(read(dir, 'lessons.md'), 'lesson').items.length;
      const memory = await Memory.open(dir);
      // Nothing truncated, nothing re-applied.
      expect(read(dir, 'execution_log.md')).toBe(before);
      expect(memory.seq).toBe(6);
      expect((await memory.records()).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      // A session's records are found by bisecting the log on its record lines, whatever the line endings.
      expect((await memory.records({ session: 's1' })).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(lessonsBefore).toBeGreaterThan(0);
      expect((await memory.items()).filter((i) => i.kind !== 'pattern')).toHaveLength(lessonsBefore);
      await memory.commitIteration(approved('s1', 7, PLAN));
      expect(recordsIn(read(dir, 'execution_log.md')).records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      // With the running aggregates gone too, the log alone rebuilds all seven.
      rmSync(path.join(dir, '.jupiter/aggregates.json'));
      expect((await (await Memory.open(dir)).records()).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    });
  }

  it('a torn CRLF section is still repaired (and only it)', async () => {
    const dir = await seeded(3);
    const log = path.join(dir, 'execution_log.md');
    writeFileSync(log, crlf(read(dir, 'execution_log.md')));
    const whole = read(dir, 'execution_log.md');
    appendFileSync(log, '## Iteration 4 · improved\r\n\r\n- **Time:** 2025-01-01T00:04:00.000Z\r\n  1. open-ch');
    const memory = await Memory.open(dir);
    expect(read(dir, 'execution_log.md')).toBe(whole.replace(/\r\n$/, ''));
    expect(memory.seq).toBe(3);
  });
});

describe('the torn-tail repair never removes what a person wrote', () => {
  const NOTES = [
    '## Iteration 2 review notes\n\nThe staging cluster was down on Monday; iteration 2 is fine otherwise.\n',
    '## Iteration 4 · my thoughts\n\nWe should try canary deploys.\n',
    '## Review of iteration 3\n\n- **Note:** ask Dana about the rollback\n',
    '## Iteration 2 review notes',
  ];
  for (const note of NOTES) {
    it(`keeps ${JSON.stringify(note.slice(0, 32))}…`, async () => {
      const dir = await seeded(3);
      appendFileSync(path.join(dir, 'execution_log.md'), note);
      const memory = await Memory.open(dir);
      expect(read(dir, 'execution_log.md')).toContain(note);
      await memory.commitIteration(approved('s1', 4, PLAN));
      const after = read(dir, 'execution_log.md');
      expect(after).toContain(note.trimEnd());
      expect(recordsIn(after).records.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    });
  }

  it("a log with no records at all (only a person's notes under our headings) is left whole", async () => {
    const dir = memDir();
    const text = '# My log\n\n## Iteration 1 planning notes\n\nfirst try\n\n## Iteration 2 · ideas\n\n- more tests\n';
    writeFileSync(path.join(dir, 'execution_log.md'), text);
    await Memory.open(dir);
    expect(read(dir, 'execution_log.md')).toBe(text);
  });

  it("a torn section after a person's note: the section goes, the note stays", async () => {
    const dir = await seeded(2);
    const log = path.join(dir, 'execution_log.md');
    appendFileSync(log, '## Iteration 2 review notes\n\nkeep me\n\n');
    const kept = read(dir, 'execution_log.md');
    const torn = renderLogSection(iterationToRecord(approved('s1', 3, PLAN), 3));
    appendFileSync(log, torn.slice(0, torn.indexOf('<!-- jupiter:entry') + 30));
    const memory = await Memory.open(dir);
    expect(read(dir, 'execution_log.md')).toBe(kept.replace(/\n+$/, '\n'));
    expect(memory.seq).toBe(2);
  });

  it('every prefix of a section of ours is recognised as torn; no person-like text is', () => {
    const section = renderLogSection(iterationToRecord(failed('s1', 9, ['deploy-production'], [finding('tests-before-deploy', 1, 'add run-tests')]), 9));
    const body = section.slice(0, section.lastIndexOf('-->'));
    for (let cut = 3; cut < body.length; cut++) expect(tornSectionStart(`\n${body.slice(0, cut)}`), `cut at ${cut}`).toBe(0);
    expect(tornSectionStart('\n## Iteration 2 review notes\n\nmine\n')).toBe(-1);
    expect(tornSectionStart('\n## Iteration 3 · improved\n\nI wrote this by hand.\n')).toBe(-1);
    expect(tornSectionStart('\n')).toBe(-1);
  });
});

describe('a whole CRLF checkout through the CLI', () => {
  it('plan, sessions, resume, summary and validate read CRLF memory, sessions and procedures', async () => {
    const cwd = tempDir('jupiter-crlf-');
    const first = await runCli(['plan', 'Deploy the orchestrator', '-n', '4', '-c', '0', '--unattended', '--procedures', SHIPPED], { cwd });
    expect(first.code, first.stderr).toBe(0);
    // Stop the session part-way (as a crash would leave it), then convert every text file to CRLF.
    const sessions = path.join(cwd, 'memory', 'sessions');
    const id = readdirSync(sessions)
      .find((n) => n.endsWith('.json'))!
      .slice(0, -5);
    const procedures = path.join(cwd, 'procedures');
    const copy = (from: string, to: string) => writeFileSync(to, crlf(readFileSync(from, 'utf8')));
    mkdirSync(procedures, { recursive: true });
    for (const n of readdirSync(SHIPPED)) if (/\.ya?ml$/.test(n)) copy(path.join(SHIPPED, n), path.join(procedures, n));
    const sessionFile = path.join(sessions, `${id}.json`);
    writeFileSync(
      sessionFile,
      readFileSync(sessionFile, 'utf8').replace('"status": "completed"', '"status": "interrupted"').replace('"iterations": 4', '"iterations": 6'),
    );
    for (const f of filesUnder(path.join(cwd, 'memory'))) if (/\.(md|yaml|jsonl)$/.test(f)) copy(f, f);
    const logBefore = readFileSync(path.join(cwd, 'memory', 'execution_log.md'), 'utf8');
    expect(logBefore).toContain('\r\n');

    const list = await runCli(['sessions'], { cwd });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(id);
    const resume = await runCli(['resume', id, '--unattended'], { cwd });
    expect(resume.code, resume.stderr).toBe(0);
    // A second session appends to the CRLF log: every record before it is still found, seqs stay contiguous.
    const again = await runCli(['plan', 'Deploy the orchestrator v2', '-n', '2', '-c', '0', '--unattended'], { cwd });
    expect(again.code, again.stderr).toBe(0);
    const log = readFileSync(path.join(cwd, 'memory', 'execution_log.md'), 'utf8');
    expect(log.startsWith(logBefore)).toBe(true);
    const seqs = recordsIn(log).records.map((r) => r.seq);
    const before = recordsIn(logBefore).records.length;
    expect(before).toBeGreaterThan(0);
    expect(seqs.length).toBeGreaterThan(before);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    const summary = await runCli(['summary', '--json'], { cwd });
    expect(summary.code, summary.stderr).toBe(0);
    const planFile = path.join(cwd, 'plan.yaml');
    copy(path.join(SHIPPED, '..', 'examples', 'deploy-plan.yaml'), planFile);
    const validate = await runCli(['validate', planFile], { cwd });
    expect(validate.code, validate.stderr + validate.stdout).toBe(0);
  });
});
