// The planner's fetch over node:http: what the OpenAI SDK needs from fetch (streamed answers, statuses and headers,
// aborts, connection errors, redirects), against real local servers.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { classify } from '../src/planners/openai/errors.js';
import { modelFetch } from '../src/planners/openai/node-fetch.js';
import { fakeServers } from './support/fake-openai.js';

const { serve } = fakeServers();
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

/** A plain local server; returns its origin and the client port of each request (a new port: a new connection). */
async function plain(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ origin: string; ports: number[] }> {
  const ports: number[] = [];
  const server = createServer((req, res) => {
    ports.push(req.socket.remotePort ?? 0);
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, ports };
}

const client = (baseURL: string) => new OpenAI({ apiKey: 'sk-test-0000', baseURL, maxRetries: 0, fetch: modelFetch() });

describe('modelFetch (node:http) under the OpenAI SDK', () => {
  it('streams a chat answer, with the usage, over one kept-alive connection', async () => {
    const server = await serve(() => ({ content: 'a plan, streamed in pieces', usage: { prompt_tokens: 12, completion_tokens: 7 } }));
    const openai = client(server.url);
    for (let round = 0; round < 2; round++) {
      const stream = await openai.chat.completions.create({
        model: 'test-model',
        messages: [{ role: 'user', content: 'plan' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let usage: unknown;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? '';
        if (chunk.usage) usage = chunk.usage;
      }
      expect(text).toBe('a plan, streamed in pieces');
      expect(usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 7 });
    }
    expect(server.chatRequests()).toHaveLength(2);
    expect(server.chatRequests()[0]!.headers.authorization).toBe('Bearer sk-test-0000');
  });

  it('hands the SDK the status and headers of a refusal (a 429 with retry-after is a rate limit to wait out)', async () => {
    const server = await serve(() => ({ status: 429, headers: { 'retry-after': '7' }, body: { error: { message: 'slow down' } } }));
    const err = await client(server.url)
      .chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'plan' }] })
      .catch((e: unknown) => e);
    expect(classify(err, { aborted: false, timedOut: false })).toMatchObject({ kind: 'rate-limit', retryAfterMs: 7000 });
  });

  it('reports a refused connection as fetch does: a TypeError whose cause names the socket error', async () => {
    const { origin } = await plain((_q, r) => r.end());
    await closers.splice(0)[0]!();
    const err = (await modelFetch()(`${origin}/v1/models`).catch((e: unknown) => e)) as TypeError & { cause?: { code?: string } };
    expect(err).toBeInstanceOf(TypeError);
    expect(err.cause?.code).toBe('ECONNREFUSED');
    expect(
      classify(
        await client(`${origin}/v1`)
          .models.list()
          .catch((e: unknown) => e),
        { aborted: false, timedOut: false },
      ),
    ).toMatchObject({
      kind: 'network',
      reason: 'connection failed (ECONNREFUSED)',
    });
  });

  it('ends a body that is being read with an AbortError when the signal fires', async () => {
    const { origin } = await plain((_q, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      // ...and nothing more: the reader is waiting when the abort comes.
    });
    const controller = new AbortController();
    const response = await modelFetch()(origin, { signal: controller.signal });
    const seen: string[] = [];
    const read = (async () => {
      for await (const chunk of response.body as unknown as AsyncIterable<Buffer>) {
        seen.push(chunk.toString());
        controller.abort();
      }
    })();
    await expect(read).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual(['data: first\n\n']);
    await expect(modelFetch()(origin, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('follows a 307 with the same method and body, and sends bytes as well as text', async () => {
    const { origin, ports } = await plain((req, res) => {
      if (req.url === '/old') {
        res.writeHead(307, { location: '/new' }).end();
        return;
      }
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => res.writeHead(200, { 'x-echo': req.method ?? '' }).end(body));
    });
    const fetch = modelFetch();
    const moved = await fetch(`${origin}/old`, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } });
    expect([moved.status, moved.headers.get('x-echo'), await moved.text()]).toEqual([200, 'POST', '{"a":1}']);
    const bytes = await fetch(`${origin}/new`, { method: 'POST', body: new TextEncoder().encode('bytes') });
    expect(await bytes.text()).toBe('bytes');
    await (await fetch(`${origin}/new`)).text();
    // The last two requests, one after the other, share a connection: the agent keeps it alive.
    expect(ports.slice(-2)[0]).toBe(ports.slice(-2)[1]);
  });
});
