import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, writeFileSync, statSync, existsSync } from 'node:fs';
import { connect } from 'node:net';
import { execa } from 'execa';
import { makeHome, waitFor, CLI, type TestHome } from '../helpers/home.js';
import { connectVia, rawRequest, readResponse, roundTrip, useUpstreams } from '../helpers/egress.js';

// Daemon-level egress: the real policy engine and files, the built CLI, real sockets on loopback.
// "Public" names in the hosts file are redirected to loopback ports by the test dial map (never dialed for real).
const PUBLIC = '93.184.216.34';

const upstreams = useUpstreams();

const policyYaml = (echoPort: number, webPort: number, extra = ''): string => `version: 1
# local upstreams used by the egress tests
network_policies:
  local:
    endpoints:
      - host: upstream.test
        port: ${echoPort}
        allowed_ips: ["127.0.0.1/32"]
      - host: web.test
        port: ${webPort}
        allowed_ips: ["127.0.0.1/32"]
${extra}`;

const startHome = async (config: string): Promise<{ home: TestHome; port: number; env: NodeJS.ProcessEnv }> => {
  const home = makeHome(config);
  writeFileSync(home.paths.policyFile, policyYaml(upstreams.echo.port, upstreams.web.port));
  writeFileSync(home.paths.hostsFile, `127.0.0.1 upstream.test web.test private.test\n${PUBLIC} held.test other.test\n`);
  const env = { CLAWDECK_TEST_HOOKS: '1', CLAWDECK_TEST_DIAL_MAP: `${PUBLIC}:443=${upstreams.echo.port},${PUBLIC}:80=${upstreams.web.port}` };
  const up = await home.cli(['up', '--no-sandbox'], { env });
  expect(up.exitCode, up.stderr).toBe(0);
  const st = await home.cli(['status', '--json']);
  expect(st.exitCode, `status: ${st.stdout} ${st.stderr}`).toBe(0);
  const listen = (JSON.parse(st.stdout) as { proxy: { listen: string } }).proxy.listen;
  return { home, port: Number(listen.split(':').at(-1)), env };
};

const pendingItems = async (home: TestHome): Promise<{ id: string; host: string; hits: number }[]> => {
  const r = await home.cli(['approvals', 'list', '--json']);
  return JSON.parse(r.stdout) as { id: string; host: string; hits: number }[];
};


