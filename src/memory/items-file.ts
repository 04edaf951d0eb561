// Reads and writes the consolidated markdown memory files (successful_patterns.md, lessons.md).
// People read and edit these files; each line may carry a hidden JSON comment with its id and meaning.
import { createHash } from 'node:crypto';
import type { Score } from '../procedures/quality.js';
import type { Objective } from '../procedures/types.js';
import type { MemoryData, MemoryItem, MemoryKind } from './types.js';

export interface ItemsFile {
  items: MemoryItem[];
  /** Last log entry reflected in the file. */
  watermark: number;
  /** Lines that could not be read (reported, never silently dropped from the count). */
  skipped: { line: number; text: string }[];
}

const WATERMARK = /^<!-- jupiter: through log entry (\d+) -->$/;
// The visible marks a person reads and may edit: support ×N, votes against, human confirmations. Item text is written
// as it reads (no HTML entities): a `<` shows as `‹` so it can never open a comment, and a text that could read as a
// mark follows every mark written out; the exact text rides in the line's metadata when the visible one differs.
const MARKS = /^[-*]\s+(?:×(\d+)\s*·\s*)?(?:against\s*×(\d+)\s*·\s*)?(?:(human)(?:\s*×(\d+))?\s*·\s*)?(.*)$/s;
const SCOPE = /^##\s+(.+?)\s*$/;

/** Files written before this version escaped these characters as HTML entities: read back as the characters. */
const UNESCAPES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&#215;': '×', '&#183;': '·' };

/** Item text as a person reads it in markdown: one line, `<` shown as `‹` (no comment or tag can open), nothing else changed. */
export function escapeItemText(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/</g, '‹');
}

