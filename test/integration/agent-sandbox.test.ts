import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { FakeUpstream } from '../helpers/fake-upstream.js';
import { fakeProviderConfig, makeHome, snapshotOf, waitFor, type TestHome } from '../helpers/home.js';
import { dockerAvailable, ensureBaseImage } from '../helpers/docker.js';

// End to end with real parts only: CLI → daemon → gateway relay socket → OpenClaw in the hardened container →
// inference.local → router → fake upstream; the agent's web_fetch → egress proxy → hold queue → our own server.
const hasDocker = await dockerAvailable();
const KEY = 'nvapi-agent-e2e-fake-KEY-41c9';
const MODEL = 'nvidia/nemotron-3-super-120b-a12b';
// A name the policy does not know; the proxy's hosts file maps it to a documentation address that the test
// dial map sends to our loopback server (nothing leaves the machine).
const TARGET = 'fetch-target.clawdeck-e2e.com';
const PUBLIC = '93.184.216.34';
const PAGE = 'The secret word is pelican-4242.';

// The model's tool call: OpenClaw defers tool schemas (tool search), so web_fetch is reached through tool_call.
const fetchCall = (path: string) => ({
  kind: 'stream' as const,
  toolCall: { name: 'tool_call', arguments: JSON.stringify({ id: 'web_fetch', args: { url: `http://${TARGET}${path}` } }) },
});

describe.skipIf(!hasDocker)('chat with the real OpenClaw in the sandbox', () => {
  let up: FakeUpstream;
  let site: Server;
  let siteHits: string[] = [];
  let h: TestHome;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    await ensureBaseImage();
    up = await FakeUpstream.start('agent-e2e');
    site = createServer((req, res) => {
      siteHits.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<html><head><title>Target</title></head><body><article><p>${PAGE}</p></article></body></html>`);
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', () => r()));
    const sitePort = (site.address() as { port: number }).port;
    h = makeHome(fakeProviderConfig({ url: up.url, keyEnv: 'AGENT_E2E_KEY', model: MODEL, proxyExtra: '  hold_timeout: 60s\n' }));
    writeFileSync(h.paths.hostsFile, `${PUBLIC} ${TARGET}\n`);
    env = { AGENT_E2E_KEY: KEY, CLAWDECK_TEST_HOOKS: '1', CLAWDECK_TEST_DIAL_MAP: `${PUBLIC}:80=${sitePort}` };
    const r = await h.cli(['up', '--json'], { env, timeout: 900_000 });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    await waitFor(async () => (await snapshotOf(h)).chat.connected, 'chat bridge connected to the sandbox gateway', 120_000);
  }, 900_000);

  afterAll(async () => {
    await h?.cli(['down', '--purge'], { timeout: 120_000 });
    await h?.cleanup();
    site?.close();
    await up?.close();
  }, 180_000);

  it('streams a reply from the sandboxed agent and meters it with exact counts', async () => {
    up.enqueue({ kind: 'stream', tokens: ['Hello', ' from', ' the', ' sandbox'], promptTokens: 6543, tokenDelayMs: 20 });
    const r = await h.cli(['chat', 'Say hello', '--json'], { env });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const out = JSON.parse(String(r.stdout));
    expect(out).toMatchObject({ session: 'agent:main:main', state: 'final', reply: 'Hello from the sandbox' });
    expect(out.usage).toMatchObject({ input: 6543, output: 4 });
    // The router saw the same call and metered the provider's own counts (not an estimate).
    const call = await waitFor(async () => (await snapshotOf(h)).meter.recent.find((c) => c.tokens_in === 6543), 'metered call');
    expect(call).toMatchObject({ tokens_out: 4, estimated: false, status: 'done', provider: 'fake' });
    const chatCall = up.requests.find((q) => q.path === '/v1/chat/completions');
    expect(chatCall?.body?.stream).toBe(true);
  }, 180_000);

  it('holds the agent’s web fetch to an unknown host; allowing it lets the same call finish', async () => {
    up.enqueue(fetchCall('/allowed'), { kind: 'stream', tokens: ['The page says ', 'pelican-4242.'] });
    const chat = h.cli(['chat', 'What does the page say?', '--json'], { env, timeout: 180_000 });
    const item = await waitFor(async () => {
      const list = JSON.parse(String((await h.cli(['approvals', 'list', '--json'])).stdout)) as { id: string; host: string }[];
      return list.find((i) => i.host === TARGET);
    }, 'web fetch held in the approval queue', 90_000);
    expect(siteHits).toEqual([]);
    const allow = await h.cli(['approvals', 'allow', item.id]);
    expect(allow.exitCode, String(allow.stderr)).toBe(0);
    const r = await chat;
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const out = JSON.parse(String(r.stdout));
    expect(siteHits).toEqual(['/allowed']);
    const fetch = out.tool_calls.find((t: { name: string }) => t.name === 'web_fetch');
    expect(fetch.is_error).toBe(false);
    expect(fetch.result).toContain('pelican-4242');
    expect(out.reply).toBe('The page says pelican-4242.');
  }, 180_000);

  it('denying the held fetch makes the agent see a refusal', async () => {
    up.enqueue(fetchCall('/denied'), { kind: 'stream', tokens: ['I was not allowed to fetch it.'] });
    const chat = h.cli(['chat', 'Fetch the other page', '--json'], { env, timeout: 180_000 });
    const item = await waitFor(async () => {
      const list = JSON.parse(String((await h.cli(['approvals', 'list', '--json'])).stdout)) as { id: string; host: string }[];
      return list.find((i) => i.host === TARGET);
    }, 'second fetch held', 90_000);
    expect((await h.cli(['approvals', 'deny', item.id])).exitCode).toBe(0);
    const r = await chat;
    const out = JSON.parse(String(r.stdout));
    expect(siteHits).not.toContain('/denied');
    const fetch = out.tool_calls.find((t: { name: string }) => t.name === 'web_fetch');
    expect(fetch.is_error).toBe(true);
    // The model's next request carries the refusal as the tool result.
    const last = up.requests.filter((q) => q.path === '/v1/chat/completions').at(-1)!;
    const toolMsgs = (last.body?.messages as { role: string; content: unknown }[]).filter((m) => m.role === 'tool');
    expect(JSON.stringify(toolMsgs.at(-1))).toMatch(/403|denied|refused|blocked/i);
    expect(out.reply).toBe('I was not allowed to fetch it.');
  }, 180_000);

  it('keeps the session history across down and up', async () => {
    expect((await h.cli(['down'], { timeout: 120_000 })).exitCode).toBe(0);
    const r = await h.cli(['up', '--json'], { env, timeout: 900_000 });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    const snap = await waitFor(async () => {
      const s = await snapshotOf(h);
      return s.chat.connected && s.chat.messages.some((m) => m.text === 'Hello from the sandbox') ? s : null;
    }, 'history back after up', 120_000);
    expect(snap.chat.messages.some((m) => m.role === 'user' && m.text === 'What does the page say?')).toBe(true);
    expect(snap.chat.messages.some((m) => m.role === 'assistant' && m.text === 'The page says pelican-4242.')).toBe(true);
  }, 600_000);
});
