import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { execa } from 'execa';
import { makeHome, waitFor, type TestHome } from '../helpers/home.js';
import { readAudit, readResponse, startHttpUpstream } from '../helpers/egress.js';

// network_policies.<name>.binaries[] end to end with `up --no-sandbox`: the daemon attributes each loopback
// connection to the executable that opened it (/proc) and the rule admits only the listed binary.
const CURL = realpathSync('/usr/bin/curl');
const NODE = realpathSync(process.execPath);

let web: Awaited<ReturnType<typeof startHttpUpstream>>;
let home: TestHome;
let port: number;

const policy = (webPort: number, binaries: string): string => `version: 1
network_policies:
  curl_only:
    endpoints:
      - host: web.test
        port: ${webPort}
        allowed_ips: ["127.0.0.1/32"]
    binaries:
${binaries}
  anyone:
    endpoints:
      - host: open.test
        port: ${webPort}
        allowed_ips: ["127.0.0.1/32"]
clawdeck:
  unknown_hosts: deny
`;

// One plain-HTTP GET through the proxy from a fresh node process (its /proc/<pid>/exe is node).
const nodeGet = (url: string, tunnel = false) =>
  execa(
    process.execPath,
    [
      '-e',
      tunnel
        ? `const net=require('net');const u=new URL(process.argv[1]);const s=net.connect(${port},'127.0.0.1',()=>s.write('CONNECT '+u.host+' HTTP/1.1\\r\\nHost: '+u.host+'\\r\\n\\r\\n'));let b='';s.on('data',d=>{b+=d;if(b.includes('\\r\\n\\r\\n')){console.log(b.split('\\r\\n')[0]);process.stdout.write(b.slice(b.indexOf('\\r\\n\\r\\n')+4));s.destroy()}})`
        : `const http=require('http');http.get({host:'127.0.0.1',port:${port},path:process.argv[1],headers:{host:new URL(process.argv[1]).host}},r=>{let b='';r.on('data',d=>b+=d);r.on('end',()=>{console.log(r.statusCode);console.log(b)})})`,
      url,
    ],
    { reject: false, timeout: 15_000 },
  );

const curl = (args: string[]) => execa('curl', ['-sS', '--noproxy', '', '-o', '-', '-w', '\\n%{http_code}', '-x', `http://127.0.0.1:${port}`, ...args], { reject: false, timeout: 15_000 });

beforeAll(async () => {
  web = await startHttpUpstream();
  home = makeHome('proxy:\n  listen: 127.0.0.1:0\ninference:\n  listen: 127.0.0.1:0\n');
  writeFileSync(home.paths.policyFile, policy(web.port, `      - { path: ${CURL} }`));
  writeFileSync(home.paths.hostsFile, '127.0.0.1 web.test open.test held.test\n');
  const up = await home.cli(['up', '--no-sandbox']);
  expect(up.exitCode, up.stderr).toBe(0);
  const st = JSON.parse((await home.cli(['status', '--json'])).stdout) as { proxy: { listen: string } };
  port = Number(st.proxy.listen.split(':').at(-1));
});
afterAll(async () => {
  await home?.cleanup();
  await web?.close();
});

