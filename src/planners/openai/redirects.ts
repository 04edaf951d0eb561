// The redirect policy of every request jupiter sends to a model server: the API key never leaves the origin it was
// configured for. As browsers do, credentials are dropped on a redirect to another origin; unlike them, a redirect
// from https to http is refused outright (the request and its answer would cross the network in clear), and at most
// a few redirects are followed.

/** What the SDK calls: the standard fetch signature. */
export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** An API behind one or two proxies needs a hop or two; more is a loop or a trap. */
const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers that carry a secret or an identity: sent only to the origin the request was made for. */
const CREDENTIALS = /^(authorization|proxy-authorization|cookie|api-key|x-api-key|openai-organization|openai-project)$/i;

function refused(why: string): TypeError {
  // As fetch reports a failure: a TypeError whose cause says why (the planner names the innermost cause).
  return new TypeError('fetch failed', { cause: new Error(why) });
}

/** The next hop's URL, or an error when the policy forbids it. */
function nextUrl(from: URL, location: string): URL {
  const to = new URL(location, from);
  if (to.protocol !== 'http:' && to.protocol !== 'https:') throw refused(`refused a redirect to ${to.protocol} (${to.origin})`);
  if (from.protocol === 'https:' && to.protocol !== 'https:') throw refused(`refused a redirect from https to http (${to.origin})`);
  return to;
}

/** `fetch` that follows redirects itself, under the policy above (the inner fetch is asked not to follow any). */
export function withRedirectPolicy(fetch: Fetch): Fetch {
  return async (input, init = {}) => {
    let url = new URL(input instanceof Request ? input.url : String(input));
    let method = (init.method ?? 'GET').toUpperCase();
    let body = init.body;
    const headers = new Headers(init.headers);
    for (let hops = 0; ; hops++) {
      const res = await fetch(url, { ...init, method, headers, body, redirect: 'manual' });
      const location = res.headers.get('location');
      if (!REDIRECTS.has(res.status) || location === null) return res;
      await res.text().catch(() => undefined);
      if (hops >= MAX_REDIRECTS) throw refused(`more than ${MAX_REDIRECTS} redirects`);
      const to = nextUrl(url, location);
      if (to.origin !== url.origin) for (const name of [...headers.keys()]) if (CREDENTIALS.test(name)) headers.delete(name);
      // As fetch does: a 303, and a 301/302 after a POST, continue as a GET without the body.
      if (res.status === 303 || (res.status !== 307 && res.status !== 308 && method === 'POST')) {
        method = 'GET';
        body = undefined;
        headers.delete('content-type');
        headers.delete('content-length');
      }
      url = to;
    }
  };
}
