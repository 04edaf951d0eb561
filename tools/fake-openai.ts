// A real local HTTP server speaking the OpenAI chat-completions protocol, driven by a test script.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export type ResponseFormatType = 'json_schema' | 'json_object';

export interface FakeUsage {
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens?: number;
}

/** A normal answer: streamed when the request asks for `stream: true`, else one JSON body. */
export interface ContentReply {
  content: string;
  usage?: FakeUsage;
  /** Pause between stream chunks (ms), to leave room for an abort mid-stream. */
  chunkDelayMs?: number;
  /** Characters per streamed delta (default 16). */
  chunkChars?: number;
  /** When false the stream ends cleanly but without a finish_reason (a truncated answer). */
  finish?: boolean;
  /** Wait this long before answering at all (a slow model: e.g. 300 ms for the best-of-K bench). */
  delayMs?: number;
  /** Report no usage, as some local servers do. */
  noUsage?: boolean;
}
/** An HTTP error, e.g. 429 with `retry-after: 1`. */
export interface StatusReply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}
/** Never respond; the connection is destroyed only when the server closes. */
export interface HangReply {
  hang: true;
}
/** Stream `cutAfterChars` characters of `content`, then destroy the socket mid-stream. */
export interface CutReply {
  cutAfterChars: number;
  content: string;
}
/** Send the response headers, then nothing, ever (a server that stalls after headers). */
export interface StallReply {
  stallAfterHeaders: true;
}
/** Stream `piece` every `everyMs` forever, never finishing (a runaway generation). */
export interface EndlessReply {
  endless: { piece: string; everyMs: number };
}
/** Answer 400 when the request's response_format is one of these types; otherwise use `then`. */
export interface RejectFormatReply {
  rejectResponseFormat: ResponseFormatType | 'both' | ResponseFormatType[];
  then: Reply;
}

/** A stream of these `data:` payloads as they are (a hostile or broken server), then `[DONE]`. */
export interface RawEventsReply {
  rawEvents: string[];
}

export type Reply = ContentReply | StatusReply | HangReply | CutReply | RejectFormatReply | StallReply | EndlessReply | RawEventsReply;

export interface ScriptRequest {
  body: ChatBody;
  /** 0-based index among chat-completion requests. */
  index: number;
}
export type Script = ((req: ScriptRequest) => Reply) | Reply[];

export interface ChatBody {
  model?: string;
  messages?: { role: string; content: unknown }[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  response_format?: { type: string; [k: string]: unknown };
  [k: string]: unknown;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: ChatBody;
  /** Date.now() when the request body had arrived. */
  time: number;
}

export interface FakeOpenAI {
  /** Base URL including `/v1`, e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  requests: RecordedRequest[];
  /** Only the chat-completion requests, in order. */
  chatRequests(): RecordedRequest[];
  close(): Promise<void>;
}

export interface FakeOptions {
  models?: string[];
  /** false: keep no requests (a benchmark's thousands of ~16 KB bodies would weigh on the process that serves them). */
  record?: boolean;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function pickReply(script: Script, req: ScriptRequest): Reply {
  if (typeof script === 'function') return script(req);
  if (script.length === 0) throw new Error('fake-openai: empty script');
  return script[Math.min(req.index, script.length - 1)]!;
}

/** Unwrap response-format rejections: a 400 when the body's format is rejected, else the inner reply. */
function resolveReply(reply: Reply, body: ChatBody): Reply {
  if (!('rejectResponseFormat' in reply)) return reply;
  const rule = reply.rejectResponseFormat;
  const rejected: string[] = rule === 'both' ? ['json_schema', 'json_object'] : Array.isArray(rule) ? rule : [rule];
  const type = body.response_format?.type;
  if (type && rejected.includes(type)) {
    return {
      status: 400,
      body: { error: { message: `response_format ${type} is not supported`, type: 'invalid_request_error', param: 'response_format', code: null } },
    };
  }
  return resolveReply(reply.then, body);
}

function defaultUsage(body: ChatBody, content: string): FakeUsage {
  return { prompt_tokens: Math.ceil(JSON.stringify(body.messages ?? []).length / 4), completion_tokens: Math.ceil(content.length / 4) };
}

function usageJson(u: FakeUsage) {
  return {
    prompt_tokens: u.prompt_tokens,
    completion_tokens: u.completion_tokens,
    total_tokens: u.prompt_tokens + u.completion_tokens,
    prompt_tokens_details: { cached_tokens: u.cached_tokens ?? 0 },
  };
}

function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The flags that point a jupiter run at a server like this one (the key comes from JUPITER_API_KEY). */
export function modelFlags(url: string, model = 'test-model'): string[] {
  return ['--provider', 'custom', '--base-url', url, '--model', model];
}

export async function startFakeOpenAI(script: Script, options: FakeOptions = {}): Promise<FakeOpenAI> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let chatIndex = 0;
  let closed = false;
  let seq = 0;

