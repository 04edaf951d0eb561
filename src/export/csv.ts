// A runbook as CSV for ticket import (RFC 4180): one row per step; "depends on" names other rows by their step number.
import { formatDuration } from '../procedures/schedule.js';
import { forkText, humanRuleText, type Runbook } from './runbook.js';

const HEADER = [
  'step',
  'summary',
  'description',
  'assignee',
  'role',
  'start_after',
  'end_after',
  'start_minutes',
  'end_minutes',
  'depends_on',
  'critical',
  'evidence',
  'session',
  'human_rules_in_force',
];

/**
 * A field quoted when it must be (comma, quote, line break); a field a spreadsheet would run as a formula
 * (`=`, `+`, `-`, `@` first) gets a leading apostrophe, as OWASP advises for CSV exports.
 */
function field(value: string | number): string {
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Every row carries the session (a fork says where it branched) and the human rules in force: a ticket stands alone. */
export function renderCsv(book: Runbook): string {
  const session = `${book.session.id}${book.session.fork ? `, ${forkText(book)}` : ''}`;
  const rules = book.humanRules.map((r) => humanRuleText(book, r)).join('; ');
  const rows = book.steps.map((s) => [
    s.step,
    `${s.step}. ${s.action}`,
    s.description,
    s.assignee,
    s.role,
    formatDuration(s.start),
    formatDuration(s.end),
    s.start,
    s.end,
    s.dependsOn.join(' '),
    s.critical ? 'yes' : 'no',
    s.evidence,
    session,
    rules,
  ]);
  return `${[HEADER, ...rows].map((r) => r.map(field).join(',')).join('\r\n')}\r\n`;
}
