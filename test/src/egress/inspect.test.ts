import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { connect as h2connect } from 'node:http2';
import { SandboxCa } from '../../../src/egress/sandbox-ca.js';
import { mapResolver, readAudit, connectVia, readResponse } from '../../helpers/egress.js';
import { waitFor } from '../../helpers/home.js';
import { startHttpsUpstream, startL7Proxy, tlsVia, tunnelAgent, send } from '../../helpers/l7.js';

const FAKE_PUBLIC = '93.184.216.34';
let dir: string;
let upCa: SandboxCa;
let rogueCa: SandboxCa;
let up: Awaited<ReturnType<typeof startHttpsUpstream>>;
let px: Awaited<ReturnType<typeof startL7Proxy>>;

const policyYaml = (p: number): string => `version: 1
network_policies:
  api:
    endpoints:
      - host: api.test
        port: ${p}
        protocol: rest
        allowed_ips: ["127.0.0.1/32"]
        rules:
          - allow: { method: GET, path: /v1/** }
          - allow: { method: POST, path: /v1/items }
        deny_rules:
          - { method: "*", path: /v1/admin/** }
      - host: audit.test
        port: ${p}
        protocol: rest
        enforcement: audit
        allowed_ips: ["127.0.0.1/32"]
        rules:
          - allow: { method: GET, path: /ok }
      - host: skip.test
        port: ${p}
        protocol: rest
        tls: skip
        allowed_ips: ["127.0.0.1/32"]
        rules:
          - allow: { method: GET, path: /only }
      - host: pinned.test
        port: ${p}
        protocol: rest
        allowed_ips: ["127.0.0.1/32"]
        rules:
          - allow: { method: GET, path: /only }
      - host: ws.test
        port: ${p}
        protocol: websocket
        allowed_ips: ["127.0.0.1/32"]
      - host: gitlab.test
        port: ${p}
        protocol: rest
        allow_encoded_slash: true
        allowed_ips: ["127.0.0.1/32"]
        rules:
          - allow: { method: GET, path: /api/v4/projects/* }
      - host: misnamed.test
        port: ${p}
        protocol: rest
        allowed_ips: ["127.0.0.1/32"]
      - host: bad.test
        port: ${p}
        protocol: rest
        allowed_ips: ["127.0.0.1/32"]
        access: read-only
`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clawdeck-l7-test-'));
  upCa = await SandboxCa.loadOrCreate(join(dir, 'upstream-ca'), 'test upstream CA');
  rogueCa = await SandboxCa.loadOrCreate(join(dir, 'rogue-ca'), 'untrusted CA');
  up = await startHttpsUpstream(upCa, { ca: rogueCa, names: ['bad.test'] }, { 'misnamed.test': 'someone-else.test' });
  const names = ['misnamed.test', 'gitlab.test', 'api.test', 'audit.test', 'skip.test', 'pinned.test', 'ws.test', 'bad.test'];
  px = await startL7Proxy({
    policyYaml: policyYaml(up.port),
    resolver: mapResolver({ ...Object.fromEntries(names.map((n) => [n, ['127.0.0.1']])), 'new.test': [FAKE_PUBLIC] }),
    fakes: new Map([[`${FAKE_PUBLIC}:${up.port}`, up.port]]),
    upstreamCa: [upCa.certPem],
    inspectUnknown: true,
    passthrough: ['pinned.test'],
  });
});
afterAll(async () => {
  await px?.close();
  await up?.close();
  rmSync(dir, { recursive: true, force: true });
});

const audit = () => readAudit(px.auditFile);

