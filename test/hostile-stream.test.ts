// A hostile or broken server's stream through the real openai client: a chunk nested a million deep, or one that is
// not a chat completion chunk at all, is a clear planner error naming the server, never a TypeError or a stack overflow.
import { describe, expect, it } from 'vitest';
import { recordsIn } from '../src/memory/log-file.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runCli, SHIPPED, tempDir } from './support/cli.js';
import { fakeServers, modelFlags } from './support/fake-openai.js';

const { serve } = fakeServers();
const DEPTH = 1_000_000;

const CASES: [string, string][] = [
  ['an array nested 1e6 deep', `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`],
  ['choices nested 1e6 deep', `{"id":"x","object":"chat.completion.chunk","choices":${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}}`],
  ['a chunk whose choices is not a list', '{"id":"x","object":"chat.completion.chunk","choices":{"0":{"delta":{"content":"hi"}}}}'],
];

describe('a stream chunk that is not a chat completion chunk', () => {
  for (const [name, data] of CASES) {
    it(`${name}: the iteration fails with a clear error naming the server, logged; the run ends with exit 1`, async () => {
      const cwd = tempDir('jupiter-sse-');
      const server = await serve(() => ({ rawEvents: [data] }));
      const r = await runCli(['plan', 'Deploy the orchestrator', ...modelFlags(server.url), '--unattended', '-n', '1', '--procedures', SHIPPED], {
        cwd,
        env: { JUPITER_API_KEY: 'sk-test-hostile-stream', JUPITER_MAX_RETRIES: '0' },
      });
      const out = r.stdout + r.stderr;
      expect(out).not.toMatch(/Cannot read properties|TypeError|Maximum call stack|RangeError/);
      const [rec] = recordsIn(readFileSync(path.join(cwd, 'memory', 'execution_log.md'), 'utf8')).records;
      expect(rec?.error).toMatch(
        new RegExp(`${server.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: the server sent a stream chunk that is not a chat completion chunk`),
      );
      expect(r.code).toBe(1);
    });
  }
});
