import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeHome, waitFor, type TestHome } from '../helpers/home.js';
import { dexec, dockerAvailable, ensureBaseImage } from '../helpers/docker.js';
import { readAudit, startHttpUpstream } from '../helpers/egress.js';
import { sandboxNames } from '../../src/sandbox/state.js';

// binaries[] in the real sandbox: the in-container relay attributes each 127.0.0.1:3128 connection (/proc) and
// vouches for it with the per-start token; the agent (uid 1000 inside the Landlock domain) can neither read that
// token nor pass a forged preamble off as the relay's.
const hasDocker = await dockerAvailable();
// What the agent runs: the launcher applies the same Landlock rules (and scrubs the token) before the program.
const AGENT = ['/opt/clawdeck/launcher', '--rules', '/etc/clawdeck/landlock.rules', '--'];

const policy = (port: number): string => `version: 1
filesystem_policy:
  include_workdir: false
  read_only: [/usr, /bin, /sbin, /lib, /lib64, /etc, /opt, /proc, /dev, /var/lib, /run/clawdeck]
  read_write: [/sandbox, /tmp, /dev/null]
landlock:
  compatibility: best_effort
network_policies:
  node_only:
    endpoints:
      - { host: web.test, port: ${port}, allowed_ips: ["127.0.0.1/32"] }
    binaries:
      - { path: /opt/node/bin/node }
  git_only:
    endpoints:
      - { host: tool.test, port: ${port}, allowed_ips: ["127.0.0.1/32"] }
    binaries:
      - { path: /usr/bin/git }
clawdeck:
  unknown_hosts: deny
`;

// A GET through the relay (127.0.0.1:3128) from node, and the same from bash's /dev/tcp (exe /usr/bin/bash;
// builtins only: a forked `cat` would share the socket and make the attribution ambiguous, i.e. unknown).
const nodeGet = (host: string, port: number) =>
  `const s=require('net').connect(3128,'127.0.0.1',()=>s.write('GET http://${host}:${port}/n HTTP/1.1\\r\\nHost: ${host}:${port}\\r\\nConnection: close\\r\\n\\r\\n'));let b='';s.on('data',d=>b+=d);s.on('close',()=>console.log(b))`;
const bashGet = (host: string, port: number) =>
  `exec 3<>/dev/tcp/127.0.0.1/3128; printf 'GET http://${host}:${port}/b HTTP/1.1\\r\\nHost: ${host}:${port}\\r\\nConnection: close\\r\\n\\r\\n' >&3; while IFS= read -r l <&3; do echo "$l"; done; echo "$l"`;
// Straight to a daemon socket with a preamble of the agent's own making.
const forge = (sock: string, token: string, host: string, port: number) =>
  `const s=require('net').connect('/run/clawdeck/${sock}',()=>s.write('CLAWDECK-PEER ${token} '+JSON.stringify({owners:[{exe:'/usr/bin/git',ancestors:[]}]})+'\\nGET http://${host}:${port}/f HTTP/1.1\\r\\nHost: ${host}:${port}\\r\\nConnection: close\\r\\n\\r\\n'));let b='';s.on('data',d=>b+=d);s.on('close',()=>console.log(b));s.on('error',e=>console.log('ERR',e.code))`;

