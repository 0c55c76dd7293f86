import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { FakeUpstream, type SeenRequest } from '../helpers/fake-upstream.js';
import { HostGateway } from '../helpers/openclaw-host.js';
import { makeHome, waitFor, TEST_CONFIG, type TestHome } from '../helpers/home.js';
import { DaemonClient } from '../../src/daemon/client.js';
import { GatewayClient } from '../../src/agent/gateway-client.js';
import { execPolicyFor } from '../../src/sandbox/openclaw-config.js';
import { configSchema } from '../../src/config/schema.js';
import type { ApprovalItem } from '../../src/protocol/approvals.js';

type Rec = Record<string, unknown>;

// The fake model's answer after a tool ran: it repeats the tool result, so the chat reply shows what happened.
const echoToolResult = (req: SeenRequest) => {
  const msgs = (req.body?.messages as Rec[] | undefined) ?? [];
  // OpenClaw appends an internal-context user message after the tool result: answer the tool result when no
  // assistant message follows it (i.e. this request continues the turn after the tool ran).
  const t = msgs.findLastIndex((m) => m.role === 'tool');
  const last = msgs[t];
  if (t < 0 || msgs.findLastIndex((m) => m.role === 'assistant') > t || !last) return { kind: 'stream' as const, tokens: ['ok'] };
  const c = last.content;
  const text = typeof c === 'string' ? c : Array.isArray(c) ? c.map((p) => String((p as Rec).text ?? '')).join('') : JSON.stringify(c);
  return { kind: 'stream' as const, tokens: ['tool said: ', text] };
};