describe('L7 inspection: rules by method and path on a keep-alive connection', () => {
  it('allows, denies (403 JSON, connection kept) and forwards per request on one tunnel', async () => {
    const agent = tunnelAgent(px.port, 'api.test', up.port, px.ca.certPem);
    const ok = await send({ agent, host: 'api.test', port: up.port, path: '/v1/models?key=secret' });
    expect(ok.status).toBe(200);
    expect(ok.json()).toMatchObject({ method: 'GET', url: '/v1/models?key=secret', sni: 'api.test' });
    const post = await send({ agent, host: 'api.test', port: up.port, method: 'POST', path: '/v1/items', body: '{"a":1}' });
    expect(post.json()).toMatchObject({ method: 'POST', body: '{"a":1}' });
    const del = await send({ agent, host: 'api.test', port: up.port, method: 'DELETE', path: '/v1/items' });
    expect(del.status).toBe(403);
    expect(del.json()).toMatchObject({ error: 'denied' });
    expect(String(del.json().reason)).toContain('DELETE /v1/items');
    const admin = await send({ agent, host: 'api.test', port: up.port, path: '/v1/admin/users' });
    expect(admin.status).toBe(403);
    expect(String(admin.json().reason)).toMatch(/deny rule/);
    // Still the same tunnel and the same upstream connection after refusals.
    const again = await send({ agent, host: 'api.test', port: up.port, path: '/v1/again' });
    expect(again.status).toBe(200);
    const conns = (await audit()).filter((l) => l.event === 'decision' && l.scheme === 'connect' && l.host === 'api.test');
    expect(conns).toHaveLength(1);
    agent.destroy();
  });

  it.each([
    ['/v1/admin%2Fusers', 400, 'encoded_slash'],
    ['/v1/%2e%2e/v1/admin/users', 400, 'dot_segment'],
    ['/v1/../v1/admin/users', 400, 'dot_segment'],
    ['/v1/./admin/users', 400, 'dot_segment'],
    ['/v1/%2E%2E/secret', 400, 'dot_segment'],
    ['/v1/x%5C..%5Cadmin', 400, 'encoded_slash'],
    ['/v1//admin/users', 403, 'denied'],
    ['/v1/%61dmin/users', 403, 'denied'],
    ['/%76%31/admin/x', 403, 'denied'],
  ])('encoding trick %s → %i %s (never reaches upstream)', async (path, status, error) => {
    const agent = tunnelAgent(px.port, 'api.test', up.port, px.ca.certPem);
    const r = await send({ agent, host: 'api.test', port: up.port, path });
    expect(r.status).toBe(status);
    expect(r.json().error).toBe(error);
    agent.destroy();
  });

  it('allow_encoded_slash: %2F passes kept encoded on that endpoint only', async () => {
    const agent = tunnelAgent(px.port, 'gitlab.test', up.port, px.ca.certPem);
    const r = await send({ agent, host: 'gitlab.test', port: up.port, path: '/api/v4/projects/group%2fproject' });
    expect(r.status).toBe(200);
    expect(r.json().url).toBe('/api/v4/projects/group%2Fproject');
    expect((await send({ agent, host: 'gitlab.test', port: up.port, path: '/api/v4/projects/a/../b' })).status).toBe(400);
    agent.destroy();
  });

  it('forwards the normalized path (what the rule checked is what upstream sees)', async () => {
    const agent = tunnelAgent(px.port, 'api.test', up.port, px.ca.certPem);
    const r = await send({ agent, host: 'api.test', port: up.port, path: '/v1/%6Dodels//list' });
    expect(r.status).toBe(200);
    expect(r.json().url).toBe('/v1/models/list');
    agent.destroy();
  });
});