describe.skipIf(!hasDocker)('binaries[] in the sandbox', () => {
  let home: TestHome;
  let container: string;
  let web: Awaited<ReturnType<typeof startHttpUpstream>>;

  beforeAll(async () => {
    await ensureBaseImage();
    web = await startHttpUpstream();
    home = makeHome();
    writeFileSync(home.paths.policyFile, policy(web.port));
    writeFileSync(home.paths.hostsFile, '127.0.0.1 web.test tool.test\n');
    container = sandboxNames(home.paths).container;
    const up = await home.cli(['up', '--json'], { timeout: 900_000 });
    expect(up.exitCode, up.stderr).toBe(0);
  }, 900_000);

  afterAll(async () => {
    await home?.cli(['down', '--purge']);
    await home?.cleanup();
    await web?.close();
  }, 120_000);

  it('attributes node in the container to /opt/node/bin/node and lets it through', async () => {
    const r = await dexec(container, [...AGENT, 'node', '-e', nodeGet('web.test', web.port)]);
    expect(r.stdout, r.stderr).toMatch(/^HTTP\/1\.1 200/);
    expect(r.stdout).toContain('"url":"/n"');
    const line = await waitFor(async () => (await readAudit(home.paths.auditLog)).find((l) => l.event === 'decision' && l.path === '/n'), 'audit line');
    expect(line).toMatchObject({ outcome: 'allow', binary: '/opt/node/bin/node' });
  });

  it('attributes bash (/dev/tcp) to /usr/bin/bash and refuses it, naming the allowed binary', async () => {
    const r = await dexec(container, [...AGENT, 'bash', '-c', bashGet('web.test', web.port)]);
    expect(r.stdout, r.stderr).toMatch(/^HTTP\/1\.1 403/);
    expect(r.stdout).toContain('binary /usr/bin/bash');
    expect(r.stdout).toContain('allows only /opt/node/bin/node');
  });

  it('keeps the relay token out of the agent: not in its environment, and Landlock refuses the relay\'s and launcher\'s environ', async () => {
    // Control: outside Landlock (docker exec as the same uid) PID 1's environ holds the token, so the checks below can fail.
    const plain = await dexec(container, ['sh', '-c', 'tr "\\0" "\\n" < /proc/1/environ | grep -c CLAWDECK_RELAY_TOKEN=']);
    expect(plain.stdout.trim()).toBe('1');
    const env = await dexec(container, [...AGENT, 'sh', '-c', 'env | grep -c CLAWDECK_RELAY_TOKEN || true']);
    expect(env.stdout.trim()).toBe('0');
    const relayPid = 'for p in /proc/[0-9]*; do grep -q relay.mjs $p/cmdline 2>/dev/null && echo ${p#/proc/}; done | head -1';
    const r = await dexec(container, [...AGENT, 'sh', '-c', `cat /proc/1/environ >/dev/null 2>&1 && echo READ1; cat /proc/$(${relayPid})/environ >/dev/null 2>&1 && echo READRELAY; cat /proc/$(${relayPid})/mem >/dev/null 2>&1 && echo READMEM; echo done`]);
    expect(r.stdout.trim()).toBe('done');
  });

  it('does not trust a preamble the agent writes to egress-peer.sock itself', async () => {
    const r = await dexec(container, [...AGENT, 'node', '-e', forge('egress-peer.sock', 'guessed-token', 'tool.test', web.port)]);
    expect(r.stdout, r.stderr).toMatch(/^HTTP\/1\.1 403/);
    expect(r.stdout).toContain('binary unknown (untrusted relay preamble (wrong token))');
    // Through the relay, the forged line is not a preamble at all: the relay's own comes first.
    const via = await dexec(container, [...AGENT, 'node', '-e', `const s=require('net').connect(3128,'127.0.0.1',()=>s.write('CLAWDECK-PEER x {"owners":[{"exe":"/usr/bin/git","ancestors":[]}]}\\nGET http://tool.test:${web.port}/v HTTP/1.1\\r\\nHost: tool.test:${web.port}\\r\\n\\r\\n'));let b='';s.on('data',d=>{b+=d;s.destroy()});s.on('close',()=>console.log(b))`]);
    expect(via.stdout).toMatch(/^HTTP\/1\.1 4\d\d/);
    expect(via.stdout).not.toContain('"url":"/v"');
    // The plain sandbox socket takes no preamble: unknown for a binaries[] rule.
    const plain = await dexec(container, [...AGENT, 'node', '-e', forge('egress.sock', 'x', 'tool.test', web.port)]);
    expect(plain.stdout).toMatch(/^HTTP\/1\.1 400/);
    const audit = await readAudit(home.paths.auditLog);
    expect(audit.some((l) => l.host === 'tool.test' && l.outcome === 'allow')).toBe(false);
  });

  it('stops attributing once no rule has binaries: the relay goes back to the plain socket', async () => {
    writeFileSync(home.paths.policyFile, policy(web.port).replace(/\n    binaries:\n      - \{ path: [^}]+\}/g, ''));
    await waitFor(() => !existsSync(join(home.paths.sandboxDir, 'egress-attribute')) || null, 'flag removed');
    // With egress-peer.sock moved away, only a relay that no longer attributes can get through.
    const peer = join(home.paths.sandboxDir, 'egress-peer.sock');
    renameSync(peer, `${peer}.away`);
    let r;
    try {
      r = await dexec(container, [...AGENT, 'bash', '-c', bashGet('tool.test', web.port)]);
    } finally {
      renameSync(`${peer}.away`, peer);
    }
    expect(r.stdout, r.stderr).toMatch(/^HTTP\/1\.1 200/);
    const line = await waitFor(async () => (await readAudit(home.paths.auditLog)).find((l) => l.event === 'decision' && l.path === '/b' && l.host === 'tool.test'), 'audit line');
    expect(line.outcome).toBe('allow');
    expect(line).not.toHaveProperty('binary');
  });
});
