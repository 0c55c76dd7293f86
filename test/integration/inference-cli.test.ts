import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { makeHome, snapshotOf, waitFor, type TestHome } from '../helpers/home.js';
import { FakeUpstream } from '../helpers/fake-upstream.js';
import { post } from '../helpers/inference.js';
import type { Snapshot } from '../../src/protocol/snapshot.js';

const KEY = 'nvapi-TEST-do-not-print-7f3a9c1e5b';
const chat = { model: 'fake-model', stream: true, messages: [{ role: 'user', content: 'Say hello' }] };

// A POST over the sandbox's Unix socket, the way the in-container relay reaches inference.local.
const postUnix = (socketPath: string, body: unknown): Promise<{ status: number; text: string }> =>
  new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/v1/chat/completions', method: 'POST', headers: { host: 'inference.local', 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });

const meterOf = async (h: TestHome): Promise<Snapshot['meter']> => (await snapshotOf(h)).meter;

describe('inference router in a real daemon, driven by the CLI', () => {
  let up: FakeUpstream;
  let spare: FakeUpstream;
  let h: TestHome;
  let base: string;
  const cli = (args: string[]) => h.cli(args, { env: { FAKE_INFERENCE_KEY: KEY } });

  beforeAll(async () => {
    up = await FakeUpstream.start('fake');
    spare = await FakeUpstream.start('spare');
    h = makeHome(`# clawdeck test config
proxy:
  listen: 127.0.0.1:0
inference:
  listen: 127.0.0.1:0 # any free port
  default_provider: fake
  providers:
    # the loopback stand-in for NVIDIA cloud
    fake:
      base_url: ${up.url}
      key_env: FAKE_INFERENCE_KEY
      models: [fake-model]
      prices:
        fake-model: {input: 0.5, output: 1.5}
`);
    const r = await cli(['up', '--no-sandbox', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const st = JSON.parse((await cli(['status', '--json'])).stdout);
    base = `http://${st.inference.listen}/v1`;
  });
  afterAll(async () => {
    await h?.cleanup();
    await up?.close();
    await spare?.close();
  });

  it('Reports the real listen port and providers without keys in status --json', async () => {
    const r = await cli(['status', '--json']);
    const st = JSON.parse(r.stdout);
    expect(st.inference.listen).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
    expect(st.inference.providers).toEqual([{ name: 'fake', base_url: up.url, models: ['fake-model'], key_present: true }]);
    expect(r.stdout).not.toContain(KEY);
  });

  it('Serves the agent on TCP and on the 0666 sandbox socket with the host-held key', async () => {
    const tcp = await post(base, '/chat/completions', chat, { authorization: 'Bearer dummy' });
    expect(tcp.status).toBe(200);
    expect(statSync(h.paths.inferenceSocket).mode & 0o777).toBe(0o666);
    const unix = await postUnix(h.paths.inferenceSocket, chat);
    expect(unix.status).toBe(200);
    expect(unix.text).toContain('data: [DONE]');
    expect(up.requests.at(-1)!.headers.authorization).toBe(`Bearer ${KEY}`);
    const human = await cli(['status']);
    expect(human.stdout).toContain('last call: fake/fake-model via rule default (done)');
  });

  it('provider add / list / use / test / remove take effect at once and are saved with comments kept', async () => {
    const add = await cli(['provider', 'add', 'local', '--base-url', spare.url, '--model', 'spare-model', '--model', 'spare-2']);
    expect(add.exitCode, add.stderr).toBe(0);
    const list = JSON.parse((await cli(['provider', 'list', '--json'])).stdout);
    expect(list.providers.map((p: { name: string }) => p.name)).toEqual(['fake', 'local']);
    expect(list.providers[0]).toMatchObject({ default: true, key_present: true, key_source: 'env FAKE_INFERENCE_KEY' });
    const yaml = readFileSync(h.paths.configFile, 'utf8');
    expect(yaml).toContain('# the loopback stand-in for NVIDIA cloud');
    expect(yaml).toContain('# any free port');
    expect(yaml).toMatch(/local:\n\s+base_url: http:\/\/127\.0\.0\.1:\d+\/v1/);

    expect((await cli(['provider', 'use', 'local'])).exitCode).toBe(0);
    const before = spare.requests.length;
    expect((await post(base, '/chat/completions', chat)).status).toBe(200);
    expect(spare.requests.length).toBe(before + 1);
    expect(spare.requests.at(-1)!.body!.model).toBe('spare-model');
    expect(spare.requests.at(-1)!.headers.authorization).toBeUndefined();

    const test = await cli(['provider', 'test', 'fake', '--json']);
    expect(test.exitCode, test.stderr).toBe(0);
    expect(JSON.parse(test.stdout)).toMatchObject({ ok: true, provider: 'fake', model: 'fake-model', status: 200, reply: 'Hello world!' });

    const refused = await cli(['provider', 'remove', 'local']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('default provider');
    expect((await cli(['provider', 'use', 'fake'])).exitCode).toBe(0);
    expect((await cli(['provider', 'remove', 'local'])).exitCode).toBe(0);
    expect(readFileSync(h.paths.configFile, 'utf8')).not.toContain('local:');
    expect((await cli(['provider', 'test', 'nope'])).stderr).toContain('no provider named "nope"');
  });

  it('usage reports exact totals by model and by day; budget set blocks at once with a 429', async () => {
    const u = JSON.parse((await cli(['usage', '--json', '--since', '24h'])).stdout);
    const fake = u.rows.find((r: { key: string }) => r.key === 'fake-model');
    // The same calls counted from a point in time; none from one in the future.
    const fromTime = JSON.parse((await cli(['usage', '--json', '--since', new Date(Date.now() - 86_400_000).toISOString()])).stdout);
    expect(fromTime.rows).toEqual(u.rows);
    const future = JSON.parse((await cli(['usage', '--json', '--since', new Date(Date.now() + 60_000).toISOString()])).stdout);
    expect(future.rows).toEqual([]);
    expect(fake).toMatchObject({ estimated: false });
    expect(fake.tokens_in).toBe(fake.calls * 42);
    const human = await cli(['usage', '--by', 'day']);
    expect(human.exitCode).toBe(0);
    expect(human.stdout).toMatch(/DAY\s+CALLS/);

    const set = await cli(['budget', 'set', '--daily-tokens', '10', '--json']);
    expect(set.exitCode, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ daily_tokens: 10, state: 'blocked' });
    const blocked = await post(base, '/chat/completions', chat);
    expect(blocked.status).toBe(429);
    expect(JSON.parse(blocked.text).error.type).toBe('budget_exceeded');
    expect((await cli(['budget', 'set', '--daily-tokens', 'none'])).exitCode).toBe(0);
    expect((await post(base, '/chat/completions', chat)).status).toBe(200);
  });

  it('Keeps the meter totals across a daemon restart and never prints the key anywhere', async () => {
    // The meter publishes at most every 100 ms: wait until it shows every call the ledger has.
    const ledgerCalls = JSON.parse((await cli(['usage', '--json'])).stdout).total.calls;
    expect(ledgerCalls).toBeGreaterThan(3);
    const before = await waitFor(async () => {
      const m = await meterOf(h);
      return m.totals.today.calls === ledgerCalls ? m : null;
    }, 'meter to show every ledger call');
    expect((await cli(['down'])).exitCode).toBe(0);
    expect((await cli(['up', '--no-sandbox'])).exitCode).toBe(0);
    const after = await meterOf(h);
    expect(after.totals.today).toEqual(before.totals.today);
    const st = JSON.parse((await cli(['status', '--json'])).stdout);
    base = `http://${st.inference.listen}/v1`;
    expect((await post(base, '/chat/completions', chat)).status).toBe(200);

    const outputs = [
      (await cli(['status', '--json'])).stdout,
      (await cli(['provider', 'list', '--json'])).stdout,
      (await cli(['provider', 'list'])).stdout,
      (await cli(['usage', '--json'])).stdout,
      (await cli(['logs', '-n', '1000'])).stdout,
      readFileSync(h.paths.daemonLog, 'utf8'),
      readFileSync(h.paths.usageLedger, 'utf8'),
      readFileSync(h.paths.configFile, 'utf8'),
      JSON.stringify(after),
    ];
    for (const o of outputs) expect(o).not.toContain(KEY);
  });
});
