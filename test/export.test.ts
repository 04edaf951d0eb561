// `jupiter export`: a shipped goal's champion as Markdown (Mermaid gantt), CSV (parsed back), JSON (schema-checked).
import { appendFileSync, cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderCsv } from '../src/export/csv.js';
import { readFeedback } from '../src/feedback/read.js';
import { Memory } from '../src/memory/store.js';
import { renderMarkdown } from '../src/export/markdown.js';
import { buildRunbook, forkText, type Runbook, RunbookSchema } from '../src/export/runbook.js';
import { loadProcedures } from '../src/procedures/load.js';
import { objectivesOf, scorePlan } from '../src/procedures/quality.js';
import { schedulePlan } from '../src/procedures/schedule.js';
import { findTarget } from '../src/procedures/target.js';
import { validatePlan } from '../src/procedures/validate.js';
import { ROOT, SHIPPED, runCli, tempDir } from './support/cli.js';
import { fakeServers, modelFlags } from './support/fake-openai.js';

/** RFC 4180: fields split on commas, quoted fields may hold commas, doubled quotes and line breaks; rows end in CRLF. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    i++;
    if (quoted) {
      if (c === '"' && next === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && next === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else if (c === '"' || c === '\n' || c === '\r') throw new Error(`malformed CSV at character ${i - 1}`);
    else field += c;
  }
  if (quoted) throw new Error('unterminated quoted field');
  if (field !== '' || row.length) throw new Error('last row does not end in CRLF');
  return rows;
}

/** The gantt block: its task lines as name, tags, id, start and duration. */
function ganttTasks(markdown: string) {
  const block = /```mermaid\n([\s\S]*?)\n```/.exec(markdown)?.[1];
  if (!block) throw new Error('no mermaid block');
  const lines = block.split('\n');
  expect(lines[0]).toBe('gantt');
  expect(lines).toContain('  dateFormat X');
  return lines
    .filter((l) => / :/.test(l))
    .map((l) => {
      const [name, meta] = l.trim().split(' :') as [string, string];
      const parts = meta.split(', ');
      const [id, start, duration] = parts.slice(-3) as [string, string, string];
      return { name, tags: parts.slice(0, -3), id, start, duration };
    });
}

const GOAL = 'production-deployment/deploy-service';
const { serve } = fakeServers();
let memory: string;
const exported: Record<string, string> = {};

beforeAll(async () => {
  memory = tempDir('jupiter-export-');
  const run = await runCli(['plan', '--procedure', GOAL, 'Deploy the orchestrator', '-n', '3', '-c', '0', '--unattended', '--memory', memory]);
  expect(run.code, run.stderr).toBe(0);
  for (const format of ['md', 'csv', 'json']) {
    const out = path.join(memory, `runbook.${format}`);
    const r = await runCli(['export', '--format', format, '-o', out, '--memory', memory]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`wrote .*runbook\\.${format} \\(${format}, \\d+ steps, valid`));
    exported[format] = readFileSync(out, 'utf8');
  }
}, 120_000);

