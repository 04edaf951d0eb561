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
const ITEM = /^[-*]\s+(?:×(\d+)\s*·\s*)?(?:(human)(?:\s*×(\d+))?\s*·\s*)?(.*?)\s*(?:<!--\s*(\{.*\})\s*-->)?\s*$/;
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
    if (!/^[-*]\s/.test(line)) return;
    const m = ITEM.exec(line);
    const body = m?.[4]?.trim();
    if (!m || !body) return void skipped.push({ line: i + 1, text: line.slice(0, 80) });
    let meta: Meta = {};
    if (m[5]) {
      try {
        meta = JSON.parse(m[5]) as Meta;
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
    if (scope.goal) item.goal = scope.goal;
    if (meta.s) item.session = meta.s;
    if (meta.seq !== undefined) item.seq = meta.seq;
    items.push(item);
  });
  return { items, watermark, skipped };
}

function itemLine(item: MemoryItem): string {
  const meta: Meta = { id: item.id, k: item.kind, d: item.data, seen: item.lastSeen };
  if (item.session) meta.s = item.session;
  if (item.seq !== undefined) meta.seq = item.seq;
  const human = item.human > 0 ? `human${item.human > 1 ? ` ×${item.human}` : ''} · ` : '';
  return `- ×${item.count} · ${human}${item.text.replace(/\s+/g, ' ')} <!-- ${JSON.stringify(meta)} -->`;
}

export function renderItemsFile(title: string, intro: string, items: MemoryItem[], watermark: number): string {
  const groups = new Map<string, MemoryItem[]>();
  for (const item of items) {
    const key = item.procedure ? `${item.procedure}${item.goal ? ` / ${item.goal}` : ''}` : 'General';
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  const lines = [`# ${title}`, '', intro, ''];
  for (const key of [...groups.keys()].sort()) {
    lines.push(`## ${key}`, '');
    const sorted = groups.get(key)!.sort((a, b) => b.human - a.human || b.count - a.count || a.text.localeCompare(b.text));
    lines.push(...sorted.map(itemLine), '');
  }
  lines.push(`<!-- jupiter: through log entry ${watermark} -->`, '');
  return lines.join('\n');
}