describe('L7 inspection: tunnel checks', () => {
  it('refuses a TLS SNI that differs from the CONNECT target, audited', async () => {
    await expect(tlsVia(px.port, 'api.test', up.port, px.ca.certPem, { servername: 'evil.test' })).rejects.toThrow();
    const l = await waitFor(async () => (await audit()).find((x) => x.rule === 'tunnel-host-check' && String(x.reason).includes('evil.test')), 'sni audit line');
    expect(l).toMatchObject({ outcome: 'deny', host: 'api.test' });
  });

  it('refuses a Host header inside the TLS session that differs from the tunnel (421)', async () => {
    const s = await tlsVia(px.port, 'api.test', up.port, px.ca.certPem, { alpn: ['http/1.1'] });
    const r = await send({ socket: s, host: 'api.test', port: up.port, path: '/v1/models', headers: { host: `audit.test:${up.port}` } });
    expect(r.status).toBe(421);
    expect(r.json().error).toBe('host_mismatch');
  });

  it('refuses a second Host header inside the TLS session (another vhost behind the same address), never forwarded', async () => {
    const s = await tlsVia(px.port, 'api.test', up.port, px.ca.certPem, { alpn: ['http/1.1'] });
    const seen = up.requests;
    const res = readResponse(s);
    s.write(`GET /v1/models HTTP/1.1\r\nHost: api.test:${up.port}\r\nHost: audit.test:${up.port}\r\n\r\n`);
    const r = await res;
    expect(r.status).toBe(400);
    expect(r.json()).toMatchObject({ error: 'request_smuggling', reason: expect.stringContaining('more than one Host') });
    expect(up.requests).toBe(seen);
    s.destroy();
  });

  it('an HTTP/2-capable client negotiates down to http/1.1; an h2-only client is refused at the handshake (audited)', async () => {
    const s = await tlsVia(px.port, 'api.test', up.port, px.ca.certPem, { alpn: ['h2', 'http/1.1'] });
    expect(s.alpnProtocol).toBe('http/1.1');
    s.destroy();
    await expect(tlsVia(px.port, 'api.test', up.port, px.ca.certPem, { alpn: ['h2'] })).rejects.toThrow(/application protocol|ALPN/i);
    await waitFor(async () => (await audit()).find((x) => x.rule === 'alpn-http1-only'), 'alpn audit line');
    // node's http2 client through the tunnel fails clearly too.
    const { sock } = await connectVia(px.port, `api.test:${up.port}`);
    const err = await new Promise<Error>((resolve) => {
      const c = h2connect(`https://api.test:${up.port}`, { createConnection: () => tlsConnect({ socket: sock, servername: 'api.test', ca: [px.ca.certPem], ALPNProtocols: ['h2'] }) });
      c.on('error', resolve);
    });
    expect(String(err)).toMatch(/application protocol|ALPN|protocol/i);
  });

  it('refuses an upstream whose certificate does not verify with 502 JSON saying why, audited', async () => {
    const agent = tunnelAgent(px.port, 'bad.test', up.port, px.ca.certPem);
    const r = await send({ agent, host: 'bad.test', port: up.port, path: '/' });
    expect(r.status).toBe(502);
    expect(r.json()).toMatchObject({ error: 'upstream_certificate' });
    expect(String(r.json().reason)).toMatch(/bad\.test.*failed verification/);
    const l = (await audit()).find((x) => x.rule === 'upstream_certificate');
    expect(l).toMatchObject({ host: 'bad.test', outcome: 'deny' });
    expect(String(l!.tls_error)).toMatch(/CERT|SIGNATURE|ISSUER/);
    agent.destroy();
  });

  it('refuses an upstream whose (trusted) certificate names another host with 502 JSON', async () => {
    const agent = tunnelAgent(px.port, 'misnamed.test', up.port, px.ca.certPem);
    const r = await send({ agent, host: 'misnamed.test', port: up.port, path: '/' });
    expect(r.status).toBe(502);
    expect(r.json()).toMatchObject({ error: 'upstream_certificate' });
    expect(String(r.json().reason)).toMatch(/ALTNAME|someone-else\.test/);
    agent.destroy();
  });

  it('enforcement: audit logs the violation and lets it through', async () => {
    const agent = tunnelAgent(px.port, 'audit.test', up.port, px.ca.certPem);
    const r = await send({ agent, host: 'audit.test', port: up.port, method: 'DELETE', path: '/nope' });
    expect(r.status).toBe(200);
    const l = await waitFor(async () => (await audit()).find((x) => x.host === 'audit.test' && x.method === 'DELETE' && x.event === 'decision'), 'audit-only line');
    expect(l).toMatchObject({ outcome: 'allow', audit_only: true });
    expect(String(l!.reason)).toMatch(/enforcement: audit/);
    agent.destroy();
  });

  it('tls: skip keeps a plain tunnel: the client sees the upstream certificate and no path rule applies', async () => {
    const { sock } = await connectVia(px.port, `skip.test:${up.port}`);
    const s = await new Promise<ReturnType<typeof tlsConnect>>((resolve, reject) => {
      const t = tlsConnect({ socket: sock, servername: 'skip.test', ca: [upCa.certPem], ALPNProtocols: ['http/1.1'] });
      t.once('secureConnect', () => resolve(t));
      t.once('error', reject);
    });
    expect(s.getPeerCertificate().issuer.CN).toMatch(/test upstream CA/);
    const r = await send({ socket: s, host: 'skip.test', port: up.port, method: 'DELETE', path: '/not-only' });
    expect(r.status).toBe(200);
  });

  it('a pass-through host (proxy.inspect_passthrough) is a plain tunnel even with protocol: rest', async () => {
    const { sock } = await connectVia(px.port, `pinned.test:${up.port}`);
    const s = await new Promise<ReturnType<typeof tlsConnect>>((resolve, reject) => {
      const t = tlsConnect({ socket: sock, servername: 'pinned.test', ca: [upCa.certPem] });
      t.once('secureConnect', () => resolve(t));
      t.once('error', reject);
    });
    expect(s.getPeerCertificate().issuer.CN).toMatch(/test upstream CA/);
    s.destroy();
  });

  it('WebSocket upgrades pass only for protocol: websocket endpoints', async () => {
    const upgrade = `GET /socket HTTP/1.1\r\nHost: HOST:${up.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`;
    const denied = await tlsVia(px.port, 'api.test', up.port, px.ca.certPem, { alpn: ['http/1.1'] });
    denied.write(upgrade.replace('HOST', 'api.test'));
    const r1 = await readResponse(denied as never);
    expect(r1.status).toBe(403);
    expect(r1.json().error).toBe('upgrade_not_allowed');
    const ok = await tlsVia(px.port, 'ws.test', up.port, px.ca.certPem, { alpn: ['http/1.1'] });
    ok.write(upgrade.replace('HOST', 'ws.test'));
    const got = await new Promise<string>((resolve) => {
      let b = '';
      ok.on('data', (c: Buffer) => {
        b += c.toString();
        if (b.includes('\r\n\r\n')) {
          if (!b.includes('ping')) ok.write('ping');
          else resolve(b);
        }
      });
    });
    expect(got).toMatch(/^HTTP\/1.1 101/);
    expect(got).toContain('ping');
    ok.destroy();
  });
});

