import { describe, it, expect, afterEach } from 'vitest';
import { render, cleanup } from 'ink-testing-library';
import type { ReactElement } from 'react';
import { ThemeProvider } from '../../../components/theme/theme-context.js';
import { createTheme } from '../../../components/theme/theme.js';
import { ChatPane } from '../../../components/panes/chat/chat-pane.js';
import { MeterPane } from '../../../components/panes/meter/meter-pane.js';
import { ApprovalsPane } from '../../../components/panes/approvals/approvals-pane.js';
import { PolicyPane } from '../../../components/panes/policy/policy-pane.js';
import { highlightYaml } from '../../../components/panes/policy/policy-lines.js';
import { selectPendingApprovals } from '../../../components/panes/approvals/selectors.js';
import { makeApproval, makePolicy, makeSnapshot } from '../../fixtures/snapshot.js';
import type { ChatView, Meter } from '../../../src/protocol/snapshot.js';

afterEach(() => cleanup());

const theme = createTheme({ LANG: 'C.UTF-8', NO_COLOR: '1' });
const show = (node: ReactElement): string => render(<ThemeProvider value={theme}>{node}</ThemeProvider>).lastFrame() ?? '';

const chat = (over: Partial<ChatView> = {}): ChatView => ({
  connected: true,
  session: 'main',
  sessions: ['main', 'scratch'],
  running: false,
  messages: [],
  ...over,
});
const msg = (id: string, role: ChatView['messages'][number]['role'], text: string, streaming = false) => ({ id, role, text, at: '2026-11-25T10:00:00Z', streaming });

describe('chat pane', () => {
  it('shows user, tool, status and a streaming reply with a cursor', () => {
    const f = show(
      <ChatPane
        chat={chat({ running: true, messages: [msg('1', 'user', 'list files'), msg('2', 'tool', 'exec ls -la'), msg('3', 'status', 'model call 1'), msg('4', 'assistant', 'Here are', true)] })}
        draft="" input={false} scroll={0} readonly={false} focused width={60} height={14}
      />,
    );
    expect(f).toContain('you  list files');
    expect(f).toContain('tool exec ls -la');
    expect(f).toContain('-- model call 1');
    expect(f).toContain('agent Here are▍');
    expect(f).toContain('running');
    expect(f).toContain('session main (2)');
  });

  it('wraps long replies to the pane width and scrolls through history', () => {
    const long = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');
    const props = { chat: chat({ messages: [msg('1', 'assistant', long), msg('2', 'user', 'latest question')] }), draft: '', input: false, readonly: false, focused: true, width: 30, height: 9 };
    const bottom = show(<ChatPane {...props} scroll={0} />);
    expect(bottom).toContain('latest question');
    for (const l of bottom.split('\n')) expect([...l].length).toBeLessThanOrEqual(30);
    const up = show(<ChatPane {...props} scroll={3} />);
    expect(up).not.toContain('latest question');
    expect(up).toContain('more below');
  });

  it('shows a multi-line draft while writing', () => {
    const f = show(<ChatPane chat={chat()} draft={'first\nsecond'} input scroll={0} readonly={false} focused width={40} height={10} />);
    expect(f).toContain('> first');
    expect(f).toContain('  second_');
  });
});

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

describe('approvals pane', () => {
  it('lists newest first with wait time, hits and risk', () => {
    const items = selectPendingApprovals(
      makeSnapshot({
        approvals: [
          makeApproval({ id: 'o', host: 'old.test', ageMs: 125_000 }),
          makeApproval({ id: 'n', host: '10.0.0.8', port: 8443, ageMs: 3_000, hits: 5, risk: ['ip-literal', 'unusual-port'] }),
        ],
      }),
    );
    const f = show(<ApprovalsPane items={items} selectedId="n" inflight={{}} readonly={false} now={Date.now()} focused width={70} height={8} />);
    const rows = f.split('\n');
    const iNew = rows.findIndex((r) => r.includes('10.0.0.8:8443'));
    const iOld = rows.findIndex((r) => r.includes('old.test:443'));
    expect(iNew).toBeGreaterThan(0);
    expect(iNew).toBeLessThan(iOld);
    expect(rows[iNew]).toMatch(/3s 10\.0\.0\.8:8443 x5 +! IP literal, odd port/);
    expect(rows[iOld]).toContain('2m05s');
    expect(f).toContain('2 waiting');
  });

  it('shows exec requests and an item being decided', () => {
    const items = [makeApproval({ id: 'e', kind: 'exec', host: null, port: null, command: 'rm -rf build' })];
    const f = show(<ApprovalsPane items={items} selectedId="e" inflight={{ 'decide:e': 'deciding' }} readonly now={Date.now()} focused width={70} height={6} />);
    expect(f).toContain('exec rm -rf build');
    expect(f).toContain('deciding...');
    expect(f).toContain('read-only');
  });
});

describe('policy pane', () => {
  it('shows the file with line numbers, validity and the endpoint cursor', () => {
    const f = show(<PolicyPane policy={makePolicy()} rules={3} cursor={2} focused width={60} height={20} />);
    expect(f).toContain('valid, 3 rules');
    expect(f).toMatch(/›\s*13\s+- host: pypi.org/);
    expect(f).toContain('(disabled)');
  });

  it('shows validation errors with line:col', () => {
    const policy = { ...makePolicy(), valid: false, errors: [{ code: 'POLICY_UNKNOWN_KEY', message: 'unknown key "hots"', kind: 'user' as const, where: [{ file: 'policy.yaml', line: 6, col: 9 }] }] };
    const f = show(<PolicyPane policy={policy} rules={0} cursor={0} focused width={60} height={12} />);
    expect(f).toContain('INVALID (1)');
    expect(f).toContain('6:9 unknown key "hots"');
  });

  it('highlights keys, values and comments in colour when colour is on', () => {
    const colour = createTheme({ LANG: 'C.UTF-8' });
    const segs = highlightYaml('      - host: pypi.org # mirror', colour);
    expect(segs.find((s) => s.text === 'host:')?.color).toBe(colour.tokens.yamlKey);
    expect(segs.find((s) => s.text.startsWith('pypi.org'))?.color).toBe(colour.tokens.yamlValue);
    expect(segs.find((s) => s.text.includes('# mirror'))?.color).toBe(colour.tokens.yamlComment);
    expect(highlightYaml('# all comment', theme).every((s) => s.color === undefined)).toBe(true);
  });
});
