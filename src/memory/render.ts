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

export function supportLabel(count: number): string {
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
