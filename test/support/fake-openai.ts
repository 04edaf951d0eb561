// The local OpenAI-compatible test server lives in tools/ (the torture harness uses it too); tests get a
// per-test helper that starts servers and closes them after each test.
import { afterEach } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI, type Script } from '../../tools/fake-openai.js';

export * from '../../tools/fake-openai.js';

/** Call at module level: returns `serve(script)`, whose servers are closed after each test. */
export function fakeServers(): { serve: (script: Script) => Promise<FakeOpenAI>; track: (server: FakeOpenAI) => void; forget: (server: FakeOpenAI) => void } {
  const open = new Set<FakeOpenAI>();
  afterEach(async () => {
    const all = [...open];
    open.clear();
    await Promise.all(all.map((s) => s.close()));
  });
  return {
    serve: async (script) => {
      const server = await startFakeOpenAI(script, { models: ['test-model'] });
      open.add(server);
      return server;
    },
    track: (server) => void open.add(server),
    forget: (server) => void open.delete(server),
  };
}