function unescapeItemText(text: string): string {
  return text.replace(/&(?:amp|lt|#215|#183);/g, (e) => UNESCAPES[e]!);
}

/** The text a line stands for: the exact one in its metadata unless a person edited the visible text. */
function itemTextOf(body: string, exact: string | undefined): string {
  return exact !== undefined && escapeItemText(exact) === body ? exact : unescapeItemText(body);
}

/** JSON with no `<` or `>`, so it can never close (or open) the comment it sits in. */
const commentJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e');

/** Splits a line into its text and the metadata comment closing it (`<!-- {...} -->`), if any. */
function splitMeta(line: string): { body: string; meta?: string } {
  if (!line.endsWith('-->')) return { body: line };
  const at = line.lastIndexOf('<!--');
  if (at < 0) return { body: line };
  const inner = line.slice(at + 4, -3).trim();
  // Only a JSON-looking comment is metadata: a person's own `<!-- note -->` stays part of the text.
  return inner.startsWith('{') ? { body: line.slice(0, at), meta: inner } : { body: line };
}

export function itemId(kind: MemoryKind, key: string): string {
  return `${kind[0]}-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
}

/** Normalised words, for near-duplicate keys of free text. */
export function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/<!--.*?-->/g, '')
    .replace(/[^a-z0-9-]+/g, ' ')
    .trim();
}

interface Meta {
  id?: string;
  k?: MemoryKind;
  d?: MemoryData;
  seen?: string;
  s?: string;
  seq?: number;
  /** The exact item text, when the visible text differs from it (a `<`, or what reads as an old entity). */
  t?: string;
}

const KINDS = new Set<unknown>(['pattern', 'lesson', 'feedback']);
const str = (v: unknown): v is string => typeof v === 'string';

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const OBJECTIVE = new Set<unknown>(['makespan', 'cost', 'risk', 'steps']);

function checkScore(v: unknown): Score | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const x = v as Record<string, unknown>;
  return num(x.makespan) && num(x.cost) && num(x.risk) && num(x.steps) ? { makespan: x.makespan, cost: x.cost, risk: x.risk, steps: x.steps } : undefined;
}

function checkData(d: unknown): MemoryData | undefined {
  if (typeof d !== 'object' || d === null) return undefined;
  const x = d as Record<string, unknown>;
  const rule = str(x.rule) ? { rule: x.rule } : {};
  if (x.type === 'note') return { type: 'note' };
  if (x.type === 'ordering' && str(x.before) && str(x.after)) return { type: 'ordering', before: x.before, after: x.after, ...rule };
  if (x.type === 'include' && str(x.action)) return { type: 'include', action: x.action };
  if (x.type === 'avoid' && str(x.action)) return { type: 'avoid', action: x.action, ...rule };
  if (x.type === 'fix' && str(x.rule) && str(x.action)) return { type: 'fix', rule: x.rule, action: x.action, ...(str(x.before) ? { before: x.before } : {}) };
  if (x.type === 'exemplar' && Array.isArray(x.steps) && x.steps.every(str)) {
    const out: MemoryData = { type: 'exemplar', steps: x.steps };
    const score = checkScore(x.score);
    if (score) out.score = score;
    if (Array.isArray(x.objectives) && x.objectives.every((o) => OBJECTIVE.has(o))) out.objectives = x.objectives as Objective[];
    if (str(x.planId)) out.planId = x.planId;
    if (str(x.session)) out.session = x.session;
    if (num(x.iteration)) out.iteration = x.iteration;
    return out;
  }
  return undefined;
}

/** Metadata a person may have edited: throws unless every field present has its type (the line is then kept as plain text). */
function checkMeta(v: unknown): Meta {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
  const m = v as Record<string, unknown>;
  const d = m.d === undefined ? undefined : checkData(m.d);
  const ok =
    (m.id === undefined || (str(m.id) && m.id !== '')) &&
    (m.k === undefined || KINDS.has(m.k)) &&
    (m.d === undefined || d !== undefined) &&
    (m.seen === undefined || str(m.seen)) &&
    (m.s === undefined || str(m.s)) &&
    (m.seq === undefined || (typeof m.seq === 'number' && Number.isFinite(m.seq))) &&
    (m.t === undefined || str(m.t));
  if (!ok) throw new Error('unexpected metadata');
  const meta = { ...m } as Meta;
  if (d) meta.d = d;
  return meta;
}

type Scope = { procedure?: string; goal?: string };

/** One item line under `scope`, or why it was skipped (a broken line, or metadata kept as a plain line). */
function parseItemLine(line: string, lineNo: number, scope: Scope, defaultKind: MemoryKind, skipped: ItemsFile['skipped']): MemoryItem | undefined {
  const { body: marked, meta: metaText } = splitMeta(line);
  const m = MARKS.exec(marked.trimEnd());
  const body = m?.[5]?.trim();
  if (!m || !body) {
    skipped.push({ line: lineNo, text: line.slice(0, 80) });
    return undefined;
  }
  let meta: Meta = {};
  if (metaText) {
    try {
      meta = checkMeta(JSON.parse(metaText));
    } catch {
      skipped.push({ line: lineNo, text: `unreadable metadata kept as a plain line: ${line.slice(0, 60)}` });
    }
  }
  // A line a person added has no metadata: it is their lesson, weighted as human feedback.
  const kind: MemoryKind = meta.k ?? (defaultKind === 'pattern' ? 'pattern' : 'feedback');
  const itemText = itemTextOf(body, meta.t);
  const item: MemoryItem = {
    id: meta.id ?? itemId(kind, `${scope.procedure ?? ''}|${scope.goal ?? ''}|${normalise(itemText)}`),
    kind,
    text: itemText,
    data: meta.d ?? { type: 'note' },
    count: m[1] ? Number(m[1]) : 1,
    human: m[4] ? Number(m[4]) : m[3] || !meta.id ? 1 : 0,
    lastSeen: meta.seen ?? '',
  };
  if (m[2] && Number(m[2]) > 0) item.contra = Number(m[2]);
  if (scope.procedure) item.procedure = scope.procedure;
  if (scope.goal) item.goalId = scope.goal;
  if (meta.s) item.session = meta.s;
  if (meta.seq !== undefined) item.seq = meta.seq;
  return item;
}

/** The scope a `## procedure / goal` heading sets (General: none). */
function headingScope(line: string, scope: Scope): Scope {
  const sc = SCOPE.exec(line);
  if (!sc) return scope;
  const [procedure, goal] = sc[1]!.split('/').map((x) => x.trim());
  return procedure && procedure.toLowerCase() !== 'general' ? { procedure, ...(goal ? { goal } : {}) } : {};
}

export function parseItemsFile(text: string, defaultKind: MemoryKind): ItemsFile {
  const items: MemoryItem[] = [];
  const skipped: ItemsFile['skipped'] = [];
  let watermark = 0;
  let scope: Scope = {};
  // One pass over the lines, no copies per item: linear in the file's size.
  let lineNo = 0;
  for (const raw of text.split('\n')) {
    lineNo++;
    const line = raw.trim();
    if (line.startsWith('<!--')) {
      const wm = WATERMARK.exec(line);
      if (wm) watermark = Number(wm[1]);
      continue;
    }
    if (line.startsWith('#')) {
      scope = headingScope(line, scope);
      continue;
    }
    // `- ` is trimmed to `-`: an empty bullet is still a broken item line, reported below.
    if (!/^[-*](\s|$)/.test(line)) continue;
    const item = parseItemLine(line, lineNo, scope, defaultKind, skipped);
    if (item) items.push(item);
  }
  return { items, watermark, skipped };
}

function itemLine(item: MemoryItem): string {
  const meta: Meta = { id: item.id, k: item.kind, d: item.data, seen: item.lastSeen };
  if (item.session) meta.s = item.session;
  if (item.seq !== undefined) meta.seq = item.seq;
  const text = escapeItemText(item.text);
  // One line of text, as it is read back; kept exactly in the metadata when the visible text would read otherwise.
  const exact = item.text.replace(/\s+/g, ' ').trim();
  if (unescapeItemText(text) !== exact) meta.t = exact;
  return `${marksFor(item, text)}${text} <!-- ${commentJson(meta)} -->`;
}

/** The marks before an item's text; every one written out (`against ×0 · human ×0`) when the text could read as one. */
function marksFor(item: MemoryItem, text: string): string {
  const against = item.contra ? `against ×${item.contra} · ` : '';
  const human = item.human > 0 ? `human${item.human > 1 ? ` ×${item.human}` : ''} · ` : '';
  const short = `- ×${item.count} · ${against}${human}`;
  if (MARKS.exec(`${short}${text}`)?.[5]?.trim() === text) return short;
  return `- ×${item.count} · against ×${item.contra ?? 0} · human ×${item.human} · `;
}

const order = (a: MemoryItem, b: MemoryItem) =>
  Number(b.data.type === 'exemplar') - Number(a.data.type === 'exemplar') ||
  b.human - a.human ||
  b.count - (b.contra ?? 0) - (a.count - (a.contra ?? 0)) ||
  (a.text < b.text ? -1 : a.text > b.text ? 1 : 0);

/** The file's text: one section per goal (the exemplar first, then by human weight and support). Linear in the items (plus a sort per section). */
export function renderItemsFile(title: string, intro: string, items: MemoryItem[], watermark: number): string {
  const groups = new Map<string, MemoryItem[]>();
  for (const item of items) {
    const key = item.procedure ? `${item.procedure}${item.goalId ? ` / ${item.goalId}` : ''}` : 'General';
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  const lines = [`# ${title}`, '', intro, ''];
  for (const key of [...groups.keys()].sort()) {
    lines.push(`## ${key}`, '');
    for (const item of groups.get(key)!.sort(order)) lines.push(itemLine(item));
    lines.push('');
  }
  lines.push(`<!-- jupiter: through log entry ${watermark} -->`, '');
  return lines.join('\n');
}
