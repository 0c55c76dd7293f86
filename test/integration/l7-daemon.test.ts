import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeHome, waitFor, type TestHome } from '../helpers/home.js';
import { SandboxCa } from '../../src/egress/sandbox-ca.js';
import { sandboxCaDir } from '../../src/egress/service.js';
import { startHttpsUpstream, tunnelAgent, send } from '../helpers/l7.js';
import { readFileSync } from 'node:fs';

// L7 through a real daemon: config (inspect_unknown, sandbox.extra_ca_file as the upstream's CA), the CA from the
// state dir, the approval queue over the socket and the CLI. "Public" names are redirected to loopback by the dial map.
const PUBLIC = '93.184.216.34';
let dir: string;
let up: Awaited<ReturnType<typeof startHttpsUpstream>>;
let home: TestHome;
let port: number;
let sandboxCaPem: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clawdeck-l7-daemon-'));
  const upCa = await SandboxCa.loadOrCreate(join(dir, 'upstream-ca'), 'daemon test upstream CA');
  const rogue = await SandboxCa.loadOrCreate(join(dir, 'rogue'), 'rogue');
  up = await startHttpsUpstream(upCa, { ca: rogue, names: [] });
  const caFile = join(dir, 'upstream-ca.pem');
  writeFileSync(caFile, upCa.certPem);
  home = makeHome(`proxy:\n  listen: 127.0.0.1:0\n  hold_timeout: 20s\n  inspect_unknown: true\ninference:\n  listen: 127.0.0.1:0\nsandbox:\n  extra_ca_file: ${caFile}\n`);
  writeFileSync(home.paths.policyFile, `version: 1\nnetwork_policies:\n  api:\n    endpoints:\n      - host: api.example\n        port: 443\n        protocol: rest\n        access: read-only\n`);
  writeFileSync(home.paths.hostsFile, `${PUBLIC} api.example new.example\n`);
  const env = { CLAWDECK_TEST_HOOKS: '1', CLAWDECK_TEST_DIAL_MAP: `${PUBLIC}:443=${up.port}` };
  const r = await home.cli(['up', '--no-sandbox'], { env });
  expect(r.exitCode, r.stderr).toBe(0);
  const st = JSON.parse((await home.cli(['status', '--json'])).stdout) as { proxy: { listen: string } };
  port = Number(st.proxy.listen.split(':').at(-1));
  sandboxCaPem = readFileSync(join(sandboxCaDir(home.paths), 'ca.crt'), 'utf8');
}, 60_000);
afterAll(async () => {
  await home?.cleanup();
  await up?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('L7 egress through a real daemon', () => {
  it('access: read-only on an inspected endpoint: GET passes (upstream verified with sandbox.extra_ca_file), POST is 403', async () => {
    const agent = tunnelAgent(port, 'api.example', 443, sandboxCaPem);
    const g = await send({ agent, host: 'api.example', port: 443, path: '/v1/list' });
    expect(g.status, g.body).toBe(200);
    expect(g.json()).toMatchObject({ method: 'GET', url: '/v1/list', sni: 'api.example' });
    const p = await send({ agent, host: 'api.example', port: 443, method: 'POST', path: '/v1/list', body: '{}' });
    expect(p.status).toBe(403);
    expect(p.json().error).toBe('denied');
    agent.destroy();
  });

  it('an unknown host is held per request: approvals list shows method, path (query redacted), body size; CLI allow --path-prefix releases it', async () => {
    const agent = tunnelAgent(port, 'new.example', 443, sandboxCaPem);
    const pending = send({ agent, host: 'new.example', port: 443, method: 'PUT', path: '/files/a.txt?sig=topsecret', body: 'hello world' });
    const item = await waitFor(async () => {
      const r = await home.cli(['approvals', 'list', '--json']);
      return (JSON.parse(r.stdout) as Record<string, unknown>[]).find((i) => i.host === 'new.example');
    }, 'held item via CLI');
    expect(item).toMatchObject({ scheme: 'https', method: 'PUT', path: '/files/a.txt?<redacted>', body_bytes: 11 });
    const human = await home.cli(['approvals', 'list']);
    expect(human.stdout).toContain('PUT /files/a.txt?<redacted> (11 B body)');
    const allow = await home.cli(['approvals', 'allow', String(item.id), '--scope', 'session', '--path-prefix', '/files']);
    expect(allow.exitCode, allow.stderr).toBe(0);
    const r = await pending;
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ method: 'PUT', url: '/files/a.txt?sig=topsecret', body: 'hello world' });
    expect((await send({ agent, host: 'new.example', port: 443, path: '/files/b' })).status).toBe(200);
    const bad = await home.cli(['approvals', 'allow', 'x', '--path-prefix', 'files']);
    expect(bad.exitCode).toBe(2);
    expect(readFileSync(home.paths.auditLog, 'utf8')).not.toContain('topsecret');
    agent.destroy();
  });
});
