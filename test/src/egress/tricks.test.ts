import { describe, it, expect, afterEach } from 'vitest';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  TestPolicy, startTestProxy, useUpstreams, connectVia, rawRequest, readAudit, readResponse, mapResolver, type TestProxy,
} from '../../helpers/egress.js';
import { createResolver } from '../../../src/egress/resolver.js';
import { waitFor } from '../../helpers/home.js';

const upstreams = useUpstreams();
let px: TestProxy | undefined;
const allowAll = (port: number): TestPolicy =>
  new TestPolicy([
    { host: 'upstream.test', port, action: 'allow' },
    { host: '127.0.0.1', port, action: 'allow' },
  ]);

afterEach(async () => {
  await px?.close();
  px = undefined;
});

describe('tricks on CONNECT', () => {
  it.each([
    ['2130706433', 'ip_literal_encoding'],
    ['0x7f.0.0.1', 'ip_literal_encoding'],
    ['0177.0.0.1', 'ip_literal_encoding'],
    ['127.1', 'ip_literal_encoding'],
    ['[::ffff:127.0.0.1]', 'ip_literal_mapped'],
    ['upstream.test.', 'trailing_dot'],
  ])('refuses CONNECT %s with 400 %s and dials nothing', async (host, code) => {
    px = await startTestProxy({ policy: allowAll(upstreams.echo.port) });
    const { res } = await rawRequest(px.port, `CONNECT ${host}:${upstreams.echo.port} HTTP/1.1\r\n\r\n`);
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ error: code, reason: expect.any(String), rule_hint: expect.any(String) });
    expect(px.dialer.attempts).toEqual([]);
    expect((await readAudit(px.auditFile)).at(-1)).toMatchObject({ event: 'refused', rule: code });
  });

  it('refuses a CONNECT whose Host header names another host', async () => {
    px = await startTestProxy({ policy: allowAll(upstreams.echo.port) });
    const { res } = await rawRequest(px.port, `CONNECT upstream.test:${upstreams.echo.port} HTTP/1.1\r\nHost: other.test:${upstreams.echo.port}\r\n\r\n`);
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ error: 'host_mismatch' });
  });

  it('closes the tunnel and audits a deny when the TLS SNI differs from the CONNECT target, before any byte reaches upstream', async () => {
    const received: Buffer[] = [];
    const sink = createServer((s) => s.on('data', (c: Buffer) => received.push(c)));
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    const port = (sink.address() as AddressInfo).port;
    px = await startTestProxy({ policy: allowAll(port) });
    const { sock, res } = await connectVia(px.port, `upstream.test:${port}`);
    expect(res.status).toBe(200);
    const closed = new Promise((r) => sock.once('close', r));
    const t = tlsConnect({ socket: sock, servername: 'evil.test', rejectUnauthorized: false });
    t.on('error', () => {});
    await closed;
    expect(Buffer.concat(received).length).toBe(0);
    const deny = (await readAudit(px.auditFile)).find((l) => l.rule === 'tunnel-host-check');
    expect(deny).toMatchObject({ event: 'decision', outcome: 'deny', reason: expect.stringContaining('evil.test') });
    sink.close();
  });

  it('passes a ClientHello whose SNI matches the CONNECT target', async () => {
    const received: Buffer[] = [];
    const sink = createServer((s) => s.on('data', (c: Buffer) => received.push(c)));
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    const port = (sink.address() as AddressInfo).port;
    px = await startTestProxy({ policy: allowAll(port) });
    const { sock } = await connectVia(px.port, `upstream.test:${port}`);
    const t = tlsConnect({ socket: sock, servername: 'upstream.test', rejectUnauthorized: false });
    t.on('error', () => {});
    await waitFor(() => Buffer.concat(received)[0] === 0x16, 'ClientHello at upstream');
    t.destroy();
    sink.close();
  });

  it('closes a tunnel whose first HTTP request names another Host', async () => {
    px = await startTestProxy({ policy: allowAll(upstreams.echo.port) });
    const { sock } = await connectVia(px.port, `upstream.test:${upstreams.echo.port}`);
    const closed = new Promise((r) => sock.once('close', r));
    let echoed = '';
    sock.on('data', (c: Buffer) => (echoed += c.toString()));
    sock.write('GET / HTTP/1.1\r\nHost: other.test\r\n\r\n');
    await closed;
    expect(echoed).toBe('');
  });
});

