// The local fake model the tests and the bench talk to: with `record: false` it answers and keeps no requests.
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { startFakeOpenAI } from './support/fake-openai.js';

describe('fake OpenAI server', () => {
  it('records requests by default, and none with record: false (the bench serves thousands)', async () => {
    for (const record of [true, false]) {
      const server = await startFakeOpenAI(() => ({ content: 'hello' }), { record });
      try {
        const client = new OpenAI({ baseURL: server.url, apiKey: 'sk-test-0000', maxRetries: 0 });
        const answer = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
        expect(answer.choices[0]?.message.content).toBe('hello');
        expect(server.chatRequests()).toHaveLength(record ? 1 : 0);
      } finally {
        await server.close();
      }
    }
  });
});
