import { snapshotSchema } from '../protocol/snapshot.js';
import type { ApprovalItem } from '../protocol/approvals.js';
import type { DaemonContext, Service } from './context.js';

// True only when the daemon was started with CLAWDECK_TEST_HOOKS=1 (tests and `npm run bench`).
export const testHooksEnabled = (env: NodeJS.ProcessEnv = process.env): boolean => env.CLAWDECK_TEST_HOOKS === '1';

const syntheticApproval = (n: number): ApprovalItem => ({
  id: `synthetic-${n}`,
  kind: 'egress',
  created_at: new Date().toISOString(),
  hits: 1 + (n % 3),
  host: `host-${n}.example.test`,
  port: 443,
  ip: null,
  scheme: 'connect',
  method: null,
  path: null,
  closest_rule: null,
  risk: n % 2 ? ['new-domain'] : [],
  command: null,
  cwd: null,
  session: null,
  cause: null,
  expires_at: null,
});

// Test-only socket methods: `debug.patch` replaces one snapshot part (validated), `debug.load` streams
// synthetic tokens and egress events so TUIs can be driven and measured without real traffic.
export const startTestHooks = (ctx: DaemonContext): Service => {
  const timers = new Set<NodeJS.Timeout>();
  ctx.server.handle('debug.patch', ({ part, value }) => {
    const parsed = snapshotSchema.shape[part].parse(value);
    ctx.store.patch(part, parsed as never);
    return { seq: ctx.store.current.seq };
  });
  ctx.server.handle('debug.load', ({ tokens_per_s, events_per_s, duration_ms }) => {
    const start = Date.now();
    const msgId = `synthetic-reply-${start}`;
    let tokens = 0;
    let events = 0;
    let text = '';
    const tick = setInterval(() => {
      const elapsed = Date.now() - start;
      const done = elapsed >= duration_ms;
      const wantTokens = Math.floor((Math.min(elapsed, duration_ms) / 1000) * tokens_per_s);
      const cur = ctx.store.current;
      for (; tokens < wantTokens; tokens++) {
        text += tokens % 12 === 11 ? 'word.\n' : 'word ';
        ctx.store.patch('chat', {
          ...cur.chat,
          running: !done,
          messages: [
            ...cur.chat.messages.filter((m) => m.id !== msgId),
            { id: msgId, role: 'assistant' as const, text, at: new Date(start).toISOString(), streaming: !done },
          ].slice(-200),
        });
        const call = {
          id: msgId,
          model: 'synthetic/model',
          provider: 'synthetic',
          rule: null,
          started_at: new Date(start).toISOString(),
          tokens_in: 1000,
          tokens_out: tokens + 1,
          cached_tokens: null,
          estimated: false,
          ttft_ms: 120,
          tokens_per_s,
          elapsed_ms: elapsed,
          status: 'streaming' as const,
          cost: (tokens + 1) * 1e-6,
        };
        const m = ctx.store.current.meter;
        ctx.store.patch('meter', {
          ...m,
          active: done ? [] : [call],
          totals: { ...m.totals, session: { ...m.totals.session, tokens_out: m.totals.session.tokens_out + 1 } },
          history: [...m.history, tokens_per_s].slice(-120),
        });
      }
      const wantEvents = Math.floor((Math.min(elapsed, duration_ms) / 1000) * events_per_s);
      for (; events < wantEvents; events++) {
        const a = ctx.store.current.approvals;
        ctx.store.patch('approvals', [...a, syntheticApproval(events)].slice(-8));
      }
      if (done) {
        const cur = ctx.store.current;
        ctx.store.patch('chat', {
          ...cur.chat,
          running: false,
          messages: cur.chat.messages.map((m) => (m.id === msgId ? { ...m, streaming: false } : m)),
        });
        ctx.store.patch('meter', { ...ctx.store.current.meter, active: [] });
        clearInterval(tick);
        timers.delete(tick);
      }
    }, 10);
    timers.add(tick);
    return { started: true };
  });
  return {
    name: 'test-hooks',
    stop: async () => {
      for (const t of timers) clearInterval(t);
      timers.clear();
    },
  };
};
