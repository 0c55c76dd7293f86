import { describe, it, expect } from 'vitest';
import { budgetSchema } from '../../../src/config/schema.js';
import { evaluateBudget } from '../../../src/inference/budget.js';

const b = (o: Record<string, unknown>) => budgetSchema.parse(o);

describe('evaluateBudget', () => {
  const cases: [string, Record<string, unknown>, { tokens: number; cost: number }, { tokens: number; cost: number }, string, string | null][] = [
    ['No caps means ok and no fraction', {}, { tokens: 1e9, cost: 1e6 }, { tokens: 0, cost: 0 }, 'ok', null],
    ['Under the warn threshold is ok', { daily_cost: 10 }, { tokens: 0, cost: 5 }, { tokens: 0, cost: 0 }, 'ok', 'daily_cost'],
    ['At the warn threshold warns', { daily_cost: 10, warn_at: 0.8 }, { tokens: 0, cost: 8 }, { tokens: 0, cost: 0 }, 'warn', 'daily_cost'],
    ['At the cap blocks', { daily_tokens: 100 }, { tokens: 100, cost: 0 }, { tokens: 0, cost: 0 }, 'blocked', 'daily_tokens'],
    ['The nearest cap decides (session tokens)', { daily_cost: 10, session_tokens: 50 }, { tokens: 0, cost: 1 }, { tokens: 60, cost: 0 }, 'blocked', 'session_tokens'],
    ['A zero cap blocks at once', { session_cost: 0 }, { tokens: 0, cost: 0 }, { tokens: 0, cost: 0 }, 'blocked', 'session_cost'],
  ];
  for (const [title, cfg, today, session, state, cap] of cases) {
    it(title, () => {
      const r = evaluateBudget(b(cfg), today, session);
      expect(r.state).toBe(state);
      expect(r.cap).toBe(cap);
      if (state !== 'ok') expect(r.reason).toContain(cap!);
    });
  }
});
