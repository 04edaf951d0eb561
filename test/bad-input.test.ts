// The bad-input corpus, through the real CLI: every malformed file, id and flag is refused with one clear
// `jupiter: ...` line naming the file/line/flag, exit 2, and the memory folder is left exactly as it was.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, SHIPPED, tempDir, type CliResult } from './support/cli.js';

/** Every file under `dir` (recursively), relative path → contents (base64, so binary compares exactly). */
function snapshot(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {};
  // Folders count too (as `name/`), so a stray new folder is a change.
  const entries = readdirSync(dir, { recursive: true, withFileTypes: true }).map((e) => ({
    full: path.join(e.parentPath ?? e.path, e.name),
    dir: e.isDirectory(),
  }));
  return Object.fromEntries(
    entries
      .sort((a, b) => (a.full < b.full ? -1 : 1))
      .map((e) => [path.relative(dir, e.full) + (e.dir ? '/' : ''), e.dir ? '' : readFileSync(e.full).toString('base64')]),
  );
}

/** Exactly one line on stderr, prefixed `jupiter: `, no stack trace. */
function oneLineError(r: CliResult, code = 2): string {
  expect(r.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(code);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^jupiter: /);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return lines[0]!;
}

let BASE: string; // a real memory folder from a short real run (cwd with memory/ inside)
let SESSION: string;

/** A fresh copy of the base folder for one test. */
function fresh(): { cwd: string; memory: string; sessions: string } {
  const cwd = tempDir('jupiter-bad-');
  cpSync(BASE, cwd, { recursive: true });
  return { cwd, memory: path.join(cwd, 'memory'), sessions: path.join(cwd, 'memory', 'sessions') };
}

beforeAll(async () => {
  BASE = tempDir('jupiter-bad-base-');
  const r = await runCli(['plan', 'Deploy the orchestrator', '-n', '2', '-c', '0', '--unattended', '--procedures', SHIPPED], { cwd: BASE });
  expect(r.code, r.stderr).toBe(0);
  const names = readdirSync(path.join(BASE, 'memory', 'sessions')).filter((n) => n.endsWith('.json'));
  expect(names).toHaveLength(1);
  SESSION = names[0]!.slice(0, -5);
}, 60_000);

/** The session the base run saved, as a session file from before JSON held it (the corpus below is of such files). */
function goodSessionText(): string {
  return stringify(JSON.parse(readFileSync(path.join(BASE, 'memory', 'sessions', `${SESSION}.json`), 'utf8')));
}

/** A "billion laughs" YAML document: nine levels of nine-fold aliases, then `tail`. */
function aliasBomb(tail: string): string {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 10; i++)
    lines.push(
      `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
        .fill(`*${String.fromCharCode(96 + i)}`)
        .join(',')}]`,
    );
  return `${lines.join('\n')}\n${tail}`;
}

const BAD_SESSION_IDS = [
  'bad-yaml',
  'truncated',
  'wrong-progress',
  'negative-iterations',
  'empty',
  'not-utf8',
  'huge',
  'a-list',
  'progress-partial',
  'usage-text',
  'feedback-not-text',
  'plan-not-a-plan',
  'provider-unknown',
  'provider-prototype',
  'budget-text',
  'max-cost-negative',
  'checkpoint-over',
  'procedure-unknown',
  'id-mismatch',
  'alias-bomb',
];

/** The bad session corpus: id → file contents (built once: its 4 MB file is the same for every test that reads it). */
let corpus: Record<string, Buffer> | undefined;
const badSessions = (): Record<string, Buffer> => (corpus ??= buildBadSessions());