describe('L7 inspection: unknown hosts asked per request', () => {
  it('a held request shows method, path (query redacted) and body size, and is released by allow; a path-scoped grant covers only its prefix', async () => {
    const agent = tunnelAgent(px.port, 'new.test', up.port, px.ca.certPem);
    const pending = send({ agent, host: 'new.test', port: up.port, method: 'POST', path: '/api/upload?token=s3cret', body: 'x'.repeat(1234) });
    const item = await waitFor(() => px.state.items.find((i) => i.host === 'new.test'), 'held item');
    expect(item).toMatchObject({ scheme: 'https', method: 'POST', path: '/api/upload?<redacted>', body_bytes: 1234, port: up.port });
    expect(JSON.stringify(item)).not.toContain('s3cret');
    await px.queue.decide(item.id, { action: 'allow', scope: 'session', path_prefix: '/api' }, 'test');
    const r = await pending;
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ method: 'POST', url: '/api/upload?token=s3cret' });
    // Covered by the /api grant: no new item.
    const r2 = await send({ agent, host: 'new.test', port: up.port, path: '/api/other' });
    expect(r2.status).toBe(200);
    // Outside the prefix: held again, then denied → 403 on that request, connection kept.
    const outside = send({ agent, host: 'new.test', port: up.port, path: '/apix' });
    const item2 = await waitFor(() => px.state.items.find((i) => i.host === 'new.test' && i.path === '/apix'), 'second held item');
    await px.queue.decide(item2.id, { action: 'deny', scope: 'once' }, 'test');
    expect((await outside).status).toBe(403);
    const r3 = await send({ agent, host: 'new.test', port: up.port, path: '/api/third' });
    expect(r3.status).toBe(200);
    const lines = await audit();
    expect(lines.find((l) => l.event === 'held' && l.host === 'new.test')).toMatchObject({ method: 'POST', path: '/api/upload?<redacted>', body_bytes: 1234 });
    expect(JSON.stringify(lines)).not.toContain('s3cret');
    agent.destroy();
  });
});

