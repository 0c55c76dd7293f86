import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeUpstream, type SeenRequest } from '../helpers/fake-upstream.js';
import { fakeProviderConfig, makeHome, waitFor, type TestHome } from '../helpers/home.js';
import { dockerAvailable, ensureBaseImage } from '../helpers/docker.js';
import { sandboxConfigDir } from '../../src/sandbox/state.js';
import type { ApprovalItem } from '../../src/protocol/approvals.js';

type Rec = Record<string, unknown>;
const hasDocker = await dockerAvailable();
const KEY = 'nvapi-exec-e2e-fake-KEY-77d1';
const MODEL = 'nvidia/nemotron-3-super-120b-a12b';
// A name the policy does not know, mapped by the proxy's hosts file to a documentation address (never dialed:
// the test denies it).
const TARGET = 'why-target.clawdeck-e2e.com';

// After the tool ran, the fake model repeats its result, so the chat reply shows what happened.
const echoToolResult = (req: SeenRequest) => {
  const msgs = (req.body?.messages as Rec[] | undefined) ?? [];
  const t = msgs.findLastIndex((m) => m.role === 'tool');
  if (t < 0 || msgs.findLastIndex((m) => m.role === 'assistant') > t) return { kind: 'stream' as const, tokens: ['ok'] };
  const c = msgs[t]!.content;
  const text = typeof c === 'string' ? c : Array.isArray(c) ? c.map((p) => String((p as Rec).text ?? '')).join('') : JSON.stringify(c);
  return { kind: 'stream' as const, tokens: ['tool said: ', text] };
};