describe('egress through a real daemon', () => {
  let h: Awaited<ReturnType<typeof startHome>>;
  beforeAll(async () => {
    h = await startHome('proxy:\n  listen: 127.0.0.1:0\n  hold_timeout: 20s\ninference:\n  listen: 127.0.0.1:0\n');
  });
  afterAll(async () => {
    await h.home.cleanup();
  });

  it('reports the real port in status.proxy.listen and serves the sandbox socket with mode 0666', () => {
    expect(h.port).toBeGreaterThan(0);
    expect(statSync(h.home.paths.egressSocket).mode & 0o777).toBe(0o666);
  });

  it('allows a CONNECT the policy file allows, over TCP and over the sandbox socket', async () => {
    const { sock, res } = await connectVia(h.port, `upstream.test:${upstreams.echo.port}`);
    expect(res.status).toBe(200);
    expect((await roundTrip(sock, 'tcp')).toString()).toBe('tcp');
    sock.destroy();
    const us = connect(h.home.paths.egressSocket);
    const r = readResponse(us);
    us.write(`CONNECT upstream.test:${upstreams.echo.port} HTTP/1.1\r\nHost: upstream.test:${upstreams.echo.port}\r\n\r\n`);
    expect((await r).status).toBe(200);
    expect((await roundTrip(us, 'unix')).toString()).toBe('unix');
    us.destroy();
  });

  it('forwards an allowed plain-HTTP request', async () => {
    const { sock, res } = await rawRequest(h.port, `GET http://web.test:${upstreams.web.port}/hello HTTP/1.1\r\nHost: web.test:${upstreams.web.port}\r\n\r\n`);
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ url: '/hello' });
    sock.destroy();
  });

  it('denies an unlisted name that resolves to a private address with 403 private-address', async () => {
    const { res } = await connectVia(h.port, `private.test:${upstreams.echo.port}`);
    expect(res.status).toBe(403);
    expect(res.json()).toMatchObject({ error: 'denied', rule_hint: expect.stringContaining('allowed_ips') });
  });

  it('with clawdeck.ask_private the same private name is held instead; "always" names the address in allowed_ips', async () => {
    const original = readFileSync(h.home.paths.policyFile, 'utf8');
    writeFileSync(h.home.paths.policyFile, `${original}clawdeck:\n  ask_private: [127.0.0.0/8]\n`);
    await waitFor(async () => JSON.parse((await h.home.cli(['policy', 'show', '--json'])).stdout).text?.includes('ask_private'), 'reload');
    try {
      const pending = connectVia(h.port, `private.test:${upstreams.echo.port}`);
      const [item] = await waitFor(async () => ((await pendingItems(h.home)).length ? pendingItems(h.home) : undefined), 'held private item');
      expect(item).toMatchObject({ host: 'private.test', risk: expect.arrayContaining(['private-address']) });
      expect((await h.home.cli(['approvals', 'allow', item!.id, '--scope', 'always'])).exitCode).toBe(0);
      const { sock, res } = await pending;
      expect(res.status).toBe(200);
      expect((await roundTrip(sock, 'private')).toString()).toBe('private');
      sock.destroy();
      expect(readFileSync(h.home.paths.policyFile, 'utf8')).toMatch(/host: private\.test[\s\S]*allowed_ips:[\s\S]*127\.0\.0\.1\/32/);
      const again = await connectVia(h.port, `private.test:${upstreams.echo.port}`);
      expect(again.res.status).toBe(200);
      again.sock.destroy();
    } finally {
      writeFileSync(h.home.paths.policyFile, original);
      await waitFor(async () => !JSON.parse((await h.home.cli(['policy', 'show', '--json'])).stdout).text?.includes('ask_private'), 'restore');
    }
  });

  it('holds an unknown host; `approvals allow` releases it', async () => {
    const pending = connectVia(h.port, 'held.test:443');
    const [item] = await waitFor(async () => ((await pendingItems(h.home)).length ? pendingItems(h.home) : undefined), 'item in approvals list');
    expect(item).toMatchObject({ host: 'held.test', hits: 1 });
    const st = JSON.parse((await h.home.cli(['status', '--json'])).stdout) as { approvals: { pending: number } };
    expect(st.approvals.pending).toBe(1);
    const r = await h.home.cli(['approvals', 'allow', item!.id]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/released 1/);
    const { sock, res } = await pending;
    expect(res.status).toBe(200);
    expect((await roundTrip(sock, 'released')).toString()).toBe('released');
    sock.destroy();
  });

  it('plain HTTP: `approvals allow --path-prefix` grants the prefix for the session; a keep-alive request outside it is held', async () => {
    const sock = connect({ host: '127.0.0.1', port: h.port });
    await new Promise<void>((r, j) => sock.once('connect', r).once('error', j));
    const get = (path: string) => {
      const res = readResponse(sock);
      sock.write(`GET http://held.test${path} HTTP/1.1\r\nHost: held.test\r\n\r\n`);
      return res;
    };
    const first = get('/api/x');
    const [item] = await waitFor(async () => ((await pendingItems(h.home)).length ? pendingItems(h.home) : undefined), 'held plain request');
    expect(item).toMatchObject({ host: 'held.test', port: 80, scheme: 'http', path: '/api/x' });
    const r = await h.home.cli(['approvals', 'allow', item!.id, '--scope', 'session', '--path-prefix', '/api']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/released 1/);
    expect((await first).json()).toMatchObject({ url: '/api/x' });
    expect((await get('/api/v%31')).json()).toMatchObject({ url: '/api/v1' });
    const outside = get('/apix');
    const [held] = await waitFor(async () => ((await pendingItems(h.home)).length ? pendingItems(h.home) : undefined), 'request outside the prefix held');
    expect(held).toMatchObject({ path: '/apix' });
    expect((await h.home.cli(['approvals', 'deny', held!.id])).exitCode).toBe(0);
    expect((await outside).status).toBe(403);
    sock.destroy();
  });

  it('`approvals deny` answers the held request with 403', async () => {
    const pending = connectVia(h.port, 'held.test:443');
    const [item] = await waitFor(async () => ((await pendingItems(h.home)).length ? pendingItems(h.home) : undefined), 'item');
    const d = await h.home.cli(['approvals', 'deny', item!.id]);
    expect(d.exitCode, d.stderr).toBe(0);
    expect((await pending).res.status).toBe(403);
  });

  it('`approvals watch --count 1` prints a new item and exits 0; without items it exits 1 on --timeout', async () => {
    const watcher = execa(process.execPath, [CLI, 'approvals', 'watch', '--json', '--count', '1', '--timeout', '30s'], { env: h.home.env, reject: false });
    const lines: string[] = [];
    watcher.stdout!.on('data', (c: Buffer) => lines.push(c.toString()));
    // the watcher is subscribed once it has printed nothing and the daemon knows two clients; trigger after a short poll
    await waitFor(async () => (await h.home.cli(['status', '--json'])).exitCode === 0, 'daemon answers');
    const pending = connectVia(h.port, 'other.test:443');
    const done = await watcher;
    expect(done.exitCode, done.stderr).toBe(0);
    expect(JSON.parse(done.stdout.trim().split('\n')[0]!)).toMatchObject({ host: 'other.test', kind: 'egress' });
    const [item] = await pendingItems(h.home);
    await h.home.cli(['approvals', 'deny', item!.id]);
    await pending;
    const idle = await h.home.cli(['approvals', 'watch', '--timeout', '300ms']);
    expect(idle.exitCode).toBe(1);
    expect(idle.stderr).toMatch(/no approval items within 300ms/);
  });

  it('`approvals allow --scope always` writes a stamped rule into policy.yaml and later connections pass', async () => {
    const pending = connectVia(h.port, 'held.test:443');
    const [item] = await waitFor(async () => ((await pendingItems(h.home)).length ? pendingItems(h.home) : undefined), 'item');
    const r = await h.home.cli(['approvals', 'allow', item!.id, '--scope', 'always']);
    expect(r.exitCode, r.stderr).toBe(0);
    (await pending).sock.destroy();
    const yaml = readFileSync(h.home.paths.policyFile, 'utf8');
    expect(yaml).toContain('held.test');
    expect(yaml).toMatch(/approved_by: .*cli:/);
    expect(yaml).toContain('# local upstreams used by the egress tests');
    const again = await connectVia(h.port, 'held.test:443');
    expect(again.res.status).toBe(200);
    again.sock.destroy();
  });

  it('`logs --audit --json --since 10m` lists the decisions with who decided', async () => {
    const r = await h.home.cli(['logs', '--audit', '--json', '--since', '10m']);
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(lines.some((l) => l.event === 'decision' && l.outcome === 'allow' && String(l.by).startsWith('cli:'))).toBe(true);
    expect(lines.some((l) => l.event === 'held')).toBe(true);
    expect(lines.some((l) => l.event === 'close' && typeof l.bytes_up === 'number')).toBe(true);
    const human = await h.home.cli(['logs', '--audit']);
    expect(human.stdout).toMatch(/decision:deny .*private\.test/);
    // A point in time reads the same entries; one after them reads none; a word is refused with the accepted forms.
    const at = await h.home.cli(['logs', '--audit', '--json', '--since', new Date(Date.now() - 600_000).toISOString()]);
    expect(JSON.parse(at.stdout)).toHaveLength(lines.length);
    const later = await h.home.cli(['logs', '--audit', '--json', '--since', new Date(Date.now() + 60_000).toISOString()]);
    expect(JSON.parse(later.stdout)).toEqual([]);
    const bad = await h.home.cli(['logs', '--audit', '--since', 'yesterday']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('2026-12-07T09:30:00Z');
  });

  it('closes a live tunnel when the policy file stops allowing it, and keeps the others', async () => {
    const keep = await connectVia(h.port, `web.test:${upstreams.web.port}`);
    const drop = await connectVia(h.port, `upstream.test:${upstreams.echo.port}`);
    expect(drop.res.status).toBe(200);
    await roundTrip(drop.sock, 'x');
    const closed = new Promise((r) => drop.sock.once('close', r));
    // the same file without the upstream.test endpoint (web.test stays allowed)
    const yaml = `version: 1\nnetwork_policies:\n  local:\n    endpoints:\n      - host: web.test\n        port: ${upstreams.web.port}\n        allowed_ips: ["127.0.0.1/32"]\n`;
    writeFileSync(h.home.paths.policyFile, yaml);
    await closed;
    expect(keep.sock.destroyed).toBe(false);
    keep.sock.destroy();
  });
});

