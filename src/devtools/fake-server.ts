// A minimal local OpenAI-compatible server (chat completions with SSE streaming and usage) for the torture harness.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeReply {
  content: string;
  usage: { prompt_tokens: number; completion_tokens: number; cached_tokens?: number };
  /** Pause between streamed chunks (ms). */
  chunkDelayMs?: number;
  /** Characters per streamed delta (default 16). */
  chunkChars?: number;
}

export interface FakeServer {
  /** Base URL including `/v1`. */
  url: string;
  /** Chat-completion requests answered so far. */
  requests(): number;
  close(): Promise<void>;
}

interface ChatBody {
  model?: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function usageJson(u: FakeReply['usage']) {
  return { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens, total_tokens: u.prompt_tokens + u.completion_tokens, prompt_tokens_details: { cached_tokens: u.cached_tokens ?? 0 } };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startFakeServer(script: (index: number) => FakeReply, models: string[] = ['test-model']): Promise<FakeServer> {
  const sockets = new Set<Socket>();
  let index = 0;
  let closed = false;
  let seq = 0;

  async function stream(res: ServerResponse, body: ChatBody, reply: FakeReply): Promise<void> {
    const id = `chatcmpl-torture-${++seq}`;
    const created = Math.floor(Date.now() / 1000);
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model ?? 'test-model', choices, ...extra })}\n\n`;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]));
    const size = reply.chunkChars ?? 16;
    for (let i = 0; i < reply.content.length; i += size) {
      if (reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
      // The client was killed mid-stream: stop quietly.
      if (closed || res.destroyed || res.writableEnded) return;
      res.write(chunk([{ index: 0, delta: { content: reply.content.slice(i, i + size) }, finish_reason: null }]));
    }
    res.write(chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]));
    if (body.stream_options?.include_usage) res.write(chunk([], { usage: usageJson(reply.usage) }));
    res.end('data: [DONE]\n\n');
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.on('error', () => undefined);
    const raw = await readBody(req);
    const route = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && route === '/v1/models') {
      return sendJson(res, 200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'torture' })) });
    }
    if (req.method !== 'POST' || route !== '/v1/chat/completions') return sendJson(res, 404, { error: { message: `no route for ${req.method} ${route}` } });
    let body: ChatBody;
    try {
      body = JSON.parse(raw || '{}') as ChatBody;
    } catch {
      return sendJson(res, 400, { error: { message: 'invalid JSON body' } });
    }
    const reply = script(index++);
    if (body.stream) return stream(res, body, reply);
    sendJson(res, 200, {
      id: `chatcmpl-torture-${++seq}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model ?? 'test-model',
      choices: [{ index: 0, message: { role: 'assistant', content: reply.content }, finish_reason: 'stop' }],
      usage: usageJson(reply.usage),
    });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests: () => index,
    close: async () => {
      closed = true;
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
