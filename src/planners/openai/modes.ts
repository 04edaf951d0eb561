// Structured-output modes (json_schema, json_object, plain text) and, per endpoint, which one the server accepted.
import { readRegular } from '../../core/fs/regular.js';
import type OpenAI from 'openai';
import { writeFileAtomic } from '../../core/fs/atomic.js';
import { isObj } from '../../core/value.js';

export type OutputMode = 'json_schema' | 'json_object' | 'text';
export const MODES: readonly OutputMode[] = ['json_schema', 'json_object', 'text'];

export function responseFormat(mode: OutputMode, schema: Record<string, unknown>, name = 'plan'): OpenAI.Chat.ChatCompletionCreateParams['response_format'] {
  // strict: false because the step object allows the further fields a procedure asks for.
  if (mode === 'json_schema') return { type: 'json_schema', json_schema: { name, strict: false, schema } };
  if (mode === 'json_object') return { type: 'json_object' };
  return undefined;
}

/**
 * Which mode worked per `${baseUrl}|${model}`: held by one planner (no module state), and in a JSON file when given
 * so the next process skips the modes a server refused.
 */
export class ModeMemory {
  private readonly known = new Map<string, OutputMode>();

  constructor(private readonly file?: string) {}

  async get(key: string): Promise<OutputMode> {
    const known = this.known.get(key);
    if (known) return known;
    const fromFile = (await this.read())[key];
    const mode = fromFile && MODES.includes(fromFile) ? fromFile : 'json_schema';
    this.known.set(key, mode);
    return mode;
  }

  async set(key: string, mode: OutputMode): Promise<void> {
    if (this.known.get(key) === mode) return;
    this.known.set(key, mode);
    if (!this.file) return;
    try {
      const all = { ...(await this.read()), [key]: mode };
      await writeFileAtomic(this.file, `${JSON.stringify(all, null, 2)}\n`);
    } catch {
      // The cache only saves a round trip; failing to write it must not fail the plan.
    }
  }

  private async read(): Promise<Record<string, OutputMode>> {
    if (!this.file) return {};
    try {
      // Never through a link, never from a FIFO (a hang): anything odd reads as no cache.
      // A few bytes per endpoint: anything near a megabyte is not ours, and is replaced rather than parsed.
      const value = JSON.parse(readRegular(this.file, 1024 * 1024).toString('utf8')) as unknown;
      return isObj(value) ? (value as Record<string, OutputMode>) : {};
    } catch {
      return {};
    }
  }
}
