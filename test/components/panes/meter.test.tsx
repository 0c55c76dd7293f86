import { describe, it, expect, afterEach } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { show, paneTheme as theme } from '../../helpers/show-pane.js';
import { MeterPane } from '../../../components/panes/meter/meter-pane.js';
import { makeSnapshot } from '../../fixtures/snapshot.js';
import type { Meter } from '../../../src/protocol/snapshot.js';

afterEach(() => cleanup());

const meter = (over: Partial<Meter> = {}): Meter => ({
  ...makeSnapshot().meter,
  ...over,
});
const call = { id: 'c1', model: 'nvidia/nemotron', provider: 'nvidia', rule: null, started_at: '2026-11-25T10:00:00Z', tokens_in: 6500, tokens_out: 420, cached_tokens: null, estimated: false, ttft_ms: 310, tokens_per_s: 48.5, elapsed_ms: 9000, status: 'streaming' as const, cost: 0.0123 };

describe('meter pane', () => {
  it('shows tokens, rate, TTFT, cost against the budget bar and per-model rows', () => {
    const f = show(
      <MeterPane
        meter={meter({
          active: [call],
          totals: { session: { tokens_in: 6500, tokens_out: 420, cost: 0.0123, calls: 1 }, today: { tokens_in: 6500, tokens_out: 420, cost: 2.5, calls: 3 } },
          per_model: [{ model: 'nvidia/nemotron', tokens_in: 6500, tokens_out: 420, cost: 2.5, estimated: false }],
          budget: { cost_cap: 5, token_cap: null, used_fraction: 0.5, state: 'ok' },
          history: [1, 5, 10, 20],
        })}
        mode="models" focused width={70} height={12}
      />,
    );
    expect(f).toContain('in 6.5k  out 420');
    expect(f).toContain('48.5 tok/s');
    expect(f).toContain('TTFT 310 ms');
    expect(f).toMatch(/today \$2\.50 \/ \$5\.00 █+░+ 50%/);
    expect(f).toContain('nvidia/nemotron');
    expect(f).toMatch(/▁.*█/);
    expect(f).not.toContain('estimated');
  });

  it('marks estimated figures with ~ and says what it means', () => {
    const f = show(
      <MeterPane meter={meter({ per_model: [{ model: 'local/llama', tokens_in: 100, tokens_out: 50, cost: 0, estimated: true }] })} mode="models" focused width={70} height={12} />,
    );
    expect(f).toMatch(/~\s*100/);
    expect(f).toContain('~ estimated');
  });

  it('flags a blocked budget', () => {
    const f = show(<MeterPane meter={meter({ budget: { cost_cap: 1, token_cap: null, used_fraction: 1, state: 'blocked', reason: 'daily budget reached: $1.00 of $1.00' } })} mode="models" focused width={70} height={12} />);
    expect(f).toContain('BLOCKED');
    expect(f).toContain('daily budget reached: $1.00 of $1.00');
  });
});
