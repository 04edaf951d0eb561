// A model server that redirects: the API key goes only to the origin it was configured for (real local servers on
// two ports; https from a self-signed certificate made with openssl).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { modelFetch } from '../src/planners/openai/node-fetch.js';
import { ROOT, runCli, tempDir } from './support/cli.js';
import { fakeServers, modelFlags } from './support/fake-openai.js';

const KEY = 'sk-redirect-secret-key-7731';
const PLAN = JSON.stringify(parse(readFileSync(path.join(ROOT, 'examples', 'deploy-plan.yaml'), 'utf8')));
const { serve } = fakeServers();
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((r) => {
          s.closeAllConnections();
          s.close(() => r());
        }),
    ),
  );
});

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function listen(server: Server, scheme: 'http' | 'https'): Promise<string> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A server that says where each request went and with which Authorization header. */
function echo(seen: string[]): Handler {
  return (req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? '-'}`);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  };
}

const redirectTo =
  (target: (url: string) => string, status = 307): Handler =>
  (req, res) =>
    res.writeHead(status, { location: target(req.url ?? '/') }).end();

function selfSigned(): { key: Buffer; cert: Buffer } {
  const dir = tempDir('jupiter-tls-');
  const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=127.0.0.1'].concat([
      '-days',
      '1',
      '-keyout',
      key,
      '-out',
      cert,
    ]),
    {
      stdio: 'ignore',
    },
  );
  return { key: readFileSync(key), cert: readFileSync(cert) };
}

const withKey = { headers: { authorization: `Bearer ${KEY}` } };

describe('redirects from a model server', () => {
  it('a plan run whose server redirects to another port never sends the key there', async () => {
    const elsewhere = await serve(() => ({ content: PLAN }));
    const configured = await listen(createServer(redirectTo((url) => `${new URL(elsewhere.url).origin}${url}`)), 'http');
    const cwd = tempDir();
    const r = await runCli(['plan', 'Deploy the orchestrator', ...modelFlags(`${configured}/v1`), '--unattended', '--iterations', '1'], {
      cwd,
      env: { JUPITER_API_KEY: KEY },
    });
    // The other origin answered (the run went on), but never saw the key.
    expect(elsewhere.chatRequests().length).toBeGreaterThan(0);
    expect(elsewhere.requests.map((q) => String(q.headers.authorization ?? '-'))).not.toContain(`Bearer ${KEY}`);
    expect(r.stdout + r.stderr).not.toContain(KEY);
  });

  it('keeps the key on a redirect within the same origin, drops it (and cookies) on one to another origin', async () => {
    const seen: string[] = [];
    const other = await listen(createServer(echo(seen)), 'http');
    const origin = await listen(
      createServer((req, res) => (req.url === '/here' ? echo(seen)(req, res) : redirectTo(() => (req.url === '/same' ? '/here' : `${other}/there`))(req, res))),
      'http',
    );
    const fetch = modelFetch();
    expect(await (await fetch(`${origin}/same`, withKey)).text()).toBe('ok');
    const cross = await fetch(`${origin}/cross`, { method: 'POST', body: '{}', headers: { ...withKey.headers, cookie: 'a=b', 'x-api-key': KEY } });
    expect(await cross.text()).toBe('ok');
    expect(seen).toEqual([`GET /here Bearer ${KEY}`, 'POST /there -']);
  });

  it('refuses a redirect from https to http, and a redirect loop, with a reason', async () => {
    const seen: string[] = [];
    const plain = await listen(createServer(echo(seen)), 'http');
    const secure = await listen(
      createHttpsServer(
        selfSigned(),
        redirectTo(() => `${plain}/v1/models`),
      ),
      'https',
    );
    const loop = await listen(createServer(redirectTo((url) => `${url}x`, 302)), 'http');
    const previous = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'; // trust the self-signed certificate for this test only
    try {
      const downgrade = (await modelFetch()(`${secure}/v1/models`, withKey).catch((e: unknown) => e)) as TypeError & { cause?: Error };
      expect(downgrade).toBeInstanceOf(TypeError);
      expect(downgrade.cause?.message).toBe(`refused a redirect from https to http (${plain})`);
    } finally {
      if (previous === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = previous;
    }
    expect(seen).toEqual([]);
    const looped = (await modelFetch()(`${loop}/a`).catch((e: unknown) => e)) as TypeError & { cause?: Error };
    expect(looped.cause?.message).toBe('more than 5 redirects');
  });
});
