import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { resolvePaths } from '../src/config/paths.js';
import { startDaemon, stopDaemon } from '../src/daemon/lifecycle.js';
import { DaemonClient } from '../src/daemon/client.js';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './types.js';

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

const agent = new Agent({ keepAliveTimeout: 30_000 });

// One streamed call: time to the first data byte, and content chunks counted as they arrive.
const streamOnce = async (base: string, body: object): Promise<{ ttft: number; chunks: number; genMs: number }> => {
  const t0 = performance.now();
  const res = await request(`${base}/chat/completions`, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  let ttft = -1;
  let chunks = 0;
  let tail = '';
  for await (const c of res.body) {
    if (ttft < 0) ttft = performance.now() - t0;
    // Count content deltas the way a client would: per SSE event carrying "content".
    const s = tail + (c as Buffer).toString('latin1');
    let i = 0;
    for (;;) {
      const j = s.indexOf('"content"', i);
      if (j < 0) break;
      chunks++;
      i = j + 9;
    }
    tail = s.slice(-8);
  }
  return { ttft, chunks, genMs: performance.now() - t0 - ttft };
};

const cpuTicks = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const parts = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(parts[11]) + Number(parts[12]);
};

// Router overhead against calling the same loopback upstream directly: TTFT, sustained throughput, CPU.
export const rows = async (): Promise<BenchRow[]> => {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./lib-inference-upstream.js', import.meta.url))], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', () => reject(new Error('fake upstream exited')));
  });
  const up = { url: `http://127.0.0.1:${port}/v1`, close: async () => void child.stdin.end() };
  const dir = mkdtempSync(join(tmpdir(), 'clawdeck-bench-inf-'));
  const env = { ...process.env, CLAWDECK_HOME: dir, BENCH_KEY: 'bench-key-not-real' };
  const paths = resolvePaths(env);
  mkdirSync(paths.configDir, { recursive: true });
  // A real free port for the proxy (its config wants a fixed one); the router itself takes port 0.
  const { createServer } = await import('node:net');
  const probe = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => probe.once('listening', r));
  const proxyPort = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
  writeFileSync(
    paths.configFile,
    `proxy:\n  listen: 127.0.0.1:${proxyPort}\ninference:\n  listen: 127.0.0.1:0\n  default_provider: fake\n  providers:\n    fake:\n      base_url: ${up.url}\n      key_env: BENCH_KEY\n      models: [fake-model]\n`,
  );
  try {
    await startDaemon(paths, { noSandbox: true, env });
    const c = await DaemonClient.connect(paths.socket, 'bench');
    const st = await c.request('status');
    c.close();
    const router = `http://${st.inference.listen}/v1`;
    const direct = up.url;
    const chatWith = (tokens: number, delay = 0) => ({ model: 'fake-model', stream: true, messages: [{ role: 'user', content: 'hi' }], x_bench: { tokens, delay } });
    const chat = chatWith(2);

    // TTFT: one short stream per call, interleaved so both paths see the same machine state.
    for (let i = 0; i < 100; i++) (await streamOnce(direct, chat), await streamOnce(router, chat));
    const td: number[] = [];
    const tr: number[] = [];
    for (let i = 0; i < 1000; i++) {
      td.push((await streamOnce(direct, chat)).ttft);
      tr.push((await streamOnce(router, chat)).ttft);
    }
    const d50 = percentile(td, 50);
    const r50 = percentile(tr, 50);
    const d99 = percentile(td, 99);
    const r99 = percentile(tr, 99);

    // Sustained throughput: a long stream as fast as the upstream can write it.
    const N = 40_000;
    const rate = async (base: string): Promise<number> => {
      const r = await streamOnce(base, chatWith(N));
      if (r.chunks !== N) throw new Error(`expected ${N} chunks, got ${r.chunks}`);
      return (r.chunks / r.genMs) * 1000;
    };
    await rate(direct);
    await rate(router);
    const dr: number[] = [];
    const rr: number[] = [];
    for (let i = 0; i < 5; i++) (dr.push(await rate(direct)), rr.push(await rate(router)));
    const dRate = percentile(dr, 50);
    const rRate = percentile(rr, 50);

    // Router CPU while one stream runs at ~200 tokens/s for ~5 s, against the same daemon idle.
    const hz = 100;
    const pid = st.daemon.pid;
    const idle0 = cpuTicks(pid);
    const i0 = performance.now();
    await new Promise((r) => setTimeout(r, 3000));
    const idlePct = ((cpuTicks(pid) - idle0) / hz / ((performance.now() - i0) / 1000)) * 100;
    const c0 = cpuTicks(pid);
    const w0 = performance.now();
    const r200 = await streamOnce(router, chatWith(1000, 5));
    const wall = (performance.now() - w0) / 1000;
    const busyPct = ((cpuTicks(pid) - c0) / hz / wall) * 100;
    const tps = (r200.chunks / r200.genMs) * 1000;

    return [
      { name: 'added TTFT p50 (router vs direct upstream)', baseline: d50, value: r50, unit: 'ms', ratio: r50 / d50, goal: '< 2 ms added', pass: r50 - d50 < 2 },
      { name: 'added TTFT p99 (router vs direct upstream)', baseline: d99, value: r99, unit: 'ms', ratio: r99 / d99, goal: '< 2 ms added', pass: r99 - d99 < 2 },
      { name: 'sustained streamed tokens/s (router vs direct)', baseline: dRate, value: rRate, unit: 'tok/s', ratio: rRate / dRate, goal: '≥ 0.95×', pass: rRate / dRate >= 0.95 },
      { name: `router CPU at ${Math.round(tps)} tokens/s (vs idle daemon)`, baseline: idlePct, value: busyPct, unit: '% core', ratio: idlePct > 0 ? busyPct / idlePct : busyPct, goal: '< 5 % of a core', pass: busyPct < 5 },
    ];
  } finally {
    await stopDaemon(paths).catch(() => undefined);
    await up.close();
    await agent.close();
    rmSync(dir, { recursive: true, force: true });
  }
};