// End to end with the real OpenClaw in the hardened container and clawdeck's default exec approval policy:
// the agent's shell command waits in clawdeck's queue; allow → its output comes back; deny → refusal.
describe.skipIf(!hasDocker)('exec approvals with the real OpenClaw in the sandbox', () => {
  let up: FakeUpstream;
  let h: TestHome;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    await ensureBaseImage();
    up = await FakeUpstream.start('exec-e2e');
    up.setDefault(echoToolResult);
    h = makeHome(fakeProviderConfig({ url: up.url, keyEnv: 'EXEC_E2E_KEY', model: MODEL }));
    writeFileSync(h.paths.hostsFile, `93.184.216.34 ${TARGET}\n`);
    env = { EXEC_E2E_KEY: KEY };
    const r = await h.cli(['up', '--json'], { env, timeout: 900_000 });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    await waitFor(async () => JSON.parse(String((await h.cli(['status', '--json'])).stdout)).agent?.connected, 'chat bridge connected', 180_000);
  }, 900_000);

  afterAll(async () => {
    await h?.cli(['down', '--purge'], { timeout: 120_000 });
    await h?.cleanup();
    await up?.close();
  }, 180_000);

  const askToRun = async (command: string) => {
    up.enqueue({ kind: 'stream', toolCall: { name: 'exec', arguments: JSON.stringify({ command }) } });
    const chat = h.cli(['chat', `please run ${command}`, '--json', '--timeout', '3m'], { env, timeout: 200_000 });
    const item = await waitFor(async () => {
      const list = JSON.parse(String((await h.cli(['approvals', 'list', '--json'])).stdout)) as ApprovalItem[];
      return list.find((i) => i.kind === 'exec' && i.command === command);
    }, `exec request for ${command} in the queue`, 120_000);
    return { chat, item };
  };

  it('the sandbox OpenClaw config asks on an allowlist miss', () => {
    const cfg = JSON.parse(readFileSync(join(sandboxConfigDir(h.paths), 'openclaw.json'), 'utf8'));
    expect(cfg.tools.exec).toEqual({ mode: 'ask' });
  });

  it('allow → the command runs in the sandbox and its output comes back in the chat', async () => {
    const { chat, item } = await askToRun('echo clawdeck-sandbox-exec-ok');
    expect(item).toMatchObject({ kind: 'exec', session: 'agent:main:main' });
    expect(item.cause).toMatch(/^chat run /);
    expect((await h.cli(['approvals', 'allow', item.id])).exitCode).toBe(0);
    const r = await chat;
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const out = JSON.parse(String(r.stdout));
    expect(out.reply).toContain('tool said: ');
    expect(out.reply).toContain('clawdeck-sandbox-exec-ok');
  }, 300_000);

  it('deny → the command does not run and the agent reports the refusal', async () => {
    const { chat, item } = await askToRun('echo clawdeck-sandbox-exec-no');
    expect((await h.cli(['approvals', 'deny', item.id])).exitCode).toBe(0);
    const r = await chat;
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const out = JSON.parse(String(r.stdout));
    expect(out.tool_calls.find((t: { name: string }) => t.name === 'exec')?.is_error).toBe(true);
    expect(out.reply).toMatch(/denied/i);
  }, 300_000);

  it('allow always → OpenClaw allowlists it (visible in clawdeck), the same command is not asked again; exec-revoke undoes it', async () => {
    const command = 'date +clawdeck-sandbox-always';
    const first = await askToRun(command);
    const ok = await h.cli(['approvals', 'allow', first.item.id, '--scope', 'always']);
    expect(ok.exitCode, String(ok.stderr)).toBe(0);
    expect(JSON.parse(String((await first.chat).stdout)).reply).toContain('clawdeck-sandbox-always');
    const entries = JSON.parse(String((await h.cli(['approvals', 'exec-allowlist', '--json'])).stdout)) as { id: string; pattern: string; source: string | null }[];
    const entry = entries.find((e) => e.source === 'allow-always' && e.pattern.includes('date'));
    expect(entry, JSON.stringify(entries)).toBeTruthy();

    const seen = async () => JSON.parse(String((await h.cli(['approvals', 'list', '--json'])).stdout)) as ApprovalItem[];
    up.enqueue({ kind: 'stream', toolCall: { name: 'exec', arguments: JSON.stringify({ command }) } });
    const again = await h.cli(['chat', 'run it again', '--json', '--timeout', '2m'], { env, timeout: 150_000 });
    expect(again.exitCode, String(again.stderr)).toBe(0);
    // The command's output comes back (OpenClaw's shell may first print that the sandbox refused it
    // /proc/self/oom_score_adj: the read-only, capability-less container at work).
    expect(JSON.parse(String(again.stdout)).reply).toMatch(/^tool said: [\s\S]*\bclawdeck-sandbox-always\b/);
    expect(await seen()).toEqual([]);

    expect((await h.cli(['approvals', 'exec-revoke', entry!.id])).exitCode).toBe(0);
    const third = await askToRun(command);
    expect((await h.cli(['approvals', 'deny', third.item.id])).exitCode).toBe(0);
    expect((await third.chat).exitCode).toBe(0);
  }, 300_000);

  it("a held egress item names the agent's tool call that asked for the host (cause)", async () => {
    up.enqueue({ kind: 'stream', toolCall: { name: 'tool_call', arguments: JSON.stringify({ id: 'web_fetch', args: { url: `http://${TARGET}/why` } }) } });
    const chat = h.cli(['chat', 'fetch the why page', '--json', '--timeout', '2m'], { env, timeout: 150_000 });
    const item = await waitFor(async () => {
      const list = JSON.parse(String((await h.cli(['approvals', 'list', '--json'])).stdout)) as ApprovalItem[];
      return list.find((i) => i.kind === 'egress' && i.host === TARGET);
    }, 'web fetch held', 120_000);
    expect(item.cause).toMatch(new RegExp(`tool call \\S+ in chat run \\S+: .*${TARGET.replace(/\./g, '\\.')}/why`));
    expect((await h.cli(['approvals', 'deny', item.id])).exitCode).toBe(0);
    expect((await chat).exitCode).toBe(0);
  }, 300_000);
});
