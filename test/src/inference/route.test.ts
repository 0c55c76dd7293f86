import { describe, it, expect } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { requestFacts, routeRequest, inHours, listedModels } from '../../../src/inference/route.js';
import { countTokens } from '../../../src/inference/estimate.js';

const cfg = configSchema.parse({
  inference: {
    default_provider: 'big',
    providers: {
      big: { base_url: 'http://127.0.0.1:1/v1', models: ['big-model', 'big-model-2'] },
      small: { base_url: 'http://127.0.0.1:2/v1', models: ['small-model'] },
      spare: { base_url: 'http://127.0.0.1:3/v1', models: ['spare-model'] },
    },
    aliases: { fast: { provider: 'small' } },
    fallback: ['spare'],
    routes: [
      { name: 'heartbeat', match: { last_user: '^(heartbeat|ping)\\b' }, provider: 'small' },
      { name: 'system-routine', match: { system: 'routine check' }, provider: 'small', model: 'small-model' },
      { name: 'long-prompt', match: { prompt_tokens_over: 50 }, provider: 'big', model: 'big-model-2', fallback: [] },
      { name: 'big-output', match: { max_tokens_over: 4000, tools: false }, provider: 'spare' },
      { name: 'night', match: { hours: '22-6' }, provider: 'small' },
    ],
  },
}).inference;

const facts = (body: Record<string, unknown>) => requestFacts(body, countTokens);
const noon = new Date(2026, 10, 25, 12, 0);
const night = new Date(2026, 10, 25, 23, 30);

describe('routeRequest', () => {
  const cases: [string, Record<string, unknown>, Date, string, string, string][] = [
    ['A plain request goes to the default provider with the model it asked for', { model: 'big-model-2', messages: [{ role: 'user', content: 'hi' }] }, noon, 'default', 'big', 'big-model-2'],
    ['An unknown model on the default provider becomes its first model', { model: 'gpt-4', messages: [] }, noon, 'default', 'big', 'big-model'],
    ['A heartbeat prompt is routed to the small model by regex on the last user message', { model: 'big-model', messages: [{ role: 'user', content: 'do work' }, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'Heartbeat: all good?' }] }, noon, 'heartbeat', 'small', 'small-model'],
    ['A regex on the system message picks its rule', { messages: [{ role: 'system', content: 'This is a routine check.' }, { role: 'user', content: 'x' }] }, noon, 'system-routine', 'small', 'small-model'],
    ['A long prompt (estimated tokens) picks the long-prompt rule', { messages: [{ role: 'user', content: 'word '.repeat(80) }] }, noon, 'long-prompt', 'big', 'big-model-2'],
    ['A large max_tokens without tools goes to spare', { max_completion_tokens: 8192, messages: [{ role: 'user', content: 'x' }] }, noon, 'big-output', 'spare', 'spare-model'],
    ['The same with tools present does not match that rule', { max_tokens: 8192, tools: [{ type: 'function' }], messages: [{ role: 'user', content: 'x' }] }, noon, 'default', 'big', 'big-model'],
    ['Time of day rules match across midnight', { messages: [{ role: 'user', content: 'x' }] }, night, 'night', 'small', 'small-model'],
    ['An alias maps to its provider', { model: 'fast', messages: [{ role: 'user', content: 'x' }] }, noon, 'alias:fast', 'small', 'small-model'],
  ];
  for (const [title, body, when, rule, provider, model] of cases) {
    it(title, () => {
      const d = routeRequest(cfg, facts(body), when);
      expect(d.rule).toBe(rule);
      expect(d.chain[0]).toEqual({ provider, model });
    });
  }

  it('Appends the fallback chain after the chosen provider, and a rule can replace it', () => {
    expect(routeRequest(cfg, facts({ messages: [] }), noon).chain.map((t) => t.provider)).toEqual(['big', 'spare']);
    expect(routeRequest(cfg, facts({ messages: [{ role: 'user', content: 'word '.repeat(80) }] }), noon).chain).toHaveLength(1);
  });

  it('Tokenizes the prompt only when a rule needs its size', () => {
    let counted = 0;
    const f = requestFacts({ messages: [{ role: 'user', content: 'heartbeat' }] }, (s) => (counted++, s.length));
    routeRequest(cfg, f, noon);
    expect(counted).toBe(0);
  });
});

describe('inHours', () => {
  it('Handles same-day and overnight ranges', () => {
    expect(inHours('9-17', 9)).toBe(true);
    expect(inHours('9-17', 17)).toBe(false);
    expect(inHours('22-6', 23)).toBe(true);
    expect(inHours('22-6', 5)).toBe(true);
    expect(inHours('22-6', 12)).toBe(false);
  });
});

describe('listedModels', () => {
  it('Lists aliases and the default provider models once each', () => {
    expect(listedModels(cfg)).toEqual(['fast', 'big-model', 'big-model-2']);
  });
});
