// The `fetch` the planner's OpenAI client sends its requests with: node:http(s) with keep-alive, the answer streamed
// as a Node stream. Node's own fetch (undici: WebAssembly parser, web streams, a tee per request) kept ~60 MB more
// RSS than node:http over 1,000 calls like a planning run's (measured: 120 MB against 58 MB), and ~2 ms more CPU per
// iteration of a model run (bench, issue 23). It follows no redirect: withRedirectPolicy does, keeping the key home.
import http from 'node:http';
import https from 'node:https';
import { type Fetch, withRedirectPolicy } from './redirects.js';

function abortError(signal: AbortSignal): unknown {
  // The SDK recognises an abort by its name, as fetch throws it.
  return signal.reason instanceof Error && signal.reason.name === 'AbortError' ? signal.reason : new DOMException('This operation was aborted', 'AbortError');
}

function headersOf(res: http.IncomingMessage): Headers {
  const headers = new Headers();
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  return headers;
}

async function textOf(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The response as the SDK reads it: status, headers, `text()`/`json()`, and `body` as an async iterable of bytes
 * (the SDK streams any body that is async-iterable, and cancels it through its iterator).
 */
function responseOf(res: http.IncomingMessage, url: string): Response {
  const status = res.statusCode ?? 0;
  const response = {
    ok: status >= 200 && status < 300,
    status,
    statusText: res.statusMessage ?? '',
    url,
    redirected: false,
    headers: headersOf(res),
    body: res,
    text: () => textOf(res),
    json: async () => JSON.parse(await textOf(res)) as unknown,
  };
  return response as unknown as Response;
}

/**
 * A fetch over node:http(s), with its own keep-alive agents (idle sockets never hold the process open). A redirect
 * is returned as it came (as `redirect: 'manual'` asks): following one is the redirect policy's decision.
 */
function nodeFetch(): Fetch {
  const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };
  const send = (url: URL, method: string, headers: Record<string, string>, body: Buffer | undefined, signal: AbortSignal | undefined): Promise<Response> =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      const protocol = url.protocol as keyof typeof agents;
      const agent = agents[protocol];
      if (!agent) return reject(new TypeError(`fetch failed: unsupported protocol ${url.protocol}`));
      const lib = protocol === 'https:' ? https : http;
      const req = lib.request(url, { method, headers: body ? { ...headers, 'content-length': String(body.length) } : headers, agent });
      let res: http.IncomingMessage | undefined;
      const onAbort = () => {
        const err = abortError(signal!);
        req.destroy(err as Error);
        res?.destroy(err as Error);
        reject(err);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      req.on('error', (err) => {
        done();
        // As fetch reports it: a TypeError whose cause names the socket error (ECONNREFUSED...).
        reject(new TypeError('fetch failed', { cause: err }));
      });
      req.on('response', (incoming) => {
        res = incoming;
        // The abort listener stays until the body is read: an abort mid-stream ends the body with an AbortError.
        incoming.once('close', done);
        resolve(responseOf(incoming, url.href));
      });
      req.end(body);
    });

  return (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const raw = init.body;
    if (raw !== undefined && raw !== null && typeof raw !== 'string' && !ArrayBuffer.isView(raw))
      return Promise.reject(new TypeError('fetch failed: only a string or bytes can be sent as a body'));
    const body =
      raw === undefined || raw === null ? undefined : typeof raw === 'string' ? Buffer.from(raw) : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    return send(url, (init.method ?? 'GET').toUpperCase(), headers, body, init.signal ?? undefined);
  };
}

/** The fetch every model client uses: node:http under the redirect policy. */
export function modelFetch(): Fetch {
  return withRedirectPolicy(nodeFetch());
}
