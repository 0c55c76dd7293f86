import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { connect, type Socket } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseSimpleConnect, takeOverConnections, type SimpleConnect } from '../../../src/egress/fast-connect.js';
import { waitFor } from '../../helpers/home.js';
import { TestPolicy, startTestProxy, startEcho, rawRequest, readAudit, readResponse, roundTrip, type TestProxy } from '../../helpers/egress.js';

const head = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('parseSimpleConnect', () => {
  it.each([
    ['CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\n\r\n', 'a.test:443', 'a.test:443'],
    ['CONNECT a.test:443 HTTP/1.1\r\nhost:a.test:443\r\nUser-Agent: curl/8.5.0\r\nProxy-Connection: Keep-Alive\r\n\r\n', 'a.test:443', 'a.test:443'],
    ['CONNECT 127.0.0.1:8080 HTTP/1.1\r\n\r\n', '127.0.0.1:8080', undefined],
    ['CONNECT [2001:db8::1]:443 HTTP/1.1\r\nHost: [2001:db8::1]:443\r\n\r\n', '[2001:db8::1]:443', '[2001:db8::1]:443'],
    // Not the proxy's business to judge here: the same checks as for llhttp's heads refuse these later.
    ['CONNECT 0x7f.1:443 HTTP/1.1\r\nHost: other.test:443\r\n\r\n', '0x7f.1:443', 'other.test:443'],
  ])('takes the canonical head %j', (text, target, host) => {
    const c = parseSimpleConnect(head(text), 8192);
    expect(c).toMatchObject({ target, host });
    expect(c!.rest.length).toBe(0);
  });

  it.each([
    ['a fragment of a head', 'CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\n'],
    ['a plain request', 'GET http://a.test/ HTTP/1.1\r\nHost: a.test\r\n\r\n'],
    ['a lower-case method', 'connect a.test:443 HTTP/1.1\r\nHost: a.test:443\r\n\r\n'],
    ['HTTP/1.0', 'CONNECT a.test:443 HTTP/1.0\r\nHost: a.test:443\r\n\r\n'],
    ['two spaces in the request line', 'CONNECT  a.test:443 HTTP/1.1\r\n\r\n'],
    ['a tab before a header value', 'CONNECT a.test:443 HTTP/1.1\r\nHost:\ta.test:443\r\n\r\n'],
    ['trailing whitespace in a value', 'CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443 \r\n\r\n'],
    ['space before the colon', 'CONNECT a.test:443 HTTP/1.1\r\nHost : a.test:443\r\n\r\n'],
    ['an obs-fold', 'CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\nX-A: 1\r\n 2\r\n\r\n'],
    ['a bare LF', 'CONNECT a.test:443 HTTP/1.1\nHost: a.test:443\r\n\r\n'],
    ['a bare CR', 'CONNECT a.test:443 HTTP/1.1\r\nX-A: a\rb\r\n\r\n'],
    ['a NUL', 'CONNECT a.test:443 HTTP/1.1\r\nX-A: a\0b\r\n\r\n'],
    ['non-ASCII', 'CONNECT a.test:443 HTTP/1.1\r\nX-A: caf\xe9\r\n\r\n'],
    ['a percent-encoded target', 'CONNECT a%2etest:443 HTTP/1.1\r\n\r\n'],
    ['a userinfo target', 'CONNECT u@a.test:443 HTTP/1.1\r\n\r\n'],
    ['two Host headers', 'CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\nHost: b.test:443\r\n\r\n'],
    ['Content-Length', 'CONNECT a.test:443 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc'],
    ['Transfer-Encoding', 'CONNECT a.test:443 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n'],
    ['Upgrade', 'CONNECT a.test:443 HTTP/1.1\r\nUpgrade: websocket\r\n\r\n'],
    ['an empty header name', 'CONNECT a.test:443 HTTP/1.1\r\n: x\r\n\r\n'],
    ['an empty header value', 'CONNECT a.test:443 HTTP/1.1\r\nX-A:\r\n\r\n'],
  ])('leaves %s to node', (_what, text) => {
    expect(parseSimpleConnect(head(text), 8192)).toBeUndefined();
  });

  it('leaves a head longer than the header limit to node (which answers 431)', () => {
    const text = `CONNECT a.test:443 HTTP/1.1\r\nX-Pad: ${'p'.repeat(300)}\r\n\r\n`;
    expect(parseSimpleConnect(head(text), 8192)).toBeDefined();
    expect(parseSimpleConnect(head(text), 256)).toBeUndefined();
  });

  it('returns the bytes after the head (a ClientHello sent without waiting for the 200)', () => {
    const c = parseSimpleConnect(head('CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\n\r\n\x16\x03\x01'), 8192);
    expect([...c!.rest]).toEqual([0x16, 0x03, 0x01]);
  });
});