describe('export of a shipped goal champion', () => {
  it('JSON matches the documented schema and each step starts when the last step it depends on ends', () => {
    const book = RunbookSchema.parse(JSON.parse(exported.json!));
    expect(book.validation.valid).toBe(true);
    expect(book.plan.source).toBe('champion');
    expect(book.steps.length).toBeGreaterThan(5);
    for (const s of book.steps) {
      const after = Math.max(0, ...s.dependsOn.map((d) => book.steps[d - 1]!.end));
      expect(s.dependsOn.every((d) => d < s.step)).toBe(true);
      expect(s.start).toBe(after);
    }
    expect(Math.max(...book.steps.map((s) => s.end))).toBe(book.makespan);
  });

  it('Markdown holds a Mermaid gantt with one task per step, `after` dependencies, and the critical path as crit', () => {
    const book = RunbookSchema.parse(JSON.parse(exported.json!));
    const tasks = ganttTasks(exported.md!);
    expect(tasks.map((t) => t.id)).toEqual(book.steps.map((s) => `s${s.step}`));
    for (const [i, t] of tasks.entries()) {
      const s = book.steps[i]!;
      expect(t.start).toBe(s.dependsOn.length ? `after ${s.dependsOn.map((d) => `s${d}`).join(' ')}` : '0');
      expect(t.duration).toBe(`${s.end - s.start}m`);
      expect(t.tags.includes('crit')).toBe(s.critical);
      expect(t.name).not.toMatch(/[:#;]/);
    }
    expect(tasks.some((t) => t.start.startsWith('after '))).toBe(true);
    // The critical path runs unbroken from the start to the end.
    const critical = book.steps.filter((s) => s.critical);
    expect(critical.some((s) => s.start === 0) && critical.some((s) => s.end === book.makespan)).toBe(true);
    expect(exported.md).toContain('## Rules it was checked against');
    // The plan's summary is the planner's words (a model may claim anything): it is attributed, not the runbook's claim.
    expect(exported.md).toContain(`\nThe planner's summary, as written when it proposed the plan: ${book.plan.summary}\n`);
    expect(exported.md).toMatch(/Re-validated at export by jupiter \S+ on .*\*\*valid\*\*/);
    // A box to tick for each step's evidence where the procedure names one; none where there is nothing to tick.
    const named = book.steps.filter((s) => s.evidence);
    expect(named.length).toBeGreaterThan(0);
    expect(named.length).toBeLessThan(book.steps.length);
    expect(exported.md!.match(/^ {2}- \[ \] evidence: /gm)).toHaveLength(named.length);
    expect(exported.md!.match(/^ {2}- evidence: none named$/gm)).toHaveLength(book.steps.length - named.length);
  });

  it('CSV parses back (RFC 4180) to one row per step, with depends_on naming other rows', () => {
    const book = RunbookSchema.parse(JSON.parse(exported.json!));
    const [header, ...rows] = parseCsv(exported.csv!);
    expect(header).toContain('depends_on');
    expect(rows).toHaveLength(book.steps.length);
    const col = (name: string) => header!.indexOf(name);
    for (const [i, r] of rows.entries()) {
      const s = book.steps[i]!;
      expect(r[col('step')]).toBe(String(s.step));
      expect(r[col('description')]).toBe(s.description);
      expect(r[col('assignee')]).toBe(s.assignee);
      const deps = r[col('depends_on')]!.split(' ').filter(Boolean).map(Number);
      expect(deps).toEqual(s.dependsOn);
      for (const d of deps) expect(rows.some((x) => x[col('step')] === String(d))).toBe(true);
    }
  });

  it('--iteration N exports that plan; a missing iteration or format is one line, exit 2', async () => {
    const one = await runCli(['export', '--iteration', '1', '--format', 'json', '--memory', memory]);
    expect(one.code, one.stderr).toBe(0);
    expect(RunbookSchema.parse(JSON.parse(one.stdout)).plan).toMatchObject({ iteration: 1, source: 'iteration' });
    const missing = await runCli(['export', '--iteration', '99', '--memory', memory]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^jupiter: --iteration 99: session \S+ has no iteration 99/);
    const bad = await runCli(['export', '--format', 'pdf', '--memory', memory]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--format must be md, html, csv or json, got "pdf"/);
  });
});

describe('export of a plan the rules in force now refuse', () => {
  it('names each finding once and counts errors in words (exit 1)', async () => {
    const dir = tempDir('jupiter-export-invalid-');
    cpSync(memory, dir, { recursive: true });
    // A person added a rule by hand after the run: no plan of this goal may use approve-release.
    appendFileSync(
      path.join(dir, 'human_rules.md'),
      '\n## production-deployment / deploy-service\n\n- never use approve-release · goal production-deployment/deploy-service · confirmed · "no approvals"\n',
    );
    const r = await runCli(['export', '--memory', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/\*\*INVALID\*\* \(1 error, 0 warnings\)/);
    expect(r.stdout).toMatch(/^- error: step \d+: approve-release is forbidden/m);
    expect(r.stdout).not.toMatch(/step (\d+): step \1:/);
    expect(r.stderr).toMatch(/^jupiter: the exported plan is invalid under the rules in force \(1 error\): error: step \d+: approve-release/);
    expect(r.stderr).not.toMatch(/step (\d+): step \1:/);
  });
});

describe('who decided, as the run knows it', () => {
  it('an override was made at a failure prompt, an approval at a checkpoint prompt', async () => {
    const dir = tempDir('jupiter-export-who-');
    cpSync(memory, dir, { recursive: true });
    const session = RunbookSchema.parse(JSON.parse(exported.json!)).session.id;
    const mem = await Memory.open(dir);
    const base = { session, goalText: 'Deploy the orchestrator', procedure: 'production-deployment', goalId: 'deploy-service', plan: null };
    await mem.commitReview({ ...base, iteration: 1, time: '2026-01-01T00:01:00.000Z', kind: 'override', reason: 'tests ran nightly' });
    await mem.commitReview({ ...base, iteration: 2, time: '2026-01-01T00:02:00.000Z', kind: 'human-approval' });
    await mem.close();
    const r = await runCli(['export', '--format', 'json', '--memory', dir]);
    expect(r.code, r.stderr).toBe(0);
    const who = Object.fromEntries(RunbookSchema.parse(JSON.parse(r.stdout)).reviews.map((x) => [x.kind, x.who]));
    expect(who.override).toBe('the person at the failure prompt');
    expect(who['human-approval']).toBe('the person at the checkpoint prompt');
  });
});

describe('export --iteration of the latest session that has no valid plan', () => {
  it('exports that iteration (exit 1: invalid) instead of saying no session has a plan', async () => {
    const plan = parse(readFileSync(path.join(ROOT, 'examples', 'deploy-plan.yaml'), 'utf8')) as { steps: { action: string }[] };
    plan.steps = plan.steps.filter((x) => x.action !== 'run-tests');
    const server = await serve(() => ({ content: JSON.stringify(plan) }));
    const dir = tempDir('jupiter-export-nochampion-');
    const env = { JUPITER_API_KEY: 'sk-test-export-key-0042' };
    const run = await runCli(
      ['plan', '--procedure', GOAL, 'Deploy', ...modelFlags(server.url), '-n', '1', '-c', '0', '--unattended', '--repairs', '0', '--memory', dir],
      { env },
    );
    expect(run.code, run.stderr).toBe(3);
    const r = await runCli(['export', '--iteration', '1', '--format', 'json', '--memory', dir]);
    expect(r.code, r.stderr).toBe(1);
    const book = RunbookSchema.parse(JSON.parse(r.stdout));
    expect([book.plan.iteration, book.validation.valid]).toEqual([1, false]);
    // Without --iteration there is nothing to export: said as it is.
    const none = await runCli(['export', '--memory', dir]);
    expect(none.code).toBe(2);
  });
});

describe('exported text is sanitised like the terminal', () => {
  it('control and bidi characters and keys never reach the runbook; CSV quoting survives commas, quotes and formulas', () => {
    const target = findTarget(loadProcedures(SHIPPED), GOAL);
    const fake = `sk-${'a1b2c3d4'.repeat(3)}`;
    const plan = {
      title: 'Deploy \u001b[31mnow\u202e',
      summary: `Key ${fake} here`,
      steps: target.set.actions.slice(0, 3).map((a, i) => ({
        action: a.id,
        description: i === 0 ? `=HYPERLINK("x"), "quoted", and\u200b more` : `step ${i}`,
        owner: `Ann ${fake}`,
      })),
    };
    const book: Runbook = buildRunbook({
      session: { id: 's1', goalText: 'g\u0007', status: 'completed', fork: { parent: `p\u0007 ${fake}`, forkPoint: 2 } },
      target,
      checked: target,
      humanRules: [],
      inheritedRules: [],
      procedureVersion: '000000000000',
      plan,
      iteration: 1,
      source: 'iteration',
      objectives: objectivesOf(target),
      score: scorePlan(plan, target),
      validation: validatePlan(plan, target),
      reviews: [{ session: 's1', iteration: 1, kind: 'rejection', who: 'p', why: `no \u202eway ${fake}`, when: '2026-01-01T00:00:00.000Z' }],
      jupiter: 'test',
      now: new Date(0),
    });
    const all = [JSON.stringify(book), renderMarkdown(book), renderCsv(book)].join('\n');
    expect(all).not.toContain(fake);
    expect(all).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u202a-\u202e\u200b]/);
    expect(book.steps).toHaveLength(schedulePlan(plan, target).steps.length);
    const rows = parseCsv(renderCsv(book));
    expect(rows[1]![rows[0]!.indexOf('description')]).toBe(`'=HYPERLINK("x"), "quoted", and more`);
  });
});

describe('export of a fork', () => {
  it('lists the rules in force, those inherited from the parent named, and says it is a fork of the parent at iteration N', async () => {
    const dir = tempDir('jupiter-export-fork-');
    const run = await runCli(['plan', '--procedure', GOAL, 'Deploy the orchestrator', '-n', '2', '-c', '0', '--unattended', '--memory', dir]);
    expect(run.code, run.stderr).toBe(0);
    const parent = JSON.parse((await runCli(['sessions', '--json', '--memory', dir])).stdout).sessions[0].id as string;
    // A person's rejection at the parent's iteration 1 made a rule for that session alone.
    const target = findTarget(loadProcedures(SHIPPED), GOAL);
    const reason = 'Attach evidence to the staging deployment';
    const mem = await Memory.open(dir);
    await mem.commitReview({
      session: parent,
      iteration: 1,
      time: '2026-01-01T00:01:00.000Z',
      goalText: 'Deploy the orchestrator',
      procedure: 'production-deployment',
      goalId: 'deploy-service',
      kind: 'rejection',
      reason,
      constraints: readFeedback(reason, target).constraints,
      confirmed: true,
      scope: 'session',
      plan: null,
    });
    await mem.close();
    const forked = await runCli(['resume', parent, '--from', '2', '--fork', '-n', '1', '--unattended', '--memory', dir]);
    expect(forked.code, forked.stderr).toBe(0);
    const fork = (JSON.parse((await runCli(['sessions', '--json', '--memory', dir])).stdout).sessions as { id: string; parent: string | null }[]).find(
      (s) => s.parent === parent,
    )!.id;
    const out = async (format: string) => {
      const r = await runCli(['export', fork, '--format', format, '--memory', dir]);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout;
    };
    const book = RunbookSchema.parse(JSON.parse(await out('json')));
    expect(book.session.fork).toEqual({ parent, forkPoint: 2 });
    expect(book.humanRules).toHaveLength(1);
    expect(book.inheritedRules).toEqual(book.humanRules);
    // The line's reviews up to the fork point, each with the session it was made in.
    expect(book.reviews.map((r) => [r.session, r.iteration, r.kind])).toEqual([
      [parent, 2, 'checkpoint'],
      [parent, 1, 'rejection'],
    ]);
    const inherited = `${book.humanRules[0]} (inherited: in force when it branched from ${parent})`;
    const saysFork = `a fork of session ${parent} after iteration 2 (iterations 1–2 inherited, the rest its own)`;
    const markdown = await out('md');
    expect(markdown).toContain(`- Session ${fork} is ${saysFork}\n`);
    // Its champion is the parent's (the fork's one iteration found nothing better): the plan is named as the parent's.
    expect(book.plan.iteration).toBeLessThanOrEqual(2);
    const whose = `- Plan: the champion of iteration ${book.plan.iteration}, inherited from session ${parent}\n`;
    expect(markdown).toContain(whose);
    expect(await out('html')).toContain(`<li>${whose.slice(2, -1)}</li>`);
    expect(markdown).toContain(`## Human rules in force\n\n- ${inherited}\n`);
    expect(markdown).toContain(`| ${parent} | 1 | rejection | the person at the prompt | ${reason} |`);
    const html = await out('html');
    expect(html).toContain(`<li>Session ${fork} is ${saysFork}</li>`);
    expect(html).toContain(`<li>${inherited.replace(/"/g, '&quot;')}</li>`);
    const [header, ...rows] = parseCsv(await out('csv'));
    expect(rows.length).toBe(book.steps.length);
    for (const row of rows) {
      expect(row[header!.indexOf('session')]).toBe(`${fork}, ${saysFork}`);
      expect(row[header!.indexOf('human_rules_in_force')]).toBe(inherited);
    }
    // The parent itself: not a fork, the same rule its own.
    const own = RunbookSchema.parse(JSON.parse((await runCli(['export', parent, '--format', 'json', '--memory', dir])).stdout));
    expect([own.session.fork, own.humanRules, own.inheritedRules]).toEqual([null, book.humanRules, []]);
  });
});

describe('forkText', () => {
  const at = (forkPoint: number) => forkText({ session: { fork: { parent: 'p', forkPoint } } } as unknown as Runbook);
  it('names the inherited iterations in words a person reads: one, several, none', () => {
    expect(at(1)).toBe('a fork of session p after iteration 1 (iteration 1 inherited, the rest its own)');
    expect(at(3)).toBe('a fork of session p after iteration 3 (iterations 1–3 inherited, the rest its own)');
    expect(at(0)).toBe('a fork of session p after iteration 0 (the rest its own)');
  });
});
