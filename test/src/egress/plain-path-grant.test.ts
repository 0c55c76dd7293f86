import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { connect, type Socket } from 'node:net';
import { startTestProxy, startHttpUpstream, readResponse, readAudit, type TestProxy, type RawResponse } from '../../helpers/egress.js';
import { waitFor } from '../../helpers/home.js';

// Path-prefix session grants for plain HTTP requests held in the approval queue (upstream.test is unknown: asked).
let web: Awaited<ReturnType<typeof startHttpUpstream>>;
let px: TestProxy | undefined;
const seen: string[] = [];

beforeAll(async () => {
  web = await startHttpUpstream((req, res) => {
    seen.push(req.url ?? '');
    const b = JSON.stringify({ url: req.url });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) });
    res.end(b);
  });
});
afterAll(async () => {
  await web.close();
});
afterEach(async () => {
  await px?.close();
  px = undefined;
  seen.length = 0;
});

const open = async (port: number): Promise<Socket> => {
  const sock = connect({ host: '127.0.0.1', port });
  await new Promise<void>((r, j) => {
    sock.once('connect', r);
    sock.once('error', j);
  });
  return sock;
};

// Sends one absolute-form GET on `sock`; resolves with its response.
const get = (sock: Socket, path: string): Promise<RawResponse> => {
  const res = readResponse(sock);
  sock.write(`GET http://upstream.test:${web.port}${path} HTTP/1.1\r\nHost: upstream.test:${web.port}\r\n\r\n`);
  return res;
};

// One request on its own connection.
const getOnce = async (path: string): Promise<RawResponse> => {
  const sock = await open(px!.port);
  try {
    return await get(sock, path);
  } finally {
    sock.destroy();
  }
};

const heldWith = (path: string) => waitFor(() => px!.items.find((i) => i.path === path), `item held with path ${path}`);

// Holds /api/x, then grants the session path prefix /api on it.
const grantApi = async (prefix = '/api'): Promise<void> => {
  const first = getOnce('/api/x');
  const item = await heldWith('/api/x');
  expect(await px!.queue.decide(item.id, { action: 'allow', scope: 'session', path_prefix: prefix }, 'op')).toEqual({ released: 1 });
  const r = await first;
  expect(r.status).toBe(200);
  expect(r.json()).toEqual({ url: '/api/x' });
};

describe('path-prefix session grant for plain HTTP', () => {
  it('covers /api and /api/… on that host:port, not /apix or /other (those are held and asked)', async () => {
    px = await startTestProxy();
    await grantApi();
    expect((await getOnce('/api/y/z?q=1')).json()).toEqual({ url: '/api/y/z?q=1' });
    expect((await getOnce('/api')).status).toBe(200);
    expect(px.items).toEqual([]);
    const apix = getOnce('/apix');
    const item = await heldWith('/apix');
    const other = getOnce('/other');
    await waitFor(() => px!.items[0]?.hits === 2, 'second request coalesced into the held item');
    expect(await px.queue.decide(item.id, { action: 'deny', scope: 'once' }, 'op')).toEqual({ released: 2 });
    expect((await apix).status).toBe(403);
    expect((await other).status).toBe(403);
    expect(seen).toEqual(['/api/x', '/api/y/z?q=1', '/api']);
    const decisions = (await readAudit(px.auditFile)).filter((l) => l.event === 'decision' && l.path === '/api/y/z');
    expect(decisions).toEqual([expect.objectContaining({ outcome: 'allow', by: 'op', rule: expect.stringMatching(/^approval:.*\/session$/) })]);
  });

  it('checks every request of a keep-alive connection on its own: a second request outside the prefix is held', async () => {
    px = await startTestProxy();
    const sock = await open(px.port);
    const first = get(sock, '/api/x');
    const item = await heldWith('/api/x');
    await px.queue.decide(item.id, { action: 'allow', scope: 'session', path_prefix: '/api/' }, 'op');
    expect((await first).status).toBe(200);
    expect((await get(sock, '/api/again')).json()).toEqual({ url: '/api/again' });
    const second = get(sock, '/other');
    const held = await heldWith('/other');
    expect(seen).toEqual(['/api/x', '/api/again']);
    await px.queue.decide(held.id, { action: 'deny', scope: 'once' }, 'op');
    expect((await second).status).toBe(403);
    expect(seen).toEqual(['/api/x', '/api/again']);
    sock.destroy();
  });

  it('refuses encoding tricks on a host:port with a path grant (400, nothing forwarded) and forwards the normalized path', async () => {
    px = await startTestProxy();
    await grantApi();
    for (const [path, error] of [
      ['/api/%2e%2e/other', 'dot_segment'],
      ['/api/..%2Fother', 'dot_segment'],
      ['/api%2F..%2Fother', 'dot_segment'],
      ['/api%2Fother', 'encoded_slash'],
      ['/api/../other', 'dot_segment'],
      ['/api/%252e%252e/other', 'double_encoding'],
    ] as const) {
      const r = await getOnce(path);
      expect(r.status, path).toBe(400);
      expect(r.json(), path).toMatchObject({ error });
    }
    expect(px.items).toEqual([]);
    expect((await getOnce('/api//v%31%7E')).json()).toEqual({ url: '/api/v1~' });
    expect(seen).toEqual(['/api/x', '/api/v1~']);
  });

  it('a narrower grant releases only the held requests it covers; the others stay held as a new item', async () => {
    px = await startTestProxy();
    const a = getOnce('/api/x');
    const item = await heldWith('/api/x');
    const other = getOnce('/other');
    // A dot segment is refused before it is ever held (plain-HTTP paths are normalized for every decision).
    expect((await getOnce('/api/%2e%2e/other')).json()).toMatchObject({ error: 'dot_segment' });
    await waitFor(() => px!.items[0]?.hits === 2, 'two requests held on one item');
    expect(await px.queue.decide(item.id, { action: 'allow', scope: 'session', path_prefix: '/api' }, 'op')).toEqual({ released: 1 });
    expect((await a).json()).toEqual({ url: '/api/x' });
    const rest = await waitFor(() => px!.items[0], 'remaining item');
    expect(rest).toMatchObject({ path: '/other', hits: 1 });
    expect(rest.id).not.toBe(item.id);
    expect(px.events.filter((e) => e.event === 'approval.resolved')).toEqual([
      { event: 'approval.resolved', data: expect.objectContaining({ id: item.id, released: 1 }) },
    ]);
    expect(seen).toEqual(['/api/x']);
    await px.queue.decide(rest.id, { action: 'allow', scope: 'once' }, 'op');
    expect((await other).json()).toEqual({ url: '/other' });
    expect(px.items).toEqual([]);
  });

  it('a grant for one port does not cover another port of the same host', async () => {
    px = await startTestProxy();
    await grantApi();
    const web2 = await startHttpUpstream();
    try {
      const sock = await open(px.port);
      const res = readResponse(sock);
      sock.write(`GET http://upstream.test:${web2.port}/api/x HTTP/1.1\r\nHost: upstream.test:${web2.port}\r\n\r\n`);
      const held = await waitFor(() => px!.items.find((i) => i.port === web2.port), 'held on the other port');
      await px.queue.decide(held.id, { action: 'deny', scope: 'once' }, 'op');
      expect((await res).status).toBe(403);
      sock.destroy();
    } finally {
      await web2.close();
    }
  });
});
