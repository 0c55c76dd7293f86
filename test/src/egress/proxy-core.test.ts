import { describe, it, expect, afterEach } from 'vitest';
import { request } from 'node:http';
import { connect } from 'node:net';
import {
  TestPolicy, startTestProxy, startEcho, startHttpUpstream, useUpstreams, connectVia, rawRequest, readAudit, roundTrip, type TestProxy,
} from '../../helpers/egress.js';
import { waitFor } from '../../helpers/home.js';

const upstreams = useUpstreams();
let px: TestProxy | undefined;

afterEach(async () => {
  await px?.close();
  px = undefined;
});

// A plain-HTTP GET through the proxy with node's client (absolute-form URL).
const proxiedGet = (port: number, url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const u = new URL(url);
    const r = request({ host: '127.0.0.1', port, method: 'GET', path: url, headers: { host: u.host, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    r.on('error', reject);
    r.end();
  });

describe('CONNECT tunnels', () => {
  it('an allowed CONNECT gets 200 and moves bytes both ways, then the audit log has its decision and close lines', async () => {
    px = await startTestProxy({ policy: new TestPolicy([{ host: 'upstream.test', port: upstreams.echo.port, action: 'allow' }]) });
    const { sock, res } = await connectVia(px.port, `upstream.test:${upstreams.echo.port}`);
    expect(res.status).toBe(200);
    const payload = Buffer.alloc(256 * 1024, 7);
    const back = await roundTrip(sock, payload);
    expect(back.equals(payload)).toBe(true);
    sock.end();
    const lines = await waitFor(async () => {
      const l = await readAudit(px!.auditFile);
      return l.some((x) => x.event === 'close') ? l : undefined;
    }, 'close line');
    expect(lines[0]).toMatchObject({ event: 'decision', outcome: 'allow', by: 'policy', host: 'upstream.test', ip: '127.0.0.1', rule: 'rules[0]' });
    expect(lines.find((x) => x.event === 'close')).toMatchObject({ bytes_up: payload.length, bytes_down: payload.length });
  });

  it('a client that closes right after the 200, before sending a byte, ends the tunnel at once (nothing lingers until the idle timeout)', async () => {
    px = await startTestProxy({ policy: new TestPolicy([{ host: 'upstream.test', port: upstreams.echo.port, action: 'allow' }]) });
    const upstreamEnded = new Promise<void>((r) => upstreams.echo.server.once('connection', (s) => s.once('end', () => r())));
    const { sock, res } = await connectVia(px.port, `upstream.test:${upstreams.echo.port}`);
    expect(res.status).toBe(200);
    expect(px.core.liveCount).toBe(1);
    sock.end();
    await upstreamEnded;
    await waitFor(() => px!.core.liveCount === 0, 'tunnel closed');
    const lines = await waitFor(async () => {
      const l = await readAudit(px!.auditFile);
      return l.some((x) => x.event === 'close') ? l : undefined;
    }, 'close line');
    expect(lines.find((x) => x.event === 'close')).toMatchObject({ host: 'upstream.test', bytes_up: 0, bytes_down: 0 });
    sock.destroy();
  });

  it('a client that half-closes in the middle of its first TLS record is cut off: the partial record never reaches upstream', async () => {
    px = await startTestProxy({ policy: new TestPolicy([{ host: 'upstream.test', port: upstreams.echo.port, action: 'allow' }]) });
    const { sock, res } = await connectVia(px.port, `upstream.test:${upstreams.echo.port}`);
    expect(res.status).toBe(200);
    const closed = new Promise((r) => sock.once('close', r));
    // A TLS handshake record header announcing 512 bytes, then only 3 of them.
    sock.end(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01]));
    await closed;
    const lines = await waitFor(async () => {
      const l = await readAudit(px!.auditFile);
      return l.some((x) => x.event === 'close') ? l : undefined;
    }, 'close line');
    expect(lines.find((x) => x.rule === 'tunnel-host-check')).toMatchObject({ outcome: 'deny' });
    expect(lines.find((x) => x.event === 'close')).toMatchObject({ bytes_up: 0 });
  });

  it('a denied CONNECT gets 403 with a JSON body naming the reason and a rule hint, and nothing is dialed', async () => {
    px = await startTestProxy({ policy: new TestPolicy([{ host: 'upstream.test', port: upstreams.echo.port, action: 'deny' }]) });
    const { res } = await connectVia(px.port, `upstream.test:${upstreams.echo.port}`);
    expect(res.status).toBe(403);
    expect(res.json()).toMatchObject({ error: 'denied', reason: expect.stringContaining('upstream.test') });
    expect(res.json().rule_hint).toEqual(expect.any(String));
    expect(px.dialer.attempts).toEqual([]);
  });

  it('a held CONNECT gets no answer until the operator allows it, then 200', async () => {
    px = await startTestProxy();
    const pending = connectVia(px.port, `upstream.test:${upstreams.echo.port}`);
    let answered = false;
    void pending.then(() => (answered = true));
    const item = await waitFor(() => px!.items[0], 'held item');
    expect(item).toMatchObject({ host: 'upstream.test', port: upstreams.echo.port, ip: '127.0.0.1', scheme: 'connect', hits: 1 });
    expect(answered).toBe(false);
    expect(px.dialer.attempts).toEqual([]);
    await px.queue.decide(item.id, { action: 'allow', scope: 'once' }, 'tester');
    const { sock, res } = await pending;
    expect(res.status).toBe(200);
    expect((await roundTrip(sock, 'hi')).toString()).toBe('hi');
    sock.destroy();
    const lines = await readAudit(px.auditFile);
    expect(lines.map((l) => `${l.event}:${l.outcome ?? ''}`)).toEqual(expect.arrayContaining(['held:', 'decision:allow']));
    expect(lines.find((l) => l.event === 'decision')).toMatchObject({ by: 'tester', approval: item.id });
  });

  it('a held CONNECT gets 403 the moment the operator denies it', async () => {
    px = await startTestProxy();
    const pending = connectVia(px.port, `upstream.test:${upstreams.echo.port}`);
    const item = await waitFor(() => px!.items[0], 'held item');
    await px.queue.decide(item.id, { action: 'deny', scope: 'once' }, 'tester');
    const { res } = await pending;
    expect(res.status).toBe(403);
    expect(res.json()).toMatchObject({ error: 'denied' });
  });

  it('an unanswered hold times out with 403 saying it awaits approval', async () => {
    px = await startTestProxy({ holdTimeoutMs: 200 });
    const { res } = await connectVia(px.port, `upstream.test:${upstreams.echo.port}`);
    expect(res.status).toBe(403);
    expect(res.json()).toMatchObject({ error: 'awaiting_approval', reason: expect.stringContaining('awaiting operator approval') });
    expect(px.items).toEqual([]);
  });

  it('identical held requests coalesce into one item with a hit count, and one decision releases all', async () => {
    px = await startTestProxy();
    const waits = Array.from({ length: 5 }, () => connectVia(px!.port, `upstream.test:${upstreams.echo.port}`));
    await waitFor(() => px!.items[0]?.hits === 5, 'five hits');
    expect(px.items).toHaveLength(1);
    const r = await px.queue.decide(px.items[0]!.id, { action: 'allow', scope: 'once' }, 'tester');
    expect(r.released).toBe(5);
    const all = await Promise.all(waits);
    expect(all.map((w) => w.res.status)).toEqual([200, 200, 200, 200, 200]);
    for (const w of all) w.sock.destroy();
  });

  it('carries a WebSocket upgrade over CONNECT (plain bytes after the 200)', async () => {
    const ws = await startHttpUpstream((_req, res) => res.end('no'));
    ws.server.on('upgrade', (req, sock) => {
      sock.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      sock.pipe(sock);
    });
    px = await startTestProxy({ policy: new TestPolicy([{ host: 'upstream.test', port: ws.port, action: 'allow' }]) });
    const { sock, res } = await connectVia(px.port, `upstream.test:${ws.port}`);
    expect(res.status).toBe(200);
    const up = await roundTrip(sock, `GET /chat HTTP/1.1\r\nHost: upstream.test:${ws.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`, 12);
    expect(up.toString()).toMatch(/^HTTP\/1\.1 101/);
    sock.destroy();
    await ws.close();
  });

  it('closes a live tunnel when a policy change denies it and keeps the ones still allowed', async () => {
    const policy = new TestPolicy([
      { host: 'upstream.test', port: upstreams.echo.port, action: 'allow' },
      { host: 'localhost', port: upstreams.echo.port, action: 'allow' },
    ]);
    px = await startTestProxy({ policy });
    const a = await connectVia(px.port, `upstream.test:${upstreams.echo.port}`);
    const b = await connectVia(px.port, `localhost:${upstreams.echo.port}`);
    await roundTrip(a.sock, 'x');
    await roundTrip(b.sock, 'y');
    const aClosed = new Promise((r) => a.sock.once('close', r));
    policy.set([{ host: 'localhost', port: upstreams.echo.port, action: 'allow' }]);
    await aClosed;
    expect((await roundTrip(b.sock, 'still')).toString()).toBe('still');
    b.sock.destroy();
    const lines = await readAudit(px.auditFile);
    expect(lines.find((l) => l.event === 'revoked')).toMatchObject({ host: 'upstream.test', verdict: 'ask' });
  });
});

