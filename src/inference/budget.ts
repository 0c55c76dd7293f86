import type { BudgetConfig } from '../config/schema.js';

export interface SpendTotals {
  tokens: number;
  cost: number;
}

export type BudgetState = 'ok' | 'warn' | 'blocked';

// Where spend stands against the caps: the highest used fraction over all caps decides the state.
export interface BudgetStatus {
  state: BudgetState;
  used_fraction: number | null;
  cost_cap: number | null;
  token_cap: number | null;
  // Which cap is nearest ("daily_cost", …) and a sentence the agent and the user can read.
  cap: string | null;
  reason: string | null;
}

const fmt = (cap: string, used: number, limit: number): string =>
  cap.endsWith('cost') ? `$${used.toFixed(4)} of $${limit.toFixed(2)}` : `${Math.round(used)} of ${limit} tokens`;

// Evaluates the budget caps against today's and this session's totals.
export const evaluateBudget = (b: BudgetConfig, today: SpendTotals, session: SpendTotals): BudgetStatus => {
  const caps: [string, number | null, number][] = [
    ['daily_cost', b.daily_cost, today.cost],
    ['daily_tokens', b.daily_tokens, today.tokens],
    ['session_cost', b.session_cost, session.cost],
    ['session_tokens', b.session_tokens, session.tokens],
  ];
  let worst: { cap: string; frac: number; used: number; limit: number } | null = null;
  for (const [cap, limit, used] of caps) {
    if (limit === null) continue;
    const frac = limit === 0 ? 1 : used / limit;
    if (!worst || frac > worst.frac) worst = { cap, frac, used, limit };
  }
  const cost_cap = b.daily_cost ?? b.session_cost;
  const token_cap = b.daily_tokens ?? b.session_tokens;
  if (!worst) return { state: 'ok', used_fraction: null, cost_cap, token_cap, cap: null, reason: null };
  const state: BudgetState = worst.frac >= 1 ? 'blocked' : worst.frac >= b.warn_at ? 'warn' : 'ok';
  const scope = worst.cap.startsWith('daily') ? 'daily' : 'session';
  const reason =
    state === 'blocked'
      ? `${scope} budget reached: ${fmt(worst.cap, worst.used, worst.limit)} (${worst.cap})`
      : state === 'warn'
        ? `${scope} budget at ${Math.round(worst.frac * 100)}%: ${fmt(worst.cap, worst.used, worst.limit)} (${worst.cap})`
        : null;
  return { state, used_fraction: worst.frac, cost_cap, token_cap, cap: worst.cap, reason };
};
