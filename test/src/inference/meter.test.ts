import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { FakeUpstream } from '../../helpers/fake-upstream.js';
import { startRouter, routerConfig, post, type RouterHarness } from '../../helpers/inference.js';
import { waitFor } from '../../helpers/home.js';

const chat = { model: 'fake-model', stream: true, messages: [{ role: 'user', content: 'hi' }] };

describe('meter: budgets and the ledger', () => {
  let up: FakeUpstream;
  beforeAll(async () => {
    up = await FakeUpstream.start();
  });
  afterAll(async () => {
    await up.close();
  });

  it('Warns at the threshold, refuses at the cap with a readable 429, and a raised cap applies at once', async () => {
    // Each call: 42 prompt + 3 completion = 45 tokens. Cap 90, warn at 40%.
    const r = await startRouter(routerConfig({ p: { url: up.url } }, '  budget:\n    daily_tokens: 90\n    warn_at: 0.4\n'));
    try {
      expect((await post(r.base, '/chat/completions', chat)).status).toBe(200);
      await waitFor(() => r.ctx.store.current.meter.budget.state === 'warn', 'budget warn state');
      expect(r.notices.some((n) => n.level === 'warn' && n.text.includes('daily_tokens'))).toBe(true);
      expect(r.ctx.store.current.meter.budget).toMatchObject({ token_cap: 90, state: 'warn' });
      expect((await post(r.base, '/chat/completions', chat)).status).toBe(200);
      await waitFor(() => r.ctx.store.current.meter.budget.state === 'blocked', 'budget blocked state');

      const before = up.requests.length;
      const refused = await post(r.base, '/chat/completions', chat);
      expect(refused.status).toBe(429);
      const body = JSON.parse(refused.text);
      expect(body.error.type).toBe('budget_exceeded');
      expect(body.error.message).toContain('daily budget reached');
      expect(body.error.budget).toMatchObject({ cap: 'daily_tokens', token_cap: 90 });
      expect(up.requests.length).toBe(before);
      const usage = await r.client.request('usage.query', {});
      expect(usage.total).toMatchObject({ calls: 2, refused: 1, tokens_in: 84 });

      const raised = await r.client.request('budget.set', { daily_tokens: 1000 });
      expect(raised).toMatchObject({ daily_tokens: 1000, state: 'ok' });
      expect((await post(r.base, '/chat/completions', chat)).status).toBe(200);
      expect(readFileSync(r.paths.configFile, 'utf8')).toContain('daily_tokens: 1000');
    } finally {
      await r.stop();
    }
  });

  it('Rebuilds today’s totals and recent calls from the ledger after a restart', async () => {
    let r = await startRouter(routerConfig({ p: { url: up.url, extra: 'prices:\n  fake-model: {input: 3, output: 15}' } }));
    try {
      for (let i = 0; i < 3; i++) expect((await post(r.base, '/chat/completions', chat)).status).toBe(200);
      await waitFor(() => r.ctx.store.current.meter.totals.today.calls === 3, 'three calls');
      const before = r.ctx.store.current.meter.totals.today;
      expect(before.tokens_in).toBe(126);
      r = await r.restart();
      await waitFor(() => r.ctx.store.current.meter.totals.today.calls === 3, 'totals after restart');
      const after = r.ctx.store.current.meter;
      expect(after.totals.today).toEqual(before);
      expect(after.totals.session.calls).toBe(0);
      expect(after.recent).toHaveLength(3);
      expect(after.per_model[0]).toMatchObject({ model: 'fake-model', tokens_in: 126, tokens_out: 9, estimated: false });
      const usage = await r.client.request('usage.query', { by: 'model', since: '1h' });
      expect(usage.rows[0]).toMatchObject({ key: 'fake-model', calls: 3, tokens_in: 126, tokens_out: 9, refused: 0 });
      expect(usage.total.cost).toBeCloseTo((126 * 3 + 9 * 15) / 1e6, 12);
    } finally {
      await r.stop();
    }
  });
});

describe('config.yaml hand edits', () => {
  it('Apply routes and budgets at once, and an invalid save is reported and not applied', async () => {
    const a = await FakeUpstream.start('a');
    const b = await FakeUpstream.start('b');
    const yaml = routerConfig({ a: { url: a.url }, b: { url: b.url } });
    const r = await startRouter(yaml);
    try {
      await r.service.watching;
      expect((await post(r.base, '/chat/completions', chat)).status).toBe(200);
      expect(a.requests).toHaveLength(1);
      writeFileSync(r.paths.configFile, yaml + '  routes:\n    - name: all-to-b\n      provider: b\n');
      await waitFor(() => r.ctx.config.inference.routes.length === 1, 'routes reloaded');
      const res = await post(r.base, '/chat/completions', chat);
      expect(res.headers.get('x-clawdeck-route')).toBe('all-to-b');
      expect(b.requests).toHaveLength(1);

      writeFileSync(r.paths.configFile, yaml + '  routes:\n    - name: broken\n      provider: b\n      bogus: 1\n');
      await waitFor(() => r.notices.find((n) => n.level === 'error' && n.text.includes('bogus')), 'error notice');
      expect(r.ctx.config.inference.routes[0]!.name).toBe('all-to-b');
    } finally {
      await r.stop();
      await a.close();
      await b.close();
    }
  });
});
