import { FakeUpstream } from '../test/helpers/fake-upstream.js';

// Child process for bench/inference.ts: the fake provider on its own core, so the client's reads and the
// upstream's writes do not share one event loop. The request's `x_bench` field scripts the stream.
const up = await FakeUpstream.start('bench');
up.setDefault((req) => {
  const b = (req.body?.x_bench ?? {}) as { tokens?: number; delay?: number; burst?: number };
  return { kind: 'stream', tokens: Array.from({ length: b.tokens ?? 2 }, (_, i) => `t${i % 10}`), tokenDelayMs: b.delay ?? 0, burst: b.burst ?? 1, timing: true, usage: true };
});
setInterval(() => (up.requests.length = 0), 1000).unref();
process.stdout.write(`${up.port}\n`);
process.stdin.on('end', () => void up.close().then(() => process.exit(0)));
process.stdin.resume();