describe('egress fail-closed', () => {
  it('answers 403 awaiting_approval after the hold timeout', async () => {
    const h = await startHome('proxy:\n  listen: 127.0.0.1:0\n  hold_timeout: 1s\ninference:\n  listen: 127.0.0.1:0\n');
    try {
      const { res } = await connectVia(h.port, 'held.test:443');
      expect(res.status, res.headers + res.body).toBe(403);
      expect(res.json()).toMatchObject({ error: 'awaiting_approval' });
    } finally {
      await h.home.cleanup();
    }
  });

  it('kill -9 of the daemon closes held connections, keeps every audit line whole, and approves nothing after restart', async () => {
    const h = await startHome('proxy:\n  listen: 127.0.0.1:0\n  hold_timeout: 60s\ninference:\n  listen: 127.0.0.1:0\n');
    try {
      const held = [connectVia(h.port, 'held.test:443'), connectVia(h.port, 'held.test:443'), connectVia(h.port, 'other.test:443')];
      await waitFor(async () => {
        const items = await pendingItems(h.home);
        return items.reduce((n, i) => n + i.hits, 0) === 3;
      }, 'three held');
      const pid = Number(readFileSync(h.home.paths.pidFile, 'utf8'));
      process.kill(pid, 'SIGKILL');
      const results = await Promise.allSettled(held);
      // no 200 ever: each held connection is closed without an answer
      for (const r of results) expect(r.status === 'rejected' || r.value.res.status !== 200).toBe(true);
      const lines = readFileSync(h.home.paths.auditLog, 'utf8').split('\n');
      expect(lines.at(-1)).toBe('');
      const parsed = lines.filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(parsed.filter((l) => l.event === 'held')).toHaveLength(3);
      expect(parsed.some((l) => l.event === 'decision' && l.outcome === 'allow' && /held|other/.test(String(l.host)))).toBe(false);
      const up = await h.home.cli(['up', '--no-sandbox'], { env: h.env });
      expect(up.exitCode, up.stderr).toBe(0);
      expect(await pendingItems(h.home)).toEqual([]);
      expect(existsSync(h.home.paths.egressSocket)).toBe(true);
      // a graceful `down` answers what is still held with 403 instead of leaving it hanging
      const port2 = Number((JSON.parse((await h.home.cli(['status', '--json'])).stdout) as { proxy: { listen: string } }).proxy.listen.split(':').at(-1));
      const late = connectVia(port2, 'held.test:443');
      await waitFor(async () => (await pendingItems(h.home)).length === 1, 'held again');
      expect((await h.home.cli(['down'])).exitCode).toBe(0);
      const { res } = await late;
      expect(res.status).toBe(403);
      expect(res.json()).toMatchObject({ reason: expect.stringContaining('daemon is stopping') });
    } finally {
      await h.home.cleanup();
    }
  });
});
