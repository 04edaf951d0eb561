// One chat completion through an injected OpenAI-compatible client, for drafting procedures (JSON mode when the server has it).
import type OpenAI from 'openai';
import { RuntimeFailure } from '../../core/errors.js';
import { redactSecrets } from '../../core/secrets.js';
import type { Complete } from './draft.js';

const FORMAT_REJECTION = /response_format|json_object|structured|unsupported|not supported/i;

export interface ModelCompleteOptions {
  client: OpenAI;
  model: string;
  baseUrl: string;
  /** Variable to name when the key is refused. */
  keyVariable: string;
  signal?: AbortSignal;
}

/**
 * A `Complete` over the client. Retries of rate limits and server errors are the SDK's (its maxRetries); a server
 * that rejects JSON mode is asked again in plain text, and the draft reader finds the JSON in it.
 */
export function modelComplete(opts: ModelCompleteOptions): Complete {
  let jsonMode = true;
  return async (messages) => {
    for (;;) {
      try {
        const answer = await opts.client.chat.completions.create(
          { model: opts.model, messages, temperature: 0.2, ...(jsonMode ? { response_format: { type: 'json_object' as const } } : {}) },
          opts.signal ? { signal: opts.signal } : undefined,
        );
        // A key the server echoes back must not reach a file.
        return redactSecrets(answer.choices[0]?.message?.content ?? '');
      } catch (err) {
        const e = err as { status?: number; message?: string };
        if (jsonMode && e.status === 400 && FORMAT_REJECTION.test(e.message ?? '')) {
          jsonMode = false;
          continue;
        }
        const why =
          e.status === 401 || e.status === 403
            ? `refused the API key: set JUPITER_API_KEY or ${opts.keyVariable}`
            : (e.message ?? String(err)).replace(/\s+/g, ' ');
        throw new RuntimeFailure(redactSecrets(`${opts.baseUrl}: ${why}`), { cause: err });
      }
    }
  };
}