// A real daemon (--no-sandbox) whose chat bridge talks to a real OpenClaw gateway with clawdeck's default exec
// approval policy (ask on an allowlist miss): the agent's command waits in clawdeck's approval queue.
describe('OpenClaw exec approvals in the daemon approval queue', () => {
  let up: FakeUpstream;
  let gw: HostGateway;
  let h: TestHome;
  const news: ApprovalItem[] = [];
  let watcher: DaemonClient;

  beforeAll(async () => {
    await execa('npx', ['tsc', '-p', '.'], { cwd: join(import.meta.dirname, '..', '..'), reject: false });
    up = await FakeUpstream.start('exec-approvals-daemon');
    up.setDefault(echoToolResult);
    // The same tools.exec the sandbox's openclaw.json gets from clawdeck's default config.
    const exec = execPolicyFor(configSchema.parse({}).agent.exec_approvals);
    gw = await HostGateway.start({ upstreamUrl: up.url, extra: { tools: { exec } } });
    h = makeHome();
    const tokenFile = join(h.dir, 'gw-token');
    writeFileSync(tokenFile, gw.token + '\n', { mode: 0o600 });
    writeFileSync(h.paths.configFile, `${TEST_CONFIG}agent:\n  gateway_url: ${gw.url}\n  token_file: ${tokenFile}\n  exec_approvals:\n    timeout: 5m\n`);
    const r = await h.cli(['up', '--no-sandbox']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    await waitFor(async () => JSON.parse(String((await h.cli(['status', '--json'])).stdout)).agent?.connected, 'chat bridge connected', 30_000);
    watcher = await DaemonClient.connect(h.paths.socket, 'test-watch');
    watcher.onEvent((ev, data) => ev === 'approval.new' && news.push(data as ApprovalItem));
    await watcher.request('subscribe');
  }, 180_000);

  afterAll(async () => {
    watcher?.close();
    await h?.cleanup();
    await gw?.stop();
    await up?.close();
  });

  const list = async (): Promise<ApprovalItem[]> => {
    const r = await h.cli(['approvals', 'list', '--json']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    return JSON.parse(String(r.stdout)) as ApprovalItem[];
  };
  // Starts `clawdeck chat --json` for a turn whose model calls exec(command); resolves when that request is queued.
  const askToRun = async (command: string) => {
    up.enqueue({ kind: 'stream', toolCall: { name: 'exec', arguments: JSON.stringify({ command }) } });
    const chat = h.cli(['chat', `please run ${command}`, '--json', '--timeout', '2m']);
    const item = await waitFor(async () => (await list()).find((i) => i.kind === 'exec' && i.command === command), `exec item for ${command}`, 60_000);
    return { chat, item };
  };

  it('the request waits in the queue as kind exec; allow once → the output comes back in the chat reply', async () => {
    const { chat, item } = await askToRun('echo clawdeck-exec-allowed');
    expect(item).toMatchObject({ kind: 'exec', command: 'echo clawdeck-exec-allowed', session: 'agent:main:main', host: null });
    expect(item.cwd).toBeTruthy();
    expect(item.cause).toMatch(/^chat run \S+ \("please run echo clawdeck-exec-allowed"\), exec tool call /);
    expect(Date.parse(item.expires_at!) - Date.parse(item.created_at)).toBeLessThanOrEqual(300_000);
    // the same approval.new event egress items raise (bell, approvals watch)
    await waitFor(() => news.find((n) => n.id === item.id), 'approval.new for the exec item');
    const st = JSON.parse(String((await h.cli(['status', '--json'])).stdout));
    expect(st.approvals.pending).toBeGreaterThanOrEqual(1);
    // scopes that make no sense for a command are usage errors, and the item stays
    const bad = await h.cli(['approvals', 'allow', item.id, '--scope', 'session']);
    expect(bad.exitCode).toBe(2);
    expect(String(bad.stderr)).toMatch(/egress items only/);
    expect((await list()).some((i) => i.id === item.id)).toBe(true);

    const ok = await h.cli(['approvals', 'allow', item.id]);
    expect(ok.exitCode, String(ok.stderr)).toBe(0);
    expect((await list()).some((i) => i.id === item.id)).toBe(false);
    const r = await chat;
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const out = JSON.parse(String(r.stdout));
    expect(out.reply).toContain('tool said: ');
    expect(out.reply).toContain('clawdeck-exec-allowed');
    expect(out.tool_calls[0]).toMatchObject({ name: 'exec', is_error: false });
  }, 120_000);

  it('deny → the command does not run and the agent reports the refusal', async () => {
    const { chat, item } = await askToRun('echo clawdeck-exec-denied');
    const d = await h.cli(['approvals', 'deny', item.id]);
    expect(d.exitCode, String(d.stderr)).toBe(0);
    const r = await chat;
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const out = JSON.parse(String(r.stdout));
    expect(out.tool_calls[0]).toMatchObject({ name: 'exec', is_error: true });
    expect(out.reply).toMatch(/denied/i);
    expect(out.reply).not.toMatch(/^tool said: clawdeck-exec-denied/m);
    expect((await list()).some((i) => i.id === item.id)).toBe(false);
  }, 120_000);

  it('resolved by another gateway client (OpenClaw UI) → the item disappears from the queue', async () => {
    const { chat, item } = await askToRun('echo clawdeck-exec-elsewhere');
    const other = new GatewayClient({ target: { kind: 'url', url: gw.url }, token: () => gw.token, version: '0.0.0-test' });
    other.start();
    try {
      await other.waitConnected(30_000);
      await other.request('exec.approval.resolve', { id: item.id, decision: 'deny' });
      await waitFor(async () => !(await list()).some((i) => i.id === item.id), 'exec item gone after resolve elsewhere', 20_000);
      const st = JSON.parse(String((await h.cli(['status', '--json'])).stdout));
      expect(st.approvals.pending).toBe(0);
      const late = await h.cli(['approvals', 'allow', item.id]);
      expect(late.exitCode).not.toBe(0);
      expect(String(late.stderr)).toMatch(/no pending approval/);
    } finally {
      other.stop();
    }
    expect((await chat).exitCode).toBe(0);
  }, 120_000);
});
