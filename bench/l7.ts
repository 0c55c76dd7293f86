// L7 inspection cost: keep-alive GET latency through an inspected tunnel vs a plain (tls: skip) tunnel, and new
// TLS connections/s through the inspector vs direct. Upstream and proxy each run in their own process.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import type { BenchRow } from './types.js';

const GETS = 3000;
const RATE_MS = 2000;
const CONCURRENCY = 8;

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

const child = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ proc: ChildProcess; info: { port: number; ca: string } }> => {
  const proc = spawn(process.execPath, [...process.execArgv, join(import.meta.dirname, 'lib-l7-child.js'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once('line', resolve);
    proc.once('exit', (c) => reject(new Error(`l7 bench child exited ${c}`)));
  });
  return { proc, info: JSON.parse(line) as { port: number; ca: string } };
};

// A TLS session to host:port, through a CONNECT tunnel when proxyPort is given.
const contexts = new Map<string, SecureContext>();
const open = (host: string, port: number, ca: string, proxyPort?: number): Promise<TLSSocket> =>
  new Promise((resolve, reject) => {
    const tcp: Socket = connect({ host: '127.0.0.1', port: proxyPort ?? port, noDelay: true });
    tcp.once('error', reject);
    const startTls = (): void => {
      let secureContext = contexts.get(ca);
      if (!secureContext) contexts.set(ca, (secureContext = createSecureContext({ ca: [ca] })));
      const t = tlsConnect({ socket: tcp, servername: host, secureContext, ALPNProtocols: ['http/1.1'] });
      t.once('secureConnect', () => resolve(t));
      t.once('error', reject);
    };
    if (proxyPort === undefined) return void tcp.once('connect', startTls);
    tcp.once('connect', () => tcp.write(`CONNECT ${host}:${port} HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`));
    let buf = '';
    const onData = (c: Buffer): void => {
      buf += c.toString('latin1');
      if (!buf.includes('\r\n\r\n')) return;
      tcp.off('data', onData);
      if (!buf.startsWith('HTTP/1.1 200')) return reject(new Error(buf.split('\r\n')[0]));
      startTls();
    };
    tcp.on('data', onData);
  });

// One GET on an open TLS session; resolves when the whole (content-length) response is in.
const get = (s: TLSSocket, host: string, port: number): Promise<void> =>
  new Promise((resolve, reject) => {
    let buf = '';
    const onData = (c: Buffer): void => {
      buf += c.toString('latin1');
      const i = buf.indexOf('\r\n\r\n');
      if (i === -1) return;
      const len = Number(/content-length: (\d+)/i.exec(buf.slice(0, i))?.[1] ?? 0);
      if (buf.length - i - 4 < len) return;
      s.off('data', onData);
      if (!buf.startsWith('HTTP/1.1 200')) return reject(new Error(buf.split('\r\n')[0]));
      resolve();
    };
    s.on('data', onData);
    s.write(`GET /bench/item?id=1 HTTP/1.1\r\nHost: ${host}:${port}\r\naccept: application/json\r\n\r\n`);
  });

const latencies = async (host: string, port: number, ca: string, proxyPort: number): Promise<number[]> => {
  const s = await open(host, port, ca, proxyPort);
  for (let i = 0; i < 200; i++) await get(s, host, port); // warm-up
  const out: number[] = [];
  for (let i = 0; i < GETS; i++) {
    const t0 = performance.now();
    await get(s, host, port);
    out.push(performance.now() - t0);
  }
  s.destroy();
  return out;
};

// New sessions per second (TCP [+ CONNECT] + TLS handshake + one GET + close), CONCURRENCY at a time.
const connRate = async (host: string, port: number, ca: string, proxyPort?: number): Promise<number> => {
  const deadline = performance.now() + RATE_MS;
  let n = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const s = await open(host, port, ca, proxyPort);
      await get(s, host, port);
      s.destroy();
      n++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return n / ((performance.now() - t0) / 1000);
};

export const rows = async (): Promise<BenchRow[]> => {
  const dir = mkdtempSync(join(tmpdir(), 'clawdeck-bench-l7-'));
  const up = await child(['upstream', dir]);
  const px = await child(['proxy', dir, String(up.info.port)], { L7_UPSTREAM_CA_JSON: JSON.stringify(up.info.ca) });
  try {
    const P = up.info.port;
    const plain = await latencies('plain.bench', P, up.info.ca, px.info.port);
    const insp = await latencies('api.bench', P, px.info.ca, px.info.port);
    const direct = await connRate('api.bench', P, up.info.ca);
    const inspected = await connRate('api.bench', P, px.info.ca, px.info.port);
    const p50 = [percentile(plain, 50), percentile(insp, 50)] as const;
    const p99 = [percentile(plain, 99), percentile(insp, 99)] as const;
    const r = (x: number): number => Math.round(x * 1000) / 1000;
    return [
      { name: 'l7 keep-alive GET p50: inspected vs plain tunnel', baseline: r(p50[0]), value: r(p50[1]), unit: 'ms', ratio: r(p50[1] / p50[0]), goal: 'added p50 ≤ 1 ms', pass: p50[1] - p50[0] <= 1 },
      { name: 'l7 keep-alive GET p99: inspected vs plain tunnel', baseline: r(p99[0]), value: r(p99[1]), unit: 'ms', ratio: r(p99[1] / p99[0]), goal: 'added p99 ≤ 3 ms', pass: p99[1] - p99[0] <= 3 },
      { name: 'l7 new TLS sessions/s (handshake+GET): inspector vs direct', baseline: Math.round(direct), value: Math.round(inspected), unit: 'conn/s', ratio: r(inspected / direct), goal: '≥ 0.3x direct', pass: inspected / direct >= 0.3 },
    ];
  } finally {
    up.proc.kill('SIGTERM');
    px.proc.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
};

if (import.meta.url === `file://${process.argv[1]}`) console.table(await rows());