describe('plain HTTP', () => {
  it('forwards an allowed absolute-form GET with keep-alive and strips proxy headers', async () => {
    px = await startTestProxy({ policy: new TestPolicy([{ host: 'upstream.test', port: upstreams.web.port, action: 'allow' }]) });
    const { sock, res } = await rawRequest(
      px.port,
      `GET http://upstream.test:${upstreams.web.port}/a?b=1 HTTP/1.1\r\nHost: upstream.test:${upstreams.web.port}\r\nProxy-Authorization: secret\r\n\r\n`,
    );
    expect(res.status).toBe(200);
    const echoed = res.json() as { url: string; headers: Record<string, string> };
    expect(echoed.url).toBe('/a?b=1');
    expect(echoed.headers['proxy-authorization']).toBeUndefined();
    expect(echoed.headers.host).toBe(`upstream.test:${upstreams.web.port}`);
    // second request on the same client connection
    const { readResponse } = await import('../../helpers/egress.js');
    const second = readResponse(sock);
    sock.write(`GET http://upstream.test:${upstreams.web.port}/two HTTP/1.1\r\nHost: upstream.test:${upstreams.web.port}\r\n\r\n`);
    expect(((await second).json() as { url: string }).url).toBe('/two');
    sock.destroy();
  });

  it('streams a chunked request body up and a chunked response down', async () => {
    const up = await startHttpUpstream((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      req.on('data', (c: Buffer) => res.write(c.toString().toUpperCase()));
      req.on('end', () => res.end('|end'));
    });
    px = await startTestProxy({ policy: new TestPolicy([{ host: 'upstream.test', port: up.port, action: 'allow' }]) });
    const body = await new Promise<string>((resolve, reject) => {
      const r = request(
        { host: '127.0.0.1', port: px!.port, method: 'POST', path: `http://upstream.test:${up.port}/s`, headers: { host: `upstream.test:${up.port}` } },
        (res) => {
          let b = '';
          res.on('data', (c: Buffer) => {
            b += c.toString();
            if (b === 'ONE') r.write('two');
          });
          res.on('end', () => resolve(b));
        },
      );
      r.on('error', reject);
      r.write('one');
      r.flushHeaders();
      setImmediate(() => undefined);
      // the response streams "ONE" before the request ends: proof of streaming both ways
      const t = setInterval(() => undefined, 1000);
      r.on('close', () => clearInterval(t));
      r.once('response', (res) => res.once('data', () => setImmediate(() => r.end())));
    });
    expect(body).toBe('ONETWO|end');
    await up.close();
  });

  it('holds a plain request and releases it on allow; denies with 403 on deny', async () => {
    px = await startTestProxy();
    const first = proxiedGet(px.port, `http://upstream.test:${upstreams.web.port}/held`);
    const item = await waitFor(() => px!.items[0], 'held item');
    expect(item).toMatchObject({ scheme: 'http', method: 'GET', path: '/held', risk: expect.arrayContaining(['plain-http']) });
    await px.queue.decide(item.id, { action: 'allow', scope: 'once' }, 't');
    expect((await first).status).toBe(200);
    const second = proxiedGet(px.port, `http://upstream.test:${upstreams.web.port}/again`);
    const item2 = await waitFor(() => px!.items[0], 'held again (once allows only that request)');
    await px.queue.decide(item2.id, { action: 'deny', scope: 'once' }, 't');
    const r = await second;
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body)).toMatchObject({ error: 'denied' });
  });

  it('returns 502 with a JSON body when the upstream refuses the connection', async () => {
    const dead = await startEcho();
    const port = dead.port;
    await dead.close();
    px = await startTestProxy({ policy: new TestPolicy([{ host: 'upstream.test', port, action: 'allow' }]) });
    const r = await proxiedGet(px.port, `http://upstream.test:${port}/`);
    expect(r.status).toBe(502);
    expect(JSON.parse(r.body)).toMatchObject({ error: 'upstream_error' });
  });
});