  async function streamReply(res: ServerResponse, body: ChatBody, reply: ContentReply | CutReply): Promise<void> {
    const id = `chatcmpl-fake-${++seq}`;
    const created = Math.floor(Date.now() / 1000);
    const model = body.model ?? 'fake-model';
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices, ...extra })}\n\n`;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const cut = 'cutAfterChars' in reply ? reply.cutAfterChars : undefined;
    const text = cut === undefined ? reply.content : reply.content.slice(0, cut);
    const size = ('chunkChars' in reply && reply.chunkChars) || 16;
    const delay = ('chunkDelayMs' in reply && reply.chunkDelayMs) || 0;
    res.write(chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]));
    for (const piece of chunks(text, size)) {
      if (closed || res.destroyed) return;
      if (delay) await sleep(delay);
      res.write(chunk([{ index: 0, delta: { content: piece }, finish_reason: null }]));
    }
    if (cut !== undefined) {
      // Give the client a moment to receive the partial content, then break the connection.
      await sleep(20);
      res.socket?.destroy();
      return;
    }
    const full = reply as ContentReply;
    if (full.finish !== false) res.write(chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]));
    if (body.stream_options?.include_usage && !full.noUsage) res.write(chunk([], { usage: usageJson(full.usage ?? defaultUsage(body, full.content)) }));
    res.write('data: [DONE]\n\n');
    res.end();
  }

  /** Streams until the client goes away or the server closes: what an unbounded generation looks like. */
  async function endlessStream(res: ServerResponse, body: ChatBody, endless: EndlessReply['endless']): Promise<void> {
    const base = { id: `chatcmpl-fake-${++seq}`, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: body.model ?? 'fake-model' };
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    while (!closed && !res.destroyed && !res.writableEnded) {
      res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: endless.piece }, finish_reason: null }] })}\n\n`);
      await sleep(endless.everyMs);
    }
  }

  function jsonReply(res: ServerResponse, body: ChatBody, reply: ContentReply): void {
    sendJson(res, 200, {
      id: `chatcmpl-fake-${++seq}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model ?? 'fake-model',
      choices: [{ index: 0, message: { role: 'assistant', content: reply.content }, finish_reason: reply.finish === false ? null : 'stop' }],
      ...(reply.noUsage ? {} : { usage: usageJson(reply.usage ?? defaultUsage(body, reply.content)) }),
    });
  }

  async function handleChat(res: ServerResponse, body: ChatBody): Promise<void> {
    const reply = resolveReply(pickReply(script, { body, index: chatIndex++ }), body);
    if ('hang' in reply) return; // left open; close() destroys the socket
    if ('stallAfterHeaders' in reply) {
      res.writeHead(200, { 'content-type': body.stream ? 'text/event-stream' : 'application/json' });
      res.flushHeaders();
      return; // left open; close() destroys the socket
    }
    if ('endless' in reply) return endlessStream(res, body, reply.endless);
    if ('rawEvents' in reply) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      for (const data of reply.rawEvents) res.write(`data: ${data}\n\n`);
      res.end('data: [DONE]\n\n');
      return;
    }
    if ('delayMs' in reply && reply.delayMs) await sleep(reply.delayMs);
    if ('status' in reply) {
      sendJson(res, reply.status, reply.body ?? { error: { message: `fake error ${reply.status}`, type: 'server_error', code: null } }, reply.headers);
      return;
    }
    if ('rejectResponseFormat' in reply) throw new Error('unreachable: rejection not resolved');
    if (body.stream) return streamReply(res, body, reply);
    if ('cutAfterChars' in reply) {
      res.socket?.destroy();
      return;
    }
    jsonReply(res, body, reply);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let body: ChatBody = {};
    if (raw) {
      try {
        body = JSON.parse(raw) as ChatBody;
      } catch {
        sendJson(res, 400, { error: { message: 'invalid JSON body' } });
        return;
      }
    }
    const path = (req.url ?? '/').split('?')[0]!;
    if (options.record !== false) requests.push({ method: req.method ?? 'GET', path, headers: { ...req.headers }, body, time: Date.now() });
    if (req.method === 'POST' && path === '/v1/chat/completions') return handleChat(res, body);
    if (req.method === 'GET' && path === '/v1/models') {
      const ids = options.models ?? ['fake-model'];
      sendJson(res, 200, { object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 0, owned_by: 'fake' })) });
      return;
    }
    sendJson(res, 404, { error: { message: `fake-openai: no route for ${req.method} ${path}` } });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: `fake-openai: ${(err as Error).message}` } });
      else res.destroy();
    });
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
    requests,
    chatRequests: () => requests.filter((r) => r.path === '/v1/chat/completions'),
    close: async () => {
      closed = true;
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