describe('binaries[] with up --no-sandbox', () => {
  it('lets the listed binary (curl) through, plain HTTP and CONNECT', async () => {
    const r = await curl([`http://web.test:${web.port}/plain`]);
    expect(r.stdout.split('\n').at(-1), r.stdout + r.stderr).toBe('200');
    expect(r.stdout).toContain('"url":"/plain"');
    const t = await curl(['-p', `http://web.test:${web.port}/tunnel`]);
    expect(t.stdout.split('\n').at(-1), t.stdout + t.stderr).toBe('200');
    expect(t.stdout).toContain('"url":"/tunnel"');
  });

  it('denies another binary (node) and says which binary was seen and which would be allowed', async () => {
    const r = await nodeGet(`http://web.test:${web.port}/plain`);
    const [status, ...rest] = r.stdout.split('\n');
    expect(status, r.stderr).toBe('403');
    const body = JSON.parse(rest.join('\n')) as { reason: string };
    expect(body.reason).toContain(`binary ${NODE}`);
    expect(body.reason).toContain(`allows only ${CURL}`);
    expect((body as { rule_hint?: string }).rule_hint).toContain("add its path to that entry's binaries");
    const t = await nodeGet(`http://web.test:${web.port}/tunnel`, true);
    expect(t.stdout.split('\n')[0], t.stderr).toMatch(/^HTTP\/1\.1 403/);
    expect(t.stdout).toContain(`binary ${NODE}`);
  });

  it('entries without binaries stay open to every binary', async () => {
    const r = await nodeGet(`http://open.test:${web.port}/x`);
    expect(r.stdout.split('\n')[0], r.stderr).toBe('200');
  });

  it('policy show lists the binaries of each rule', async () => {
    const r = await home.cli(['policy', 'show']);
    expect(r.stdout).toMatch(new RegExp(`curl_only/endpoints\\[0\\].*only ${CURL}`));
    const j = JSON.parse((await home.cli(['policy', 'show', '--json'])).stdout) as { rules: { id: string; binaries?: string[] | null }[] };
    expect(j.rules.find((x) => x.id === 'curl_only/endpoints[0]')?.binaries).toEqual([CURL]);
    expect(j.rules.find((x) => x.id === 'anyone/endpoints[0]')?.binaries).toBeNull();
  });

  it('writes the attributed binary into the audit log', async () => {
    const lines = await waitFor(async () => {
      const all = await readAudit(home.paths.auditLog);
      const mine = all.filter((l) => l.event === 'decision' && l.host === 'web.test');
      return mine.some((l) => l.binary === CURL && l.outcome === 'allow') && mine.some((l) => l.binary === NODE && l.outcome === 'deny') ? mine : null;
    }, 'audit lines with binaries');
    expect(lines.length).toBeGreaterThanOrEqual(3);
  });

  it('attributes a connection on the sandbox socket without a relay preamble as unknown', async () => {
    const us = connect(home.paths.egressSocket);
    const res = readResponse(us);
    us.write(`GET http://web.test:${web.port}/u HTTP/1.1\r\nHost: web.test:${web.port}\r\nConnection: close\r\n\r\n`);
    const r = await res;
    us.destroy();
    expect(r.status).toBe(403);
    expect(r.body.toString()).toContain('binary unknown (sandbox connection without a relay preamble)');
  });

  it('trusts a relay preamble on egress-peer.sock only with this start\'s token', async () => {
    expect(existsSync(join(home.paths.sandboxDir, 'egress-attribute'))).toBe(true);
    const token = readFileSync(join(home.paths.stateDir, 'sandbox', 'relay-token'), 'utf8').trim();
    const peer = join(home.paths.sandboxDir, 'egress-peer.sock');
    const ask = async (preamble: string, req: string) => {
      const us = connect(peer);
      const res = readResponse(us);
      us.write(preamble + req);
      const r = await res;
      us.destroy();
      return r;
    };
    const claim = (tok: string, exe: string) => `CLAWDECK-PEER ${tok} ${JSON.stringify({ owners: [{ exe, ancestors: ['/opt/node/bin/node'] }] })}\n`;
    const get = `GET http://web.test:${web.port}/p HTTP/1.1\r\nHost: web.test:${web.port}\r\nConnection: close\r\n\r\n`;
    const ok = await ask(claim(token, CURL), get);
    expect(ok.status, ok.body).toBe(200);
    const tunnel = await ask(claim(token, CURL), `CONNECT web.test:${web.port} HTTP/1.1\r\nHost: web.test:${web.port}\r\n\r\n`);
    expect(tunnel.status, tunnel.body).toBe(200);
    const other = await ask(claim(token, '/usr/bin/wget'), get);
    expect(other.status).toBe(403);
    expect(other.body).toContain('binary /usr/bin/wget (ancestors: /opt/node/bin/node)');
    const forged = await ask(claim('x'.repeat(token.length), CURL), get);
    expect(forged.status).toBe(403);
    expect(forged.body).toContain('binary unknown (untrusted relay preamble (wrong token))');
    const bare = await ask('', get);
    expect(bare.status).toBe(403);
    expect(bare.body).toContain('binary unknown (no relay preamble)');
  });

  it('a hot reload that lists node (a glob) lets node through, and curl too because node is its ancestor', async () => {
    writeFileSync(home.paths.policyFile, policy(web.port, `      - { path: "${NODE.replace(/[^/]+$/, '*')}" }`));
    await waitFor(async () => (await nodeGet(`http://web.test:${web.port}/n`)).stdout.startsWith('200') || null, 'node allowed after reload');
    // curl's parent is this test's node process: OpenShell's rule admits a listed ancestor.
    const r = await curl([`http://web.test:${web.port}/c`]);
    expect(r.stdout.split('\n').at(-1)).toBe('200');
  });
});

describe('the approval queue', () => {
  it('shows the binary of a held connection (approvals list), and deny releases it', async () => {
    writeFileSync(home.paths.policyFile, policy(web.port, `      - { path: ${CURL} }`).replace('unknown_hosts: deny', 'unknown_hosts: ask\n  ask_private: [127.0.0.0/8]'));
    // The previous policy let node reach web.test; this one does not: a 403 means it is in force.
    await waitFor(async () => (await nodeGet(`http://web.test:${web.port}/z`)).stdout.startsWith('403') || null, 'policy reloaded');
    const pending = curl([`http://held.test:${web.port}/h`]);
    const item = await waitFor(async () => {
      const r = await home.cli(['approvals', 'list', '--json']);
      return (JSON.parse(r.stdout) as { id: string; host: string; binary?: string }[]).find((i) => i.host === 'held.test');
    }, 'held item').catch(async (e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify((await readAudit(home.paths.auditLog)).filter((l) => l.host === 'held.test'))} ${(await pending).stdout}`);
    });
    expect(item.binary).toBe(CURL);
    const list = await home.cli(['approvals', 'list']);
    expect(list.stdout).toContain(`held.test:${web.port} GET /h by ${CURL}`);
    expect((await home.cli(['approvals', 'deny', item.id])).exitCode).toBe(0);
    expect((await pending).stdout.split('\n').at(-1)).toBe('403');
  });
});

describe('the relay flag follows the policy', () => {
  it('removes egress-attribute when no rule has binaries any more', async () => {
    writeFileSync(home.paths.policyFile, 'version: 1\nnetwork_policies:\n  a:\n    endpoints: [{ host: open.test, port: 443 }]\n');
    await waitFor(() => !existsSync(join(home.paths.sandboxDir, 'egress-attribute')) || null, 'flag removed');
  });
});
