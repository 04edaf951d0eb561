// How a memory item reads in a prompt: one fenced-safe line per item (recall budgets exactly this text).
import type { MemoryItem } from './types.js';

/** Tags that fence untrusted text in the planner's user message. */
const FENCE_TAGS = ['memory', 'current_plan', 'findings', 'feedback', 'goal'];
const FENCE_RE = new RegExp(`<(\\s*/?\\s*)(${FENCE_TAGS.join('|')})(?=[\\s>/])`, 'gi');

/** Neutralise fence tags inside data so it cannot close (or open) a fence. */
export function neutraliseFences(text: string): string {
  return text.replace(FENCE_RE, (_m, slash: string, tag: string) => `&lt;${slash}${tag}`);
}

export function oneLine(text: string): string {
  return neutraliseFences(text.replace(/\s+/g, ' ').trim());
}

export function renderMemoryItem(item: MemoryItem): string {
  return `- [${item.kind} ×${item.count}] ${oneLine(item.text)}`;
}