function buildBadSessions(): Record<string, Buffer> {
  const good = goodSessionText();
  // A resumable session so only the file's fault stops the resume.
  const paused = good.replace(/^status: completed$/m, 'status: paused');
  /** The paused session with id `id` and one change. */
  const edit = (id: string, change: (v: Record<string, unknown>) => void) => {
    const v = parse(paused) as Record<string, unknown>;
    v.id = id;
    change(v);
    return Buffer.from(stringify(v));
  };
  const huge = `${paused}\n${Array.from({ length: 70_000 }, (_, i) => `# padding line ${i} ${'x'.repeat(50)}`).join('\n')}\n`;
  return {
    'bad-yaml': Buffer.from('version: 1\nid: bad-yaml\nsettings: {iterations: 2\n  goal: [unclosed\n: : :\n'),
    truncated: Buffer.from(paused.slice(0, Math.floor(paused.length / 2)).replace(/^id: .*$/m, 'id: truncated')),
    'wrong-progress': Buffer.from(paused.replace(/^id: .*$/m, 'id: wrong-progress').replace(/^progress:\n(?: {2}.*\n)+/m, 'progress: "lots"\n')),
    'negative-iterations': Buffer.from(paused.replace(/^id: .*$/m, 'id: negative-iterations').replace(/^ {2}iterations: \d+$/m, '  iterations: -3')),
    empty: Buffer.alloc(0),
    'not-utf8': Buffer.concat([Buffer.from('version: 1\nid: not-utf8\ngoal: "'), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x80]), Buffer.from('"\n')]),
    huge: Buffer.from(huge.replace(/^id: .*$/m, 'id: huge')),
    'a-list': Buffer.from('- version: 1\n- id: a-list\n'),
    // Missing counters are filled with zero (files from before a counter existed); a wrong-typed one is refused.
    'progress-partial': edit('progress-partial', (v) => (v.progress = { completed: 0, approved: 'many' })),
    'usage-text': edit('usage-text', (v) => (v.usage = 'lots')),
    'feedback-not-text': edit('feedback-not-text', (v) => (v.pendingFeedback = [1, { say: 'hi' }])),
    'plan-not-a-plan': edit('plan-not-a-plan', (v) => (v.currentPlan = 7)),
    'provider-unknown': edit('provider-unknown', (v) => ((v.settings as Record<string, unknown>).provider = 'nosuch')),
    'provider-prototype': edit('provider-prototype', (v) => ((v.settings as Record<string, unknown>).provider = 'constructor')),
    'budget-text': edit('budget-text', (v) => ((v.settings as Record<string, unknown>).contextBudget = 'lots')),
    'max-cost-negative': edit('max-cost-negative', (v) => ((v.settings as Record<string, unknown>).maxCost = -1)),
    'checkpoint-over': edit('checkpoint-over', (v) => ((v.settings as Record<string, unknown>).checkpoint = 99)),
    'procedure-unknown': edit('procedure-unknown', (v) => (v.procedure = 'nosuch')),
    'id-mismatch': edit('somebody-else', () => undefined),
    'alias-bomb': Buffer.from(aliasBomb('version: 1\nid: alias-bomb\nstatus: paused\n')),
  };
}

