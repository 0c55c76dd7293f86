import { connect, type Socket } from 'node:net';
import { request, Agent } from 'node:http';
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import type { BenchRow } from './types.js';
import { startMinimalNode, startSquid, startTinyproxy, type BenchProxy } from './lib-egress-proxies.js';
import { startClawdeckProxy } from './lib-egress-clawdeck.js';

const THROUGHPUT_MS = 1000;
// Rounds per metric, interleaved across targets; the best round counts (other tenants on the machine only add noise).
const ROUNDS = 2;

type Via = { name: string; port?: number; pid?: number };

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

// Opens a TCP stream to 127.0.0.1:port, directly or through a CONNECT tunnel.
const openTunnel = (via: Via, port: number): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: via.port ?? port, noDelay: true });
    s.once('error', reject);
    if (via.port === undefined) return void s.once('connect', () => resolve(s));
    s.once('connect', () => s.write(`CONNECT 127.0.0.1:${port} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`));
    let buf = '';
    const onData = (c: Buffer): void => {
      buf += c.toString('latin1');
      const i = buf.indexOf('\r\n\r\n');
      if (i === -1) return;
      s.off('data', onData);
      if (!/^HTTP\/1\.[01] 200/.test(buf)) return reject(new Error(`${via.name}: ${buf.split('\r\n')[0]}`));
      if (buf.length > i + 4) s.unshift(Buffer.from(buf.slice(i + 4), 'latin1'));
      resolve(s);
    };
    s.on('data', onData);
  });

// Bytes/s downloaded over n parallel streams from a server that writes as fast as backpressure allows.
const throughput = async (via: Via, sourcePort: number, n: number): Promise<number> => {
  const socks = await Promise.all(Array.from({ length: n }, () => openTunnel(via, sourcePort)));
  let bytes = 0;
  let counting = false;
  for (const s of socks) s.on('data', (c: Buffer) => counting && (bytes += c.length));
  await new Promise((r) => setTimeout(r, 200)); // warm-up
  counting = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, THROUGHPUT_MS));
  const secs = (performance.now() - t0) / 1000;
  counting = false;
  for (const s of socks) s.destroy();
  return bytes / secs;
};

// Time to a usable stream (direct: TCP connect; proxied: connect + CONNECT + 200), sequential.
const setupTimes = async (via: Via, port: number, n: number): Promise<number[]> => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const s = await openTunnel(via, port);
    out.push(performance.now() - t0);
    s.destroy();
  }
  return out;
};