describe('takeOverConnections', () => {
  // A real http.Server with the fast path installed: records which side handled each connection.
  const start = async (headerTimeoutMs = 5000) => {
    const seen: { fast: SimpleConnect[]; node: { url: string; host: string | undefined; head: Buffer }[]; requests: string[]; errors: string[]; sockets: Socket[] } = {
      fast: [], node: [], requests: [], errors: [], sockets: [],
    };
    const http: Server = createServer({ headersTimeout: headerTimeoutMs, requestTimeout: 0 }, (req, res) => {
      seen.requests.push(`${req.method} ${req.url}`);
      res.end('ok');
    });
    http.on('connect', (req, sock: Socket, h: Buffer) => {
      seen.node.push({ url: req.url!, host: req.headers.host, head: h });
      sock.end('HTTP/1.1 200 Connection Established\r\n\r\n');
    });
    http.on('clientError', (err: NodeJS.ErrnoException, sock: Socket) => {
      seen.errors.push(err.code ?? '');
      sock.destroy();
    });
    const stop = takeOverConnections(http, { maxHeaderBytes: 8192, headerTimeoutMs, checkEveryMs: 50 }, (c, sock) => {
      seen.fast.push(c);
      sock.end('HTTP/1.1 200 Connection Established\r\n\r\n');
    });
    // Runs after the fast path's own listener: the server side of each connection, to wait on what it has read.
    http.on('connection', (s: Socket) => seen.sockets.push(s));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const port = (http.address() as AddressInfo).port;
    const close = async (): Promise<void> => {
      stop();
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
    };
    return { seen, port, close };
  };
  const open = async (port: number): Promise<Socket> => {
    const sock = connect({ host: '127.0.0.1', port, noDelay: true });
    await new Promise((r) => sock.once('connect', r));
    sock.on('error', () => {});
    return sock;
  };

  it('handles a canonical CONNECT itself; node never sees it', async () => {
    const t = await start();
    const sock = await open(t.port);
    const res = readResponse(sock);
    sock.write('CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\n\r\n\x16');
    expect((await res).status).toBe(200);
    expect(t.seen.fast).toMatchObject([{ target: 'a.test:443', host: 'a.test:443' }]);
    expect([...t.seen.fast[0]!.rest]).toEqual([0x16]);
    expect(t.seen.node).toEqual([]);
    sock.destroy();
    await t.close();
  });

  it('gives a CONNECT head that arrives in fragments to node, which parses it whole', async () => {
    const t = await start();
    const sock = await open(t.port);
    const res = readResponse(sock);
    const first = 'CONNECT a.test:443 HTTP/1.1\r\n';
    sock.write(first);
    // The first fragment has been read on its own before the rest is sent.
    await waitFor(() => (t.seen.sockets[0]?.bytesRead ?? 0) >= first.length || undefined, 'first fragment read');
    sock.write('Host: a.test:443\r\n\r\nxy');
    expect((await res).status).toBe(200);
    expect(t.seen.fast).toEqual([]);
    expect(t.seen.node).toMatchObject([{ url: 'a.test:443', host: 'a.test:443' }]);
    expect(t.seen.node[0]!.head.toString()).toBe('xy');
    sock.destroy();
    await t.close();
  });

  it('gives an unusual but valid CONNECT head to node', async () => {
    const t = await start();
    const sock = await open(t.port);
    const res = readResponse(sock);
    sock.write('CONNECT a.test:443 HTTP/1.1\r\nHost:\ta.test:443 \r\n\r\n');
    expect((await res).status).toBe(200);
    expect(t.seen.fast).toEqual([]);
    expect(t.seen.node).toMatchObject([{ url: 'a.test:443', host: 'a.test:443' }]);
    sock.destroy();
    await t.close();
  });

  it('gives plain requests to node, keep-alive included', async () => {
    const t = await start();
    const sock = await open(t.port);
    for (const path of ['/one', '/two']) {
      const res = readResponse(sock);
      sock.write(`GET http://a.test${path} HTTP/1.1\r\nHost: a.test\r\n\r\n`);
      expect((await res).body).toBe('ok');
    }
    expect(t.seen.requests).toEqual(['GET http://a.test/one', 'GET http://a.test/two']);
    sock.destroy();
    await t.close();
  });

  it('reports a connection that sends nothing to the server\'s clientError handler as a header timeout', async () => {
    const t = await start(150);
    const sock = await open(t.port);
    await new Promise((r) => sock.once('close', r));
    expect(t.seen.errors).toEqual(['ERR_HTTP_REQUEST_TIMEOUT']);
    await t.close();
  });
});

