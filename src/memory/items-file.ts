// Reads and writes the consolidated markdown memory files (successful_patterns.md, lessons.md).
// People read and edit these files; each line may carry a hidden JSON comment with its id and meaning.
import { createHash } from 'node:crypto';
import type { MemoryData, MemoryItem, MemoryKind } from './types.js';

export interface ItemsFile {
  items: MemoryItem[];
  /** Last log entry reflected in the file. */
  watermark: number;
  /** Lines that could not be read (reported, never silently dropped from the count). */
  skipped: { line: number; text: string }[];
}

const WATERMARK = /^<!-- jupiter: through log entry (\d+) -->$/;
// The metadata is the last `<!-- {...} -->` comment closing the line (text may hold comments of its own);
// any `<!-- {...` there counts, so unreadable JSON is reported, not kept as part of the text.
const ITEM = /^[-*]\s+(?:×(\d+)\s*·\s*)?(?:(human)(?:\s*×(\d+))?\s*·\s*)?(.*?)\s*(?:<!--\s*(\{(?:(?!<!--).)*?)\s*-->)?\s*$/;
const SCOPE = /^##\s+(.+?)\s*$/;

export function itemId(kind: MemoryKind, key: string): string {
  return `${kind[0]}-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
}

/** Normalised words, for near-duplicate keys of free text. */
export function normalise(text: string): string {
  return text.toLowerCase().replace(/<!--.*?-->/g, '').replace(/[^a-z0-9-]+/g, ' ').trim();
}

interface Meta {
  id?: string;
  k?: MemoryKind;
  d?: MemoryData;
  seen?: string;
  s?: string;
  seq?: number;
}

const KINDS = new Set<unknown>(['pattern', 'lesson', 'feedback']);
const str = (v: unknown): v is string => typeof v === 'string';

function checkData(d: unknown): MemoryData | undefined {
  if (typeof d !== 'object' || d === null) return undefined;
  const x = d as Record<string, unknown>;
  if (x.type === 'note') return { type: 'note' };
  if (x.type === 'ordering' && str(x.before) && str(x.after)) return { type: 'ordering', before: x.before, after: x.after };
  if ((x.type === 'include' || x.type === 'avoid') && str(x.action)) return { type: x.type, action: x.action };
  if (x.type === 'fix' && str(x.rule) && str(x.action)) return { type: 'fix', rule: x.rule, action: x.action };
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
    (m.seq === undefined || (typeof m.seq === 'number' && Number.isFinite(m.seq)));
  if (!ok) throw new Error('unexpected metadata');
  return m as Meta;
}

export function parseItemsFile(text: string, defaultKind: MemoryKind): ItemsFile {
  const items: MemoryItem[] = [];
  const skipped: ItemsFile['skipped'] = [];
  let watermark = 0;
  let scope: { procedure?: string; goal?: string } = {};
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    const wm = WATERMARK.exec(line);
    if (wm) return void (watermark = Number(wm[1]));
    const sc = SCOPE.exec(line);
    if (sc) {
      const [procedure, goal] = sc[1]!.split('/').map((x) => x.trim());
      scope = procedure && procedure.toLowerCase() !== 'general' ? { procedure, ...(goal ? { goal } : {}) } : {};
      return;
    }
    // `- ` is trimmed to `-`: an empty bullet is still a broken item line, reported below.
    if (!/^[-*](\s|$)/.test(line)) return;
    const m = ITEM.exec(line);
    const body = m?.[4]?.trim();
    if (!m || !body) return void skipped.push({ line: i + 1, text: line.slice(0, 80) });
    let meta: Meta = {};
    if (m[5]) {
      try {
        meta = checkMeta(JSON.parse(m[5]));
      } catch {
        skipped.push({ line: i + 1, text: `unreadable metadata kept as a plain line: ${line.slice(0, 60)}` });
      }
    }
    // A line a person added has no metadata: it is their lesson, weighted as human feedback.
    const kind: MemoryKind = meta.k ?? (defaultKind === 'pattern' ? 'pattern' : 'feedback');
    const item: MemoryItem = {
      id: meta.id ?? itemId(kind, `${scope.procedure ?? ''}|${scope.goal ?? ''}|${normalise(body)}`),
      kind,
      text: body,
      data: meta.d ?? { type: 'note' },
      count: m[1] ? Number(m[1]) : 1,
      human: m[3] ? Number(m[3]) : m[2] || !meta.id ? 1 : 0,
      lastSeen: meta.seen ?? '',
    };
    if (scope.procedure) item.procedure = scope.procedure;
    if (scope.goal) item.goalId = scope.goal;
    if (meta.s) item.session = meta.s;
    if (meta.seq !== undefined) item.seq = meta.seq;
    items.push(item);
  });
  return { items, watermark, skipped };
}

/** Rendered lines by item, reused while the item is unchanged (a commit touches a few dozen of hundreds). */
const lineCache = new WeakMap<MemoryItem, { key: string; line: string }>();

function itemLine(item: MemoryItem): string {
  const key = `${item.count}|${item.human}|${item.seq ?? ''}|${item.lastSeen}|${item.session ?? ''}|${item.text}`;
  const hit = lineCache.get(item);
  if (hit?.key === key) return hit.line;
  const line = renderItemLine(item);
  lineCache.set(item, { key, line });
  return line;
}

function renderItemLine(item: MemoryItem): string {
  const meta: Meta = { id: item.id, k: item.kind, d: item.data, seen: item.lastSeen };
  if (item.session) meta.s = item.session;
  if (item.seq !== undefined) meta.seq = item.seq;
  const human = item.human > 0 ? `human${item.human > 1 ? ` ×${item.human}` : ''} · ` : '';
  return `- ×${item.count} · ${human}${item.text.replace(/\s+/g, ' ')} <!-- ${JSON.stringify(meta)} -->`;
}

export function renderItemsFile(title: string, intro: string, items: MemoryItem[], watermark: number): string {
  const groups = new Map<string, MemoryItem[]>();
  for (const item of items) {
    const key = item.procedure ? `${item.procedure}${item.goalId ? ` / ${item.goalId}` : ''}` : 'General';
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  const lines = [`# ${title}`, '', intro, ''];
  for (const key of [...groups.keys()].sort()) {
    lines.push(`## ${key}`, '');
    const sorted = groups.get(key)!.sort((a, b) => b.human - a.human || b.count - a.count || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
    lines.push(...sorted.map(itemLine), '');
  }
  lines.push(`<!-- jupiter: through log entry ${watermark} -->`, '');
  return lines.join('\n');
}