// One GET; a request that lost the race with a server closing an idle keep-alive socket is retried (node's documented pattern).
const get = (via: Via, agent: Agent, port: number, retry = true): Promise<void> =>
  new Promise((resolve, reject) => {
    const r = request(
      {
        agent,
        host: '127.0.0.1',
        port: via.port ?? port,
        path: via.port === undefined ? '/x' : `http://127.0.0.1:${port}/x`,
        headers: { host: `127.0.0.1:${port}` },
      },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${via.name}: HTTP ${res.statusCode}`))));
      },
    );
    r.on('error', (e: NodeJS.ErrnoException) => (retry && r.reusedSocket && e.code === 'ECONNRESET' ? get(via, agent, port, false).then(resolve, reject) : reject(e)));
    r.end();
  });

// Sequential keep-alive GET latencies (one connection).
const keepAliveLatencies = async (via: Via, port: number, n: number): Promise<number[]> => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < 200; i++) await get(via, agent, port);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await get(via, agent, port);
    out.push(performance.now() - t0);
  }
  agent.destroy();
  return out;
};

// Requests per second with `conc` keep-alive clients in a closed loop.
const reqPerSec = async (via: Via, port: number, conc: number, ms: number): Promise<number> => {
  const agent = new Agent({ keepAlive: true, maxSockets: conc });
  let done = 0;
  const end = performance.now() + ms;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: conc }, async () => {
      while (performance.now() < end) {
        // A reference proxy that drops a connection under load costs that request, not the run.
        if (await get(via, agent, port).then(() => true, () => false)) done++;
      }
    }),
  );
  agent.destroy();
  return done / ((performance.now() - t0) / 1000);
};

const rssMb = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
};

const openMany = async (via: Via, port: number, n: number): Promise<Socket[]> => {
  const out: Socket[] = [];
  for (let i = 0; i < n; i += 100) out.push(...(await Promise.all(Array.from({ length: Math.min(100, n - i) }, () => openTunnel(via, port)))));
  return out;
};

interface Measures {
  tp1: number;
  tp8: number;
  setupP50: number;
  getP99: number;
  rps32: number;
}

const debug = (msg: string): void => {
  if (process.env.BENCH_DEBUG) process.stderr.write(`[bench egress] ${msg}\n`);
};

const METRICS: { key: keyof Measures; higherBetter: boolean; run: (via: Via, ports: Ports) => Promise<number> }[] = [
  { key: 'tp1', higherBetter: true, run: (via, p) => throughput(via, p.source, 1) },
  { key: 'tp8', higherBetter: true, run: (via, p) => throughput(via, p.source, 8) },
  { key: 'setupP50', higherBetter: false, run: async (via, p) => percentile(await setupTimes(via, p.echo, 200), 50) },
  { key: 'getP99', higherBetter: false, run: async (via, p) => percentile(await keepAliveLatencies(via, p.web, 1500), 99) },
  { key: 'rps32', higherBetter: true, run: (via, p) => reqPerSec(via, p.web, 32, 1500) },
];

type Ports = { source: number; echo: number; web: number };

// Every metric for every target, rounds interleaved so a noisy moment hits all targets alike.
const measureAll = async (vias: Via[], ports: Ports): Promise<Map<string, Measures>> => {
  const out = new Map<string, Measures>(vias.map((v) => [v.name, {} as Measures]));
  for (const m of METRICS) {
    for (let r = 0; r < ROUNDS; r++) {
      for (const via of vias) {
        debug(`${via.name}: ${m.key} round ${r + 1}`);
        const v = await m.run(via, ports);
        const cur = out.get(via.name)!;
        const prev = cur[m.key] as number | undefined;
        cur[m.key] = prev === undefined ? v : m.higherBetter ? Math.max(prev, v) : Math.min(prev, v);
      }
    }
  }
  return out;
};

// Direct vs clawdeck vs a check-free Node proxy (the floor for Node) vs tinyproxy vs squid, same loopback workload, one run.
export const rows = async (): Promise<BenchRow[]> => {
  const upstreams = spawn(process.execPath, [join(import.meta.dirname, 'lib-egress-upstreams.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ports = JSON.parse(
    await new Promise<string>((resolve, reject) => {
      createInterface({ input: upstreams.stdout! }).once('line', resolve);
      upstreams.once('exit', (c) => reject(new Error(`bench upstreams exited (${c})`)));
    }),
  ) as { source: number; echo: number; web: number };
  const proxies: BenchProxy[] = [];
  const out: BenchRow[] = [];
  try {
    for (const start of [() => startClawdeckProxy(ports), startMinimalNode, startTinyproxy, startSquid]) proxies.push(await start());
    const all = await measureAll([{ name: 'direct' }, ...proxies.map((p) => ({ name: p.name, port: p.port, pid: p.pid }))], ports);
    const direct = all.get('direct')!;
    const results = proxies.map((p) => ({ name: p.name, m: all.get(p.name)! }));
    const squid = results.find((r) => r.name === 'squid')!.m;
    const floor = results.find((r) => r.name === 'node-minimal')!.m;
    const row = (metric: string, key: keyof Measures, unit: string, scale: number, higherBetter: boolean, limit: number): void => {
      for (const r of results) {
        const ratio = r.m[key] / direct[key];
        const ours = r.name === 'clawdeck';
        const meets = higherBetter ? ratio >= limit : ratio <= limit;
        out.push({
          name: `egress ${metric} via ${r.name} (vs direct)`,
          baseline: direct[key] * scale,
          value: r.m[key] * scale,
          unit,
          ratio,
          goal: ours ? `${higherBetter ? '≥' : '≤'} ${limit}× direct (squid ${(squid[key] / direct[key]).toFixed(2)}×, node-minimal ${(floor[key] / direct[key]).toFixed(2)}×)` : 'reference',
          pass: ours ? meets : true,
        });
      }
    };
    row('tunnel throughput, 1 tunnel', 'tp1', 'MB/s', 1 / 1e6, true, 0.5);
    row('tunnel throughput, 8 tunnels', 'tp8', 'MB/s', 1 / 1e6, true, 0.5);
    row('tunnel setup p50', 'setupP50', 'ms', 1, false, 5);
    row('keep-alive GET p99', 'getP99', 'ms', 1, false, 2);
    row('req/s at 32 concurrent', 'rps32', 'req/s', 1, true, 0.3);

    // Memory and burst behaviour on a fresh clawdeck daemon (after the throughput runs the heap is warm and large).
    for (const p of proxies.splice(0)) await p.stop();
    const fresh = await startClawdeckProxy(ports);
    proxies.push(fresh);
    const via: Via = { name: 'clawdeck', port: fresh.port };
    await setupTimes(via, ports.echo, 50); // warm the code paths
    const rssIdle = rssMb(fresh.pid);
    const idle = await openMany(via, ports.echo, 1000);
    // Each tunnel proves it is live with one round trip, then sits idle.
    await Promise.all(idle.map((s) => new Promise<void>((r) => (s.once('data', () => r()), s.write('x')))));
    const rss1000 = rssMb(fresh.pid);
    for (const s of idle) s.destroy();
    const added = rss1000 - rssIdle;
    out.push({
      name: `egress RSS added by 1000 idle tunnels (daemon ${rssIdle.toFixed(0)} → ${rss1000.toFixed(0)} MB)`,
      baseline: rssIdle,
      value: added,
      unit: 'MB',
      ratio: rss1000 / rssIdle,
      goal: '< 64 MB',
      pass: added < 64,
    });
    const before = percentile(await setupTimes(via, ports.echo, 300), 50);
    const burst = await openMany(via, ports.echo, 1000);
    for (const s of burst) s.destroy();
    await new Promise((r) => setTimeout(r, 200));
    const after = percentile(await setupTimes(via, ports.echo, 300), 50);
    out.push({ name: 'egress tunnel setup p50 after a 1000-tunnel burst (vs before)', baseline: before, value: after, unit: 'ms', ratio: after / before, goal: '≤ 1.5× before', pass: after / before <= 1.5 });
    return out;
  } finally {
    for (const p of proxies) await p.stop();
    upstreams.kill('SIGKILL');
  }
};