describe('bad session files', () => {
  it('the corpus is what it claims to be', () => {
    const c = badSessions();
    expect(c.huge!.length).toBeGreaterThan(4 * 1024 * 1024);
    expect(c['wrong-progress']!.toString()).toMatch(/^progress: "lots"$/m);
    expect(c['negative-iterations']!.toString()).toMatch(/^ {2}iterations: -3$/m);
    expect(c.truncated!.length).toBeLessThan(goodSessionText().length);
    expect(Object.keys(c)).toEqual(BAD_SESSION_IDS);
  });

  for (const id of BAD_SESSION_IDS) {
    it(`resume ${id} --unattended exits 2 naming the file, and the file is byte-identical afterwards`, async () => {
      const { cwd, memory, sessions } = fresh();
      const file = path.join(sessions, `${id}.yaml`);
      const content = badSessions()[id]!;
      writeFileSync(file, content);
      const before = snapshot(memory);
      const r = await runCli(['resume', id, '--unattended'], { cwd });
      const line = oneLineError(r);
      expect(line).toContain(file);
      expect(line.length).toBeLessThan(500);
      expect(readFileSync(file).equals(content)).toBe(true);
      expect(snapshot(memory)).toEqual(before);
    });
  }

  it('`jupiter sessions` lists the good session and reports every unreadable one (exit 0), changing nothing', async () => {
    const { cwd, memory, sessions } = fresh();
    const corpus = badSessions();
    for (const [id, content] of Object.entries(corpus)) writeFileSync(path.join(sessions, `${id}.yaml`), content);
    const before = snapshot(memory);
    const r = await runCli(['sessions'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(SESSION);
    // A fault only a resume can see (the procedures folder lacks the set) is listed; a file holding another
    // session than its name says is unreadable, as everywhere else.
    const resumeOnly = ['procedure-unknown'];
    const unreadableIds = Object.keys(corpus).filter((id) => !resumeOnly.includes(id));
    for (const id of unreadableIds) expect(r.stdout).toMatch(new RegExp(`^unreadable +\\S*${id}\\.yaml: `, 'm'));
    // Each report is one line, with no NaN or undefined figures anywhere.
    expect(r.stdout.split('\n').filter((l) => l.startsWith('unreadable'))).toHaveLength(unreadableIds.length);
    expect(r.stdout).not.toMatch(/NaN|undefined/);
    const j = await runCli(['sessions', '--json'], { cwd });
    expect(j.code, j.stderr).toBe(0);
    const parsed = JSON.parse(j.stdout) as { sessions: { id: string }[]; unreadable: { file: string; reason: string }[] };
    expect(parsed.sessions.map((s) => s.id).sort()).toEqual([SESSION, 'procedure-unknown'].sort());
    expect(parsed.unreadable.map((u) => path.basename(u.file)).sort()).toEqual(unreadableIds.map((id) => `${id}.yaml`).sort());
    expect(snapshot(memory)).toEqual(before);
  });
});

describe('broken memory markdown', () => {
  it('summary still works, reports the skipped lines on stderr, and a later plan keeps the readable items', async () => {
    const { cwd, memory } = fresh();
    const lessonsFile = path.join(memory, 'lessons.md');
    const patternsFile = path.join(memory, 'successful_patterns.md');
    const lessons = readFileSync(lessonsFile, 'utf8');
    writeFileSync(
      lessonsFile,
      lessons.replace(
        '<!-- jupiter: through',
        [
          '## production-deployment / deploy-service',
          '',
          '- Always page the on-call engineer before deploy-production',
          '-',
          '- ×3 · <!-- {"id":"x"} -->',
          '- ×2 · Broken metadata lesson <!-- {"id": "l-broken", "k": "lesson", -->',
          '- ×2 · Wrong-typed metadata lesson <!-- {"id": 42, "k": "nonsense"} -->',
          '\u0000\u0001 garbage \uFFFF line',
          '<!-- jupiter: through log entry banana -->',
          '',
          '<!-- jupiter: through',
        ].join('\n'),
      ),
    );
    const patterns = readFileSync(patternsFile, 'utf8');
    const brokenPatterns = patterns.replace(/(best plan so far[^\n]*<!-- )\{"id"/, '$1{"id" broken');
    expect(brokenPatterns).not.toBe(patterns);
    writeFileSync(patternsFile, brokenPatterns);

    const before = snapshot(memory);
    const s = await runCli(['summary'], { cwd });
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout.length).toBeGreaterThan(0);
    const skipped = s.stderr.split('\n').filter((l) => l !== '');
    expect(skipped.length).toBeGreaterThanOrEqual(4);
    for (const l of skipped) expect(l).toMatch(/^jupiter: \S+\.md:\d+: skipped an unreadable line/);
    expect(s.stderr).toContain(`${lessonsFile}:`);
    expect(s.stderr).toContain(`${patternsFile}:`);
    // Skipped-line reports carry no raw control characters from the file.
    expect(s.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    const sj = await runCli(['summary', '--json'], { cwd });
    expect(sj.code, sj.stderr).toBe(0);
    expect(JSON.parse(sj.stdout)).toMatchObject({ iterations: 2 });
    // Summary is read-only.
    expect(snapshot(memory)).toEqual(before);

    const p = await runCli(['plan', 'Deploy the orchestrator', '-n', '1', '-c', '0', '--unattended', '--procedures', SHIPPED], { cwd });
    expect(p.code, p.stderr).toBe(0);
    const lessonsAfter = readFileSync(lessonsFile, 'utf8');
    const patternsAfter = readFileSync(patternsFile, 'utf8');
    // The person's readable lesson survives the rewrite.
    expect(lessonsAfter).toContain('Always page the on-call engineer before deploy-production');
    // The unreadable exemplar line is kept as a plain line (now a person's), and memory learns on: a new exemplar.
    expect(patternsAfter).toMatch(/^- ×\d+ · human · best plan so far[^\n]*security-scan/m);
    expect(patternsAfter).toMatch(/^- ×\d+ · best plan so far[^\n]*security-scan[^\n]*<!-- \{"id"/m);
    expect(readFileSync(path.join(memory, 'execution_log.md'), 'utf8').match(/^## Iteration \d+/gm)).toHaveLength(3);
  });
});

const PROC_HEADER = `id: broken
name: Broken procedures
initial: [start]
goals:
  - id: finish
    description: Finish the work
    keywords: [finish, work]
    facts: [done]
`;
const GOOD_ACTIONS = `actions:
  - id: do-work
    description: Do the work
    requires: [start]
    provides: [done]
`;

/** Procedure folders with one mistake each: name → file text; the mistake is on the line marked `# <-`. */
const BAD_PROCEDURES: Record<string, string> = {
  'bad YAML (duplicate key)': `${PROC_HEADER}${GOOD_ACTIONS}rules:\n  - id: r1\n    kind: required\n    kind: forbidden # <-\n    action: do-work\n`,
  'bad YAML (bad indentation)': `${PROC_HEADER}${GOOD_ACTIONS}rules:\n  - id: r1\n    kind: required\n   action: do-work # <-\n`,
  'unknown rule kind': `${PROC_HEADER}${GOOD_ACTIONS}rules:\n  - id: r1\n    kind: sometimes # <-\n    action: do-work\n`,
  'action requiring an unprovided fact': `${PROC_HEADER}${GOOD_ACTIONS}  - id: check # <-\n    description: Check\n    requires: [approval]\n    provides: [checked]\n`,
  'duplicate ids': `${PROC_HEADER}${GOOD_ACTIONS}  - id: do-work # <-\n    description: Again\n    requires: [start]\n    provides: [done]\n`,
  'unknown field': `${PROC_HEADER}${GOOD_ACTIONS}    colour: blue # <-\n`,
  'wrong types': `${PROC_HEADER}actions:\n  - id: do-work\n    description: Do the work\n    requires: start # <-\n    provides: [done]\n`,
  'rule naming an unknown action': `${PROC_HEADER}${GOOD_ACTIONS}rules:\n  - id: r1 # <-\n    kind: required\n    action: teleport\n`,
  'not a mapping': `- just # <-\n- a list\n`,
};

describe('bad procedure folders', () => {
  for (const [kind, text] of Object.entries(BAD_PROCEDURES)) {
    it(`${kind}: plan --procedures DIR --unattended exits 2 with file:line:, memory untouched`, async () => {
      const { cwd, memory } = fresh();
      const dir = path.join(cwd, 'bad-procedures');
      mkdirSync(dir);
      const file = path.join(dir, 'broken.yaml');
      writeFileSync(file, text);
      const line = text.split('\n').findIndex((l) => l.includes('# <-')) + 1;
      expect(line).toBeGreaterThan(0);
      const before = snapshot(memory);
      const r = await runCli(['plan', 'Finish the work', '-n', '1', '-c', '0', '--unattended', '--procedures', dir], { cwd });
      const msg = oneLineError(r);
      expect(msg).toMatch(new RegExp(`^jupiter: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}: `));
      expect(snapshot(memory)).toEqual(before);
    });
  }

  it('an empty procedures folder: exit 2 naming the folder', async () => {
    const { cwd, memory } = fresh();
    const dir = path.join(cwd, 'empty-procedures');
    mkdirSync(dir);
    const before = snapshot(memory);
    const r = await runCli(['plan', 'Deploy the orchestrator', '-n', '1', '-c', '0', '--unattended', '--procedures', dir], { cwd });
    expect(oneLineError(r)).toContain(dir);
    expect(snapshot(memory)).toEqual(before);
  });

  it('a procedures path that does not exist: exit 2 naming it', async () => {
    const { cwd, memory } = fresh();
    const dir = path.join(cwd, 'no-such-folder');
    const before = snapshot(memory);
    const r = await runCli(['plan', 'Deploy the orchestrator', '-n', '1', '-c', '0', '--unattended', '--procedures', dir], { cwd });
    expect(oneLineError(r)).toContain(dir);
    expect(snapshot(memory)).toEqual(before);
  });
});

describe('files that are not plans, for validate', () => {
  const cases: Record<string, Buffer> = {
    'a list': Buffer.from('- title: x\n- steps: []\n'),
    'a number': Buffer.from('42\n'),
    'steps missing': Buffer.from('title: Deploy the orchestrator\nsummary: no steps here\nprocedure: production-deployment\n'),
    'steps not a list': Buffer.from('title: Deploy\nsteps: lots\n'),
    'a step without an action': Buffer.from('title: Deploy\nsteps:\n  - action: build-artifact\n  - description: nothing to do\n'),
    binary: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 97 + 13) % 256)),
    empty: Buffer.alloc(0),
    'an alias bomb': Buffer.from(aliasBomb('title: Boom\nsteps: *j\n')),
    'an unresolved alias': Buffer.from('title: Deploy\nsteps: *nowhere\n'),
    huge: Buffer.from(`title: Huge\nsteps:\n  - action: build-artifact\n    description: ${'y'.repeat(1024 * 1024)}\n`),
  };
  for (const [kind, content] of Object.entries(cases)) {
    it(`${kind}: exit 2 naming the file`, async () => {
      const cwd = tempDir('jupiter-bad-plan-');
      const file = path.join(cwd, 'plan.yaml');
      writeFileSync(file, content);
      const r = await runCli(['validate', file, '--procedures', SHIPPED], { cwd });
      expect(oneLineError(r)).toMatch(new RegExp(`^jupiter: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(:\\d+)?: `));
      expect(readFileSync(file).equals(content)).toBe(true);
      expect(readdirSync(cwd)).toEqual(['plan.yaml']);
    });
  }

  it('a missing plan file: exit 2 naming it', async () => {
    const cwd = tempDir('jupiter-bad-plan-');
    const r = await runCli(['validate', path.join(cwd, 'nope.yaml'), '--procedures', SHIPPED], { cwd });
    expect(oneLineError(r)).toMatch(/nope\.yaml: cannot read plan: no such file$/);
  });

  it('an empty or comment-only plan file says so, in words', async () => {
    const cwd = tempDir('jupiter-bad-plan-');
    for (const [name, content, said] of [
      ['empty.yaml', '', /empty\.yaml: the file is empty: expected a plan/],
      ['blank.yaml', '\n# nothing yet\n', /blank\.yaml: holds no plan/],
    ] as const) {
      writeFileSync(path.join(cwd, name), content);
      const line = oneLineError(await runCli(['validate', path.join(cwd, name), '--procedures', SHIPPED], { cwd }));
      expect(line).toMatch(said);
      expect(line).not.toMatch(/got object|ENOENT|procedure this plan follows/);
    }
  });
});

describe('nonsense flags', () => {
  const cases: [string[], RegExp][] = [
    [['-n', '0'], /--iterations/],
    [['-n', '-5'], /--iterations/],
    [['-n', 'abc'], /--iterations.*"abc"/],
    [['-n', '2.5'], /--iterations/],
    [['-n', '99999999999999999999'], /--iterations is too large/],
    [['-c', 'abc'], /--checkpoint.*"abc"/],
    [['-c', '30', '-n', '10'], /--checkpoint 30.*--iterations 10/],
    [['--context-budget', '5'], /--context-budget/],
    [['--max-cost', '-1'], /--max-cost/],
    [['--max-cost', 'free'], /--max-cost/],
    [['--timeout', '0'], /--timeout/],
    [['--provider', 'nosuch'], /--provider.*nosuch/],
    [['--provider', 'constructor'], /--provider.*unknown provider "constructor"/],
    [['--provider', '__proto__', '--base-url', 'http://127.0.0.1:9/v1', '--model', 'm'], /--provider.*unknown provider "__proto__"/],
    [['--provider', 'custom', '--base-url', 'not a url', '--model', 'm'], /--base-url/],
    [['--no-such-flag'], /--no-such-flag/],
    [['--iterations'], /--iterations/],
    [['--iteratons', '3'], /--iteratons/],
  ];
  for (const [flags, pattern] of cases) {
    it(`plan ${flags.join(' ')}: exit 2 naming the flag, memory untouched`, async () => {
      const { cwd, memory } = fresh();
      const before = snapshot(memory);
      const r = await runCli(['plan', 'Deploy the orchestrator', '--unattended', ...flags], { cwd });
      expect(oneLineError(r)).toMatch(pattern);
      expect(snapshot(memory)).toEqual(before);
    });
  }

  it('resume with a nonsense flag exits 2 naming it, memory untouched', async () => {
    const { cwd, memory } = fresh();
    const file = path.join(memory, 'sessions', `${SESSION}.json`);
    writeFileSync(file, readFileSync(file, 'utf8').replace('"status": "completed"', '"status": "paused"'));
    const before = snapshot(memory);
    const r = await runCli(['resume', SESSION, '--unattended', '--max-cost', '-1'], { cwd });
    expect(oneLineError(r)).toMatch(/--max-cost/);
    const r2 = await runCli(['resume', '--bogus'], { cwd });
    expect(oneLineError(r2)).toMatch(/--bogus/);
    expect(snapshot(memory)).toEqual(before);
  });

  it('--memory naming a file, not a folder: every command exits 2 naming it, the file untouched', async () => {
    const { cwd, memory } = fresh();
    const file = path.join(cwd, 'not-a-folder');
    writeFileSync(file, 'hello\n');
    const before = snapshot(cwd);
    for (const args of [['plan', 'Deploy the orchestrator', '--unattended'], ['resume', '--unattended'], ['sessions'], ['summary']]) {
      const r = await runCli([...args, '--memory', file], { cwd });
      expect(oneLineError(r), args.join(' ')).toBe(`jupiter: --memory: ${file} is not a folder`);
    }
    expect(snapshot(cwd)).toEqual(before);
    expect(existsSync(memory)).toBe(true);
  });

  it('a 100 KB goal is refused (exit 2) before anything is written', async () => {
    const { cwd, memory } = fresh();
    const before = snapshot(memory);
    const goal = 'Deploy the orchestrator '.repeat(Math.ceil((100 * 1024) / 24)).slice(0, 100 * 1024);
    const r = await runCli(['plan', goal, '-n', '1', '-c', '0', '--unattended'], { cwd });
    expect(oneLineError(r)).toMatch(/goal/);
    expect(r.stderr.length).toBeLessThan(500);
    expect(snapshot(memory)).toEqual(before);
    const r2 = await runCli(['plan', '--goal', goal, '-n', '1', '-c', '0', '--unattended'], { cwd });
    expect(oneLineError(r2)).toMatch(/goal/);
    expect(snapshot(memory)).toEqual(before);
  });
});

describe('bad jupiter.config.yaml', () => {
  const cases: Record<string, string> = {
    'bad YAML': 'iterations: [3\n',
    'an unresolved alias': 'iterations: *x\n',
    'an alias bomb': aliasBomb('iterations: 3\n'),
    'an unknown setting': 'iterations: 3\ncolour: blue\n',
    'a key in the file': 'api_key: sk-live-FAKE-0123456789abcdef\n',
    'a list': '- iterations: 3\n',
    'a wrong-typed setting': 'iterations: lots\n',
  };
  for (const [kind, text] of Object.entries(cases)) {
    it(`${kind}: every command exits 2 with one line, memory untouched`, async () => {
      const { cwd, memory } = fresh();
      const file = path.join(cwd, 'jupiter.config.yaml');
      writeFileSync(file, text);
      const before = snapshot(memory);
      const commands = [
        ['plan', 'Deploy the orchestrator', '--unattended'],
        ['sessions'],
        ['summary'],
        ['validate', path.join(ROOT, 'examples', 'deploy-plan.yaml')],
      ];
      // A resume takes its iterations from the session, so only a file that cannot be read at all stops it.
      if (kind !== 'a wrong-typed setting') commands.push(['resume', SESSION, '--unattended']);
      for (const args of commands) {
        const r = await runCli(args, { cwd });
        const line = oneLineError(r);
        expect(line, args.join(' ')).toContain(file);
        if (kind === 'a wrong-typed setting') expect(line).toContain(`${file}:1: iterations must be a whole number, got "lots"`);
        expect(line).not.toContain('sk-live-FAKE-0123456789abcdef');
      }
      expect(snapshot(memory)).toEqual(before);
    });
  }
});

describe('session ids', () => {
  it('an unknown session id: exit 2 naming it, memory untouched', async () => {
    const { cwd, memory } = fresh();
    const before = snapshot(memory);
    const r = await runCli(['resume', 'no-such-session-1234', '--unattended'], { cwd });
    expect(oneLineError(r)).toContain('no-such-session-1234');
    expect(snapshot(memory)).toEqual(before);
  });

  const escapes = ['../../etc/passwd', '..', '.', 'a/b', '/etc/passwd', '%2e%2e', '..%2f..%2fetc', '../evil', '../../evil', 'a\\..\\b', ' ', ''];
  for (const id of escapes) {
    it(`resume ${JSON.stringify(id)}: exit 2, nothing read or written outside the memory folder`, async () => {
      const root = tempDir('jupiter-escape-');
      const cwd = path.join(root, 'work');
      cpSync(BASE, cwd, { recursive: true });
      // A perfectly resumable session planted outside the sessions folder: reading it would resume it.
      const planted = goodSessionText().replace(/^status: completed$/m, 'status: paused');
      writeFileSync(path.join(root, 'evil.yaml'), planted);
      writeFileSync(path.join(cwd, 'evil.yaml'), planted);
      writeFileSync(path.join(cwd, 'memory', 'evil.yaml'), planted);
      for (const dir of [root, cwd, path.join(cwd, 'memory')]) writeFileSync(path.join(dir, 'evil.json'), JSON.stringify(parse(planted)));
      const before = snapshot(root);
      const r = await runCli(['resume', id, '--unattended'], { cwd });
      if (id === '') {
        // An empty id is "no id": resume looks for the latest unfinished session, and there is none.
        expect(oneLineError(r)).toMatch(/no unfinished session/);
      } else {
        expect(oneLineError(r)).toMatch(/is not a session id/);
      }
      expect(r.stdout).not.toMatch(/resuming/i);
      expect(snapshot(root)).toEqual(before);
    });
  }
});