describe('L7 inspection: edge cases', () => {
  it('HTTP/2 prior knowledge (PRI preface) over an http/1.1 session is refused with a clear 400', async () => {
    const s = await tlsVia(px.port, 'api.test', up.port, px.ca.certPem, { alpn: ['http/1.1'] });
    s.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    const r = await readResponse(s as never);
    expect(r.status).toBe(400);
    expect(r.json().error).toBe('http2_not_supported');
  });

  it('a client that sends its ClientHello together with the CONNECT (no wait for 200) is still inspected', async () => {
    const { connect } = await import('node:net');
    const { Duplex } = await import('node:stream');
    // Capture the ClientHello bytes a TLS client would send for api.test.
    const hello = await new Promise<Buffer>((resolve) => {
      const d = new Duplex({ read() {}, write(chunk: Buffer, _e, cb) { resolve(chunk); cb(); } });
      tlsConnect({ socket: d as never, servername: 'api.test', ca: [px.ca.certPem], ALPNProtocols: ['http/1.1'] }).on('error', () => {});
    });
    const raw = connect(px.port, '127.0.0.1');
    await new Promise((r) => raw.once('connect', r));
    raw.write(Buffer.concat([Buffer.from(`CONNECT api.test:${up.port} HTTP/1.1\r\nHost: api.test:${up.port}\r\n\r\n`), hello]));
    const got = await new Promise<Buffer>((resolve) => {
      let b = Buffer.alloc(0);
      raw.on('data', (c: Buffer) => {
        b = Buffer.concat([b, c]);
        const i = b.indexOf('\r\n\r\n');
        if (i !== -1 && b.length > i + 4) resolve(b.subarray(i + 4));
      });
    });
    // The server answered the pre-sent ClientHello with a TLS handshake record (ServerHello), not silence or a close.
    expect(got[0]).toBe(0x16);
    raw.destroy();
  });

  it('slow-drip request headers inside an inspected tunnel get 408 after proxy.header_timeout', async () => {
    const slow = await startL7Proxy({
      policyYaml: policyYaml(up.port), resolver: mapResolver({ 'api.test': ['127.0.0.1'] }), upstreamCa: [upCa.certPem], headerTimeoutMs: 300,
    });
    try {
      const s = await tlsVia(slow.port, 'api.test', up.port, slow.ca.certPem, { alpn: ['http/1.1'] });
      const t0 = Date.now();
      const r = readResponse(s as never);
      s.write('GET /v1/x HTTP/1.1\r\nHost: api.test\r\n');
      // Keep dripping header bytes: activity must not reset the header deadline.
      const drip = setInterval(() => s.writable && s.write('x-drip: 1\r\n'), 50);
      const res = await r;
      clearInterval(drip);
      expect(res.status).toBe(408);
      expect(res.json().error).toBe('header_timeout');
      expect(Date.now() - t0).toBeLessThan(3000);
    } finally {
      await slow.close();
    }
  });

  it('a policy change that denies the host closes a live inspected tunnel (revoked, audited)', async () => {
    const s = await tlsVia(px.port, 'audit.test', up.port, px.ca.certPem, { alpn: ['http/1.1'] });
    expect((await send({ socket: s, host: 'audit.test', port: up.port, path: '/ok' })).status).toBe(200);
    const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
    const text = policyYaml(up.port);
    expect(px.policy.reloadText(text.replace('      - host: audit.test\n', '      - host: audit.test\n        disabled: true\n')).applied).toBe(true);
    await closed;
    px.policy.reloadText(text);
    const l = await waitFor(async () => (await audit()).find((x) => x.event === 'revoked' && x.host === 'audit.test'), 'revoked line');
    expect(l).toMatchObject({ outcome: 'deny' });
  });
});