describe('CONNECT fast path and node fallback through the proxy', () => {
  let echo: Awaited<ReturnType<typeof startEcho>>;
  let px: TestProxy | undefined;
  beforeAll(async () => {
    echo = await startEcho();
  });
  afterAll(async () => {
    await echo.close();
  });
  afterEach(async () => {
    await px?.close();
    px = undefined;
  });
  const allow = (): TestPolicy => new TestPolicy([{ host: 'upstream.test', port: echo.port, action: 'allow' }]);

  const tunnelWorks = async (sock: Socket, status: number): Promise<void> => {
    expect(status).toBe(200);
    expect((await roundTrip(sock, 'ping')).toString()).toBe('ping');
    sock.destroy();
  };

  it('an unusual but valid CONNECT head (tab OWS, folded order of headers) is parsed by node and tunnels', async () => {
    px = await startTestProxy({ policy: allow() });
    const { sock, res } = await rawRequest(px.port, `CONNECT upstream.test:${echo.port} HTTP/1.1\r\nHost:\tupstream.test:${echo.port}\t\r\nX-Odd:  two  spaces \r\n\r\n`);
    await tunnelWorks(sock, res.status);
  });

  it('a canonical CONNECT with the first tunnel bytes in the same packet tunnels them', async () => {
    px = await startTestProxy({ policy: allow() });
    const sock = connect({ host: '127.0.0.1', port: px.port });
    await new Promise((r) => sock.once('connect', r));
    const res = readResponse(sock);
    sock.write(`CONNECT upstream.test:${echo.port} HTTP/1.1\r\nHost: upstream.test:${echo.port}\r\n\r\nGET / HTTP/1.1\r\nHost: upstream.test\r\n\r\n`);
    const r = await res;
    expect(r.status).toBe(200);
    const back = r.rest.length >= 37 ? r.rest : await new Promise<Buffer>((resolve) => {
      let b = r.rest;
      sock.on('data', (c: Buffer) => (b = Buffer.concat([b, c])).length >= 37 && resolve(b));
    });
    expect(back.toString()).toBe('GET / HTTP/1.1\r\nHost: upstream.test\r\n\r\n');
    sock.destroy();
  });

  it('a fast-path CONNECT gets the same checks: a Host header naming another host is refused', async () => {
    px = await startTestProxy({ policy: allow() });
    const { res } = await rawRequest(px.port, `CONNECT upstream.test:${echo.port} HTTP/1.1\r\nHost: other.test:${echo.port}\r\n\r\n`);
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ error: 'host_mismatch' });
    expect(px.dialer.attempts).toEqual([]);
  });

  it('a CONNECT head over the header limit is answered 431 by node', async () => {
    px = await startTestProxy({ policy: allow(), maxHeaderBytes: 1024 });
    const { res } = await rawRequest(px.port, `CONNECT upstream.test:${echo.port} HTTP/1.1\r\nX-Pad: ${'p'.repeat(2000)}\r\n\r\n`);
    expect(res.status).toBe(431);
    expect(px.dialer.attempts).toEqual([]);
  });

  it('a client that connects and sends nothing gets 408 after the header timeout, audited like node\'s own', async () => {
    px = await startTestProxy({ policy: allow(), headerTimeoutMs: 200 });
    const sock = connect({ host: '127.0.0.1', port: px.port });
    const r = await readResponse(sock);
    expect(r.status).toBe(408);
    expect(r.json()).toMatchObject({ error: 'header_timeout' });
    expect((await readAudit(px.auditFile)).at(-1)).toMatchObject({ event: 'refused', rule: 'header_timeout' });
  });

  it('closing the proxy closes connections that have not sent a byte yet', async () => {
    px = await startTestProxy({ policy: allow() });
    const sock = connect({ host: '127.0.0.1', port: px.port });
    await new Promise((r) => sock.once('connect', r));
    const closed = new Promise((r) => sock.once('close', r));
    sock.on('error', () => {});
    await px.close();
    px = undefined;
    await closed;
  });
});
