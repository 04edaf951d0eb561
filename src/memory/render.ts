// How a memory item reads in a prompt: one fenced-safe line per item (recall budgets exactly this text).
import type { MemoryItem } from './types.js';

/** Tags that fence untrusted text in the planner's user message. */
const FENCE_TAGS = ['memory', 'current_plan', 'findings', 'feedback', 'goal', 'champion', 'failed_plan'];
const FENCE_RE = new RegExp(`<(\\s*/?\\s*)(${FENCE_TAGS.join('|')})(?=[\\s>/])`, 'gi');

/** Neutralise fence tags inside data so it cannot close (or open) a fence. */
export function neutraliseFences(text: string): string {
  return text.replace(FENCE_RE, (_m, slash: string, tag: string) => `&lt;${slash}${tag}`);
}

export function oneLine(text: string): string {
  return neutraliseFences(text.replace(/\s+/g, ' ').trim());
}

/** Support on a log scale (×1, ×2, ×3+, ×5+, ×10+, ×20+, ×50+, ×100+...): informative, yet stable across iterations. */
const LADDER = [3, 5];
for (let v = 10; v <= 1e9; v *= 10) LADDER.push(v, 2 * v, 5 * v);

function supportLabel(count: number): string {
  if (count <= 2) return `×${count}`;
  let label = 3;
  for (const v of LADDER) {
    if (v > count) break;
    label = v;
  }
  return `×${label}+`;
}

export function renderMemoryItem(item: MemoryItem): string {
  return `- [${item.kind} ${supportLabel(item.count)}${item.human > 0 ? ' human' : ''}] ${oneLine(item.text)}`;
}

/** What an item is, as the prompt names it: a goal's best plan, an insight learned by contrast, a lesson, a person's feedback. */
function itemTag(item: MemoryItem): string {
  if (item.data.type === 'exemplar') return 'best plan';
  if (item.kind === 'pattern') return item.data.type === 'note' ? 'pattern' : 'insight';
  return item.kind;
}

/** An item's line in the recalled list: no counts, so the line stays byte-identical while its support changes. */
export function renderRecalledLine(item: MemoryItem, n: number): string {
  return `${n}. [${itemTag(item)}] ${oneLine(item.text)}`;
}

/** An item's support, for the table after the list: ×N observed, against ×N contradicted, human = confirmed by a person. */
export function renderSupportEntry(item: MemoryItem, n: number): string {
  return `${n} ${supportLabel(item.count)}${item.contra ? ` against ×${item.contra}` : ''}${item.human > 0 ? ' human' : ''}`;
}

const SUPPORT_HEADING = 'Support (×N: times observed; against ×N: times contradicted; human: confirmed by a person):';

/**
 * Recalled memory for a prompt, built to keep the prompt's prefix unchanged between iterations: the items in
 * the order recall returns them (stable within a session, new ones appended), each line free of counts; then the
 * support of each, in one trailing table, since counts change as plans vote.
 */
export function renderMemoryBlock(items: MemoryItem[]): string {
  if (!items.length) return '(nothing recalled yet)';
  const lines = items.map((item, i) => renderRecalledLine(item, i + 1));
  const support = items.map((item, i) => renderSupportEntry(item, i + 1)).join(' · ');
  return `${lines.join('\n')}\n${SUPPORT_HEADING}\n${support}`;
}
