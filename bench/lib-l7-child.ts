// Child processes for bench/l7.ts: `upstream <dir>` (HTTPS server with its own test CA) or
// `proxy <dir> <upstreamPort>` (clawdeck proxy with the real policy engine and TLS inspection).
import { createServer } from 'node:https';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { SandboxCa } from '../src/egress/sandbox-ca.js';
import { ProxyCore } from '../src/egress/proxy-core.js';
import { HoldQueue } from '../src/egress/hold-queue.js';
import { AuditLog } from '../src/egress/audit-log.js';
import { tcpDialer } from '../src/egress/resolver.js';
import { FilePolicyEngine } from '../src/policy/engine.js';

const [mode, dir, upPortArg] = process.argv.slice(2);
if (mode === 'upstream') {
  const ca = await SandboxCa.loadOrCreate(join(dir!, 'upstream-ca'), 'bench upstream CA');
  const leaf = await ca.leafFor('api.bench');
  const plain = await ca.leafFor('plain.bench');
  const { createSecureContext } = await import('node:tls');
  const plainCtx = createSecureContext({ key: plain.key, cert: plain.cert });
  const body = Buffer.from(JSON.stringify({ ok: true, data: 'x'.repeat(200) }));
  const srv = createServer(
    { key: leaf.key, cert: leaf.cert, SNICallback: (n, cb) => cb(null, n === 'plain.bench' ? plainCtx : undefined), keepAliveTimeout: 60_000 },
    (req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
        res.end(body);
      });
    },
  );
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  process.stdout.write(JSON.stringify({ port: (srv.address() as AddressInfo).port, ca: ca.certPem }) + '\n');
} else {
  const upPort = Number(upPortArg);
  const policyFile = join(dir!, 'policy.yaml');
  writeFileSync(
    policyFile,
    `version: 1
network_policies:
  bench:
    endpoints:
      - host: api.bench
        port: ${upPort}
        protocol: rest
        allowed_ips: ["127.0.0.1/32"]
        rules:
          - allow: { method: GET, path: /bench/** }
      - host: plain.bench
        port: ${upPort}
        protocol: rest
        tls: skip
        allowed_ips: ["127.0.0.1/32"]
`,
  );
  const policy = await FilePolicyEngine.open(policyFile);
  const ca = await SandboxCa.loadOrCreate(join(dir!, 'sandbox-ca'));
  const upstreamCa = [(JSON.parse(process.env.L7_UPSTREAM_CA_JSON ?? '""') as string)];
  const audit = new AuditLog(join(dir!, 'audit.jsonl'));
  const queue = new HoldQueue({ holdTimeoutMs: 1000, policy, onChange: () => {}, onNew: () => {}, onResolved: () => {} });
  const core = new ProxyCore({
    policy, queue, audit, dialer: tcpDialer, maxHeaderBytes: 32 * 1024, headerTimeoutMs: 10_000, idleTimeoutMs: 600_000,
    resolver: async (h) => (h.endsWith('.bench') ? ['127.0.0.1'] : []),
    inspect: { ca, upstreamCa, inspectUnknown: false, passthrough: [] },
  });
  const addr = await core.listenTcp('127.0.0.1', 0);
  process.stdout.write(JSON.stringify({ port: addr.port, ca: ca.certPem }) + '\n');
}
process.on('SIGTERM', () => process.exit(0));