describe('listeners', () => {
  it('serves the same proxy on a Unix socket with mode 0666', async () => {
    const { mkdtempSync, statSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    px = await startTestProxy({ policy: new TestPolicy([{ host: 'upstream.test', port: upstreams.echo.port, action: 'allow' }]) });
    const dir = mkdtempSync(join(tmpdir(), 'egress-sock-'));
    const path = join(dir, 'egress.sock');
    await px.core.listenUnix(path);
    expect(statSync(path).mode & 0o777).toBe(0o666);
    const sock = connect(path);
    const { readResponse } = await import('../../helpers/egress.js');
    const res = readResponse(sock);
    sock.write(`CONNECT upstream.test:${upstreams.echo.port} HTTP/1.1\r\nHost: upstream.test:${upstreams.echo.port}\r\n\r\n`);
    expect((await res).status).toBe(200);
    expect((await roundTrip(sock, 'unix')).toString()).toBe('unix');
    sock.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('decision scopes through the proxy', () => {
  const holdThenDecide = async (p: TestProxy, decision: Parameters<TestProxy['queue']['decide']>[1]) => {
    const pending = connectVia(p.port, `upstream.test:${upstreams.echo.port}`);
    const item = await waitFor(() => p.items[0], 'held item');
    await p.queue.decide(item.id, decision, 'op');
    const r = await pending;
    r.sock.destroy();
    return r.res.status;
  };

  it('session: later connections to the same host:port pass without asking', async () => {
    px = await startTestProxy();
    expect(await holdThenDecide(px, { action: 'allow', scope: 'session' })).toBe(200);
    const again = await connectVia(px.port, `upstream.test:${upstreams.echo.port}`);
    expect(again.res.status).toBe(200);
    again.sock.destroy();
    expect((await readAudit(px.auditFile)).filter((l) => l.event === 'decision').at(-1)).toMatchObject({ by: 'op', rule: expect.stringMatching(/^approval:.*\/session$/) });
  });

  it('timed: passes within the ttl and is held again after it', async () => {
    px = await startTestProxy();
    expect(await holdThenDecide(px, { action: 'allow', scope: 'timed', ttl_ms: 300 })).toBe(200);
    const within = await connectVia(px.port, `upstream.test:${upstreams.echo.port}`);
    expect(within.res.status).toBe(200);
    within.sock.destroy();
    const grant = px.queue.grantFor('upstream.test', upstreams.echo.port)!;
    await waitFor(() => Date.now() > grant.expires!, 'ttl passed', 2000);
    const after = connectVia(px.port, `upstream.test:${upstreams.echo.port}`);
    const item = await waitFor(() => px!.items[0], 'held again after the ttl');
    await px.queue.decide(item.id, { action: 'deny', scope: 'once' }, 'op');
    expect((await after).res.status).toBe(403);
  });

  it('always: the rule lands in the policy and later connections are allowed by it', async () => {
    px = await startTestProxy();
    expect(await holdThenDecide(px, { action: 'allow', scope: 'always' })).toBe(200);
    expect(px.policy.added).toEqual([expect.objectContaining({ host: 'upstream.test', port: upstreams.echo.port, approved_by: 'op' })]);
    const again = await connectVia(px.port, `upstream.test:${upstreams.echo.port}`);
    expect(again.res.status).toBe(200);
    again.sock.destroy();
    expect((await readAudit(px.auditFile)).filter((l) => l.event === 'decision').at(-1)).toMatchObject({ by: 'policy', outcome: 'allow' });
  });

  it('deny always: later connections are denied by the new rule without asking', async () => {
    px = await startTestProxy();
    expect(await holdThenDecide(px, { action: 'deny', scope: 'always' })).toBe(403);
    const again = await connectVia(px.port, `upstream.test:${upstreams.echo.port}`);
    expect(again.res.status).toBe(403);
    expect(px.items).toEqual([]);
  });
});

describe('load', () => {
  it('carries 200 concurrent tunnels, each with its own data', async () => {
    px = await startTestProxy({ policy: new TestPolicy([{ host: 'upstream.test', port: upstreams.echo.port, action: 'allow' }]) });
    const tunnels = await Promise.all(Array.from({ length: 200 }, () => connectVia(px!.port, `upstream.test:${upstreams.echo.port}`)));
    expect(tunnels.every((t) => t.res.status === 200)).toBe(true);
    const backs = await Promise.all(tunnels.map((t, i) => roundTrip(t.sock, Buffer.alloc(32 * 1024, 97 + (i % 26)))));
    expect(backs.every((b, i) => b.length === 32 * 1024 && b.every((x) => x === 97 + (i % 26)))).toBe(true);
    expect(px.core.liveCount).toBe(200);
    for (const t of tunnels) t.sock.destroy();
    await waitFor(() => px!.core.liveCount === 0, 'all tunnels closed');
  });
});

describe('plain HTTP fast path (body-less requests)', () => {
  const allow = (port: number): TestPolicy => new TestPolicy([{ host: 'upstream.test', port, action: 'allow' }]);

  it('relays chunked, close-delimited, HEAD and 204 responses with the right framing on one client connection', async () => {
    const up = await startHttpUpstream();
    up.server.removeAllListeners('request');
    up.server.on('request', (req, res) => {
      if (req.url === '/chunked') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('a'.repeat(5000));
        setImmediate(() => res.end('tail'));
      } else if (req.url === '/empty') {
        res.writeHead(204);
        res.end();
      } else {
        res.writeHead(200, { 'content-length': '5' });
        res.end(req.method === 'HEAD' ? undefined : 'hello');
      }
    });
    px = await startTestProxy({ policy: allow(up.port) });
    const base = `http://upstream.test:${up.port}`;
    const host = `upstream.test:${up.port}`;
    const sock = connect({ host: '127.0.0.1', port: px.port });
    let text = '';
    await new Promise<void>((resolve) => {
      const on = (c: Buffer): void => {
        text += c.toString();
        if (text.endsWith('\r\n0\r\n\r\n')) (sock.off('data', on), resolve());
      };
      sock.on('data', on);
      sock.write(`GET ${base}/chunked HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    });
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    expect(text).toMatch(/transfer-encoding: chunked/i);
    const bodyPart = text.slice(text.indexOf('\r\n\r\n') + 4);
    let decoded = '';
    for (let rest = bodyPart; ; ) {
      const nl = rest.indexOf('\r\n');
      const n = parseInt(rest.slice(0, nl), 16);
      if (n === 0) break;
      decoded += rest.slice(nl + 2, nl + 2 + n);
      rest = rest.slice(nl + 2 + n + 2);
    }
    expect(decoded).toBe('a'.repeat(5000) + 'tail');
    const { readResponse } = await import('../../helpers/egress.js');
    // HEAD: a head with content-length and no body (read raw: the length describes the GET body)
    const headText = await new Promise<string>((resolve) => {
      let t = '';
      const on = (c: Buffer): void => {
        t += c.toString();
        if (t.includes('\r\n\r\n')) (sock.off('data', on), resolve(t));
      };
      sock.on('data', on);
      sock.write(`HEAD ${base}/x HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    });
    expect(headText).toMatch(/^HTTP\/1\.1 200/);
    expect(headText).toMatch(/content-length: 5\r\n/i);
    expect(headText.endsWith('\r\n\r\n')).toBe(true);
    const noContent = await new Promise<string>((resolve) => {
      let t = '';
      const on = (c: Buffer): void => {
        t += c.toString();
        if (t.includes('\r\n\r\n')) (sock.off('data', on), resolve(t));
      };
      sock.on('data', on);
      sock.write(`GET ${base}/empty HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    });
    expect(noContent).toMatch(/^HTTP\/1\.1 204/);
    const plain = readResponse(sock);
    sock.write(`GET ${base}/x HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    expect((await plain).body).toBe('hello');
    sock.destroy();
    await up.close();
  });

  it('retries once on a fresh upstream connection when a pooled one was closed by the server', async () => {
    let conns = 0;
    const up = await startHttpUpstream((_req, res) => {
      res.writeHead(200, { 'content-length': '2' });
      res.end('ok');
    });
    up.server.on('connection', () => conns++);
    px = await startTestProxy({ policy: allow(up.port) });
    const url = `http://upstream.test:${up.port}/`;
    expect((await proxiedGet(px.port, url)).body).toBe('ok');
    // the server drops its idle keep-alive connections; the proxy's pooled socket is now dead
    up.server.closeIdleConnections();
    expect((await proxiedGet(px.port, url)).body).toBe('ok');
    expect(conns).toBe(2);
    await up.close();
  });

  it('relays a close-delimited response (no length, no chunking) and ends the client response', async () => {
    const { createServer } = await import('node:net');
    const raw = createServer((s) => {
      s.once('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nuntil-close'));
    });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    const port = (raw.address() as import('node:net').AddressInfo).port;
    px = await startTestProxy({ policy: allow(port) });
    const r = await proxiedGet(px.port, `http://upstream.test:${port}/`);
    expect(r).toEqual({ status: 200, body: 'until-close' });
    raw.close();
  });

  it('answers 502 for a malformed upstream response', async () => {
    const { createServer } = await import('node:net');
    const raw = createServer((s) => s.once('data', () => s.end('NOT HTTP AT ALL\r\n\r\n')));
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    const port = (raw.address() as import('node:net').AddressInfo).port;
    px = await startTestProxy({ policy: allow(port) });
    const r = await proxiedGet(px.port, `http://upstream.test:${port}/`);
    expect(r.status).toBe(502);
    raw.close();
  });
});
