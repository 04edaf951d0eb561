// A runbook as one self-contained, printable HTML page: the same content as the Markdown, with the Gantt chart drawn as SVG.
import { formatDuration } from '../procedures/schedule.js';
import { findingCounts, forkText, humanRuleText, planText, type Runbook } from './runbook.js';

const esc = (s: string | number) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:62em;color:#111;padding:0 1em}
table{border-collapse:collapse;width:100%;margin:.5em 0}th,td{border:1px solid #bbb;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#eee}.crit{color:#b00020;font-weight:600}svg text{font:12px system-ui,sans-serif}
.bar{fill:#4a78c2}.bar.crit{fill:#c62828}.grid{stroke:#ddd}ul.check{list-style:none;padding-left:0}ul.check ul.check{padding-left:1.6em}
.verdict.ok{color:#1b5e20}.verdict.bad{color:#b00020}
@media print{body{margin:0;max-width:none}section{break-inside:avoid}}`;

const ROW = 22;
const LABEL = 260;
const CHART = 560;

/** The chart: one bar per step on an elapsed-time axis, critical bars red; text labels on the left. */
function ganttSvg(book: Runbook): string {
  const span = Math.max(book.makespan, 1);
  const x = (t: number) => LABEL + (t / span) * CHART;
  const height = (book.steps.length + 1) * ROW + 10;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const t = f * book.makespan;
    return `<line class="grid" x1="${x(t)}" y1="0" x2="${x(t)}" y2="${height - 18}"/><text x="${x(t)}" y="${height - 4}" text-anchor="middle">${esc(formatDuration(t))}</text>`;
  });
  const bars = book.steps.map((s, i) => {
    const y = i * ROW + 4;
    const w = Math.max(x(s.end) - x(s.start), 3);
    const label = `${s.step}. ${s.action}`;
    return (
      `<text x="4" y="${y + 14}">${esc(label.length > 38 ? `${label.slice(0, 37)}…` : label)}</text>` +
      `<rect class="bar${s.critical ? ' crit' : ''}" data-step="${s.step}" x="${x(s.start)}" y="${y}" width="${w}" height="${ROW - 6}" rx="3">` +
      `<title>${esc(`${label}: ${formatDuration(s.start)} to ${formatDuration(s.end)}`)}</title></rect>`
    );
  });
  return `<svg class="gantt" role="img" aria-label="Gantt chart" width="${LABEL + CHART + 40}" height="${height}" xmlns="http://www.w3.org/2000/svg">${ticks.join('')}${bars.join('')}</svg>`;
}

const table = (head: string[], rows: (string | number)[][]) =>
  `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;

const section = (title: string, body: string) => `<section><h2>${esc(title)}</h2>${body}</section>`;
const list = (items: string[], empty: string) => (items.length ? `<ul>${items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>` : `<p>${esc(empty)}</p>`);

function body(book: Runbook): string {
  const v = book.validation;
  const schedule = table(
    ['step', 'action', 'role / person', 'start', 'end', 'depends on'],
    book.steps.map((s) => [
      s.step,
      `${s.action}${s.critical ? ' (critical)' : ''}`,
      s.assignee || '–',
      `+${formatDuration(s.start)}`,
      `+${formatDuration(s.end)}`,
      s.dependsOn.join(', ') || '–',
    ]),
  );
  const checks = book.steps
    .map(
      (s) =>
        `<li><label><input type="checkbox"> <b>${esc(`${s.step}. ${s.action}`)}</b> (${esc(s.assignee || 'unassigned')})${s.description ? `: ${esc(s.description)}` : ''}</label>` +
        // Nothing to tick when the procedure names no evidence for the step.
        `<ul class="check"><li>${s.evidence ? `<label><input type="checkbox"> evidence: ${esc(s.evidence)}</label>` : 'evidence: none named'}</li></ul></li>`,
    )
    .join('');
  const fork = book.session.fork !== null;
  const reviews = book.reviews.length
    ? table(
        [...(fork ? ['session'] : []), 'iteration', 'decision', 'who', 'why', 'when'],
        book.reviews.map((r) => [...(fork ? [r.session] : []), r.iteration, r.kind, r.who, r.why || '–', r.when]),
      )
    : '<p>No person reviewed or overrode this session.</p>';
  return [
    `<h1>Runbook: ${esc(book.plan.title)}</h1>`,
    `<ul><li>Goal: ${esc(`${book.session.goal} (${book.procedure.id}/${book.goal.id}: ${book.goal.description})`)}</li>`,
    `<li>Procedure set: ${esc(`${book.procedure.name} (${book.procedure.id}, version ${book.procedure.version})`)}</li>`,
    `<li>Plan: ${esc(planText(book))}</li>`,
    ...(fork ? [`<li>Session ${esc(`${book.session.id} is ${forkText(book)}`)}</li>`] : []),
    `<li>Score: ${esc(book.score.text)}</li><li>Makespan: ${esc(formatDuration(book.makespan))}</li></ul>`,
    `<p>The planner's summary, as written when it proposed the plan: ${esc(book.plan.summary)}</p>`,
    section('Schedule', `${ganttSvg(book)}${schedule}<p>Critical path: red bars; a delay in any of them delays the end.</p>`),
    section('Steps and evidence', `<ul class="check">${checks}</ul>`),
    section(
      'Rules it was checked against',
      list(
        book.rules.map((r) => `${r.text} (${r.severity}${r.origin === 'human' ? ', human rule' : ''})`),
        'None.',
      ),
    ),
    section(
      'Human rules in force',
      list(
        book.humanRules.map((r) => humanRuleText(book, r)),
        'None.',
      ),
    ),
    section('Reviews and overrides', reviews),
    section(
      'Validation',
      `<p>Re-validated at export by jupiter ${esc(v.jupiter)} on ${esc(v.validatedAt)}: <b class="verdict ${v.valid ? 'ok' : 'bad'}">${v.valid ? 'valid' : 'INVALID'}</b> (${findingCounts(v)}) against ${book.rules.length} rules.</p>${list(v.findings, '')}`,
    ),
  ].join('\n');
}

export function renderHtml(book: Runbook): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`Runbook: ${book.plan.title}`)}</title><style>${STYLE}</style></head>
<body>
${body(book)}
</body></html>
`;
}