describe('tricks on plain HTTP', () => {
  const get = (url: string, host: string, extra = ''): string => `GET ${url} HTTP/1.1\r\nHost: ${host}\r\n${extra}\r\n`;

  it.each([
    ['Host header vs URI', get(`http://upstream.test:P/`, 'other.test:P'), 'host_mismatch'],
    ['userinfo in the URL', get(`http://user:pw@upstream.test:P/`, 'upstream.test:P'), 'userinfo'],
    ['decimal IP literal', get(`http://2130706433:P/`, '2130706433:P'), 'ip_literal_encoding'],
    ['hex IP literal', get(`http://0x7f000001:P/`, '0x7f000001:P'), 'ip_literal_encoding'],
    ['IPv4-mapped IPv6', get(`http://[::ffff:127.0.0.1]:P/`, '[::ffff:127.0.0.1]:P'), 'ip_literal_mapped'],
    ['trailing dot', get(`http://upstream.test.:P/`, 'upstream.test.:P'), 'trailing_dot'],
    ['origin-form request', get(`/`, 'upstream.test:P'), 'not_proxy_request'],
    ['CL + TE', `POST http://upstream.test:P/ HTTP/1.1\r\nHost: upstream.test:P\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 'request_smuggling'],
    ['two Content-Lengths', `POST http://upstream.test:P/ HTTP/1.1\r\nHost: upstream.test:P\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab`, 'request_smuggling'],
    ['obfuscated TE', `POST http://upstream.test:P/ HTTP/1.1\r\nHost: upstream.test:P\r\nTransfer-Encoding: xchunked\r\n\r\n`, ''],
    ['a second Host header (another vhost on the allowed address)', get(`http://upstream.test:P/`, 'upstream.test:P', 'Host: other.test\r\n'), 'request_smuggling'],
  ])('refuses %s with a 4xx JSON body', async (_name, text, code) => {
    px = await startTestProxy({ policy: allowAll(upstreams.web.port) });
    const { res } = await rawRequest(px.port, text.replaceAll(':P', `:${upstreams.web.port}`));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    if (code) expect(res.json()).toMatchObject({ error: code });
    expect(res.json()).toHaveProperty('reason');
    expect(res.json()).toHaveProperty('rule_hint');
    expect(px.dialer.attempts).toEqual([]);
  });

  it('refuses oversized headers with 431', async () => {
    px = await startTestProxy({ policy: allowAll(upstreams.web.port), maxHeaderBytes: 2048 });
    const { res } = await rawRequest(px.port, get(`http://upstream.test:${upstreams.web.port}/`, `upstream.test:${upstreams.web.port}`, `X-Big: ${'a'.repeat(4096)}\r\n`));
    expect(res.status).toBe(431);
    expect(res.json()).toMatchObject({ error: 'headers_too_large' });
  });

  it('cuts off endless headers at the size limit with 431 instead of buffering them', async () => {
    px = await startTestProxy({ policy: allowAll(upstreams.web.port), maxHeaderBytes: 4096 });
    const sock = connect({ host: '127.0.0.1', port: px.port });
    const res = readResponse(sock);
    sock.write(`GET http://upstream.test:${upstreams.web.port}/ HTTP/1.1\r\n`);
    // keep sending header lines until the proxy answers
    let n = 0;
    const pump = (): void => {
      while (!sock.destroyed && sock.write(`X-${n++}: ${'b'.repeat(100)}\r\n`) && n < 10_000);
    };
    sock.on('drain', pump);
    pump();
    const r = await res;
    expect(r.status).toBe(431);
    sock.destroy();
  });

  it('answers a slowloris client with 408 after the header timeout', async () => {
    px = await startTestProxy({ policy: allowAll(upstreams.web.port), headerTimeoutMs: 300 });
    const sock: Socket = connect({ host: '127.0.0.1', port: px.port });
    const res = readResponse(sock);
    sock.write(`GET http://upstream.test:${upstreams.web.port}/ HTTP/1.1\r\nHo`);
    const r = await res;
    expect(r.status).toBe(408);
    expect(r.json()).toMatchObject({ error: 'header_timeout' });
  });
});

describe('name resolution and address checks', () => {
  it('denies a name that resolves to a private address and never dials it', async () => {
    px = await startTestProxy({
      policy: new TestPolicy([{ host: 'internal.test', port: 443, action: 'allow' }]),
      resolver: mapResolver({ 'internal.test': ['10.0.0.5'] }),
    });
    const { res } = await connectVia(px.port, 'internal.test:443');
    expect(res.status).toBe(403);
    expect(res.json()).toMatchObject({ error: 'denied', rule_hint: expect.stringContaining('allowed_ips') });
    expect(px.dialer.attempts).toEqual([]);
  });

  it('pins the first allowed address of a mixed answer and dials exactly it', async () => {
    const fakes = new Map([[`93.184.216.34:443`, upstreams.echo.port]]);
    let lookups = 0;
    px = await startTestProxy({
      policy: new TestPolicy([{ host: 'mixed.test', port: 443, action: 'allow' }]),
      resolver: async () => {
        lookups++;
        // a rebinding resolver: the second answer would be private
        return lookups === 1 ? ['10.0.0.5', '93.184.216.34'] : ['10.0.0.6'];
      },
      fakes,
    });
    const { sock, res } = await connectVia(px.port, 'mixed.test:443');
    expect(res.status).toBe(200);
    expect(px.dialer.attempts).toEqual(['93.184.216.34:443']);
    expect(lookups).toBe(1);
    sock.destroy();
    expect((await readAudit(px.auditFile))[0]).toMatchObject({ ip: '93.184.216.34', outcome: 'allow' });
  });

  it('consults the hosts file before DNS and still applies the private-address rule to what it yields', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hosts-'));
    const hosts = join(dir, 'hosts');
    writeFileSync(hosts, `# split horizon\n10.1.2.3  wiki.corp   wiki\n127.0.0.1 upstream.test\n`);
    const dnsCalls: string[] = [];
    const resolver = createResolver(hosts, async (h) => {
      dnsCalls.push(h);
      return [];
    });
    expect(await resolver('wiki.corp')).toEqual(['10.1.2.3']);
    expect(await resolver('WIKI'.toLowerCase())).toEqual(['10.1.2.3']);
    expect(dnsCalls).toEqual([]);
    await resolver('not-in-file.test');
    expect(dnsCalls).toEqual(['not-in-file.test']);
    px = await startTestProxy({ policy: new TestPolicy([{ host: 'wiki.corp', port: 80, action: 'allow' }]), resolver });
    const { res } = await rawRequest(px.port, `GET http://wiki.corp/ HTTP/1.1\r\nHost: wiki.corp\r\n\r\n`);
    expect(res.status).toBe(403);
    expect(px.dialer.attempts).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 502 unresolvable for a name nobody knows', async () => {
    px = await startTestProxy({ resolver: mapResolver({}) });
    const { res } = await connectVia(px.port, 'nowhere.test:443');
    expect(res.status).toBe(502);
    expect(res.json()).toMatchObject({ error: 'unresolvable' });
  });
});
