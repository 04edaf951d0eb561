// A runbook as Markdown: the schedule as a table and a Mermaid gantt (critical path marked), evidence checkboxes, rules, reviews.
import { formatDuration } from '../procedures/schedule.js';
import { findingCounts, forkText, humanRuleText, planText, type Runbook, type RunbookStep } from './runbook.js';

/** Text inside a table cell: no pipe splits the row, no newline ends it. */
const cell = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|') || '–';
/** Markdown's own characters shown as text, so exported words never become links, headings or HTML. */
const md = (s: string) => s.replace(/([\\`*_[\]<>#|])/g, '\\$1');
/** A Mermaid task name: its syntax uses `:` (fields), `#` and `;` (comments, entities). */
const taskName = (s: string) => s.replace(/[:#;]/g, ' ').replace(/\s+/g, ' ').trim();

const taskId = (n: number) => `s${n}`;

/** Mermaid duration of a step (`30m`; a zero-length step is a milestone). */
const duration = (s: RunbookStep) => `${Math.max(0, Math.round(s.end - s.start))}m`;

/**
 * One task per step: a step with no dependency starts at 0, the others `after` the steps they wait for (Mermaid
 * starts a task when the last of them ends, as the scheduler does). `dateFormat X` counts seconds from 0, so the
 * axis reads as elapsed time.
 */
function mermaidGantt(book: Runbook): string[] {
  const lines = ['gantt', `  title ${taskName(book.plan.title) || 'Runbook'}`, '  dateFormat X', '  axisFormat %d-%H:%M', '  section Steps'];
  for (const s of book.steps) {
    const tags = [s.critical ? 'crit' : '', s.end === s.start ? 'milestone' : ''].filter(Boolean);
    const when = s.dependsOn.length ? `after ${s.dependsOn.map(taskId).join(' ')}` : '0';
    lines.push(`  ${taskName(`${s.step}. ${s.action} (${s.assignee})`)} :${[...tags, taskId(s.step), when, duration(s)].join(', ')}`);
  }
  return lines;
}

function scheduleTable(book: Runbook): string[] {
  const rows = book.steps.map(
    (s) =>
      `| ${s.step} | ${cell(md(s.action))}${s.critical ? ' (critical)' : ''} | ${cell(md(s.assignee))} | +${formatDuration(s.start)} | +${formatDuration(s.end)} | ${s.dependsOn.join(', ') || '–'} |`,
  );
  return ['| step | action | role / person | start | end | depends on |', '| --- | --- | --- | --- | --- | --- |', ...rows];
}

function checklist(book: Runbook): string[] {
  return book.steps.flatMap((s) => [
    `- [ ] **${s.step}. ${md(s.action)}** (${md(s.assignee) || 'unassigned'})${s.description ? `: ${md(s.description)}` : ''}`,
    // Nothing to tick when the procedure names no evidence for the step.
    s.evidence ? `  - [ ] evidence: ${md(s.evidence)}` : '  - evidence: none named',
  ]);
}

function reviewLines(book: Runbook): string[] {
  if (!book.reviews.length) return ['No person reviewed or overrode this session.'];
  // A fork's line holds its parent's reviews too: say whose each was.
  const fork = book.session.fork !== null;
  return [
    `| ${fork ? 'session | ' : ''}iteration | decision | who | why | when |`,
    `| ${fork ? '--- | ' : ''}--- | --- | --- | --- | --- |`,
    ...book.reviews.map(
      (r) => `| ${fork ? `${cell(md(r.session))} | ` : ''}${r.iteration} | ${r.kind} | ${cell(md(r.who))} | ${cell(md(r.why))} | ${r.when} |`,
    ),
  ];
}

function validationLines(book: Runbook): string[] {
  const v = book.validation;
  const verdict = v.valid ? 'valid' : 'INVALID';
  return [
    `Re-validated at export by jupiter ${v.jupiter} on ${v.validatedAt}: **${verdict}** (${findingCounts(v)}) against ${book.rules.length} rules.`,
    ...v.findings.map((f) => `- ${md(f)}`),
  ];
}

export function renderMarkdown(book: Runbook): string {
  const lines = [
    `# Runbook: ${md(book.plan.title)}`,
    '',
    `- Goal: ${md(book.session.goal)} (${md(book.procedure.id)}/${md(book.goal.id)}: ${md(book.goal.description)})`,
    `- Procedure set: ${md(book.procedure.name)} (${md(book.procedure.id)}, version ${book.procedure.version})`,
    `- Plan: ${md(planText(book))}`,
    ...(book.session.fork ? [`- Session ${md(book.session.id)} is ${md(forkText(book))}`] : []),
    `- Score: ${book.score.text} (objectives: ${book.objectives.join(', ')})`,
    `- Makespan: ${formatDuration(book.makespan)}`,
    '',
    `The planner's summary, as written when it proposed the plan: ${md(book.plan.summary)}`,
    '',
    '## Schedule',
    '',
    ...scheduleTable(book),
    '',
    '```mermaid',
    ...mermaidGantt(book),
    '```',
    '',
    'Critical path: steps marked critical (red in the chart); a delay in any of them delays the end.',
    '',
    '## Steps and evidence',
    '',
    ...checklist(book),
    '',
    '## Rules it was checked against',
    '',
    ...book.rules.map((r) => `- ${md(r.text)} (${r.severity}${r.origin === 'human' ? ', human rule' : ''})`),
    '',
    '## Human rules in force',
    '',
    ...(book.humanRules.length ? book.humanRules.map((r) => `- ${md(humanRuleText(book, r))}`) : ['None.']),
    '',
    '## Reviews and overrides',
    '',
    ...reviewLines(book),
    '',
    '## Validation',
    '',
    ...validationLines(book),
    '',
  ];
  return lines.join('\n');
}
