import { describe, it, expect } from 'vitest';
import { RecentToolCalls } from '../../../src/agent/tool-cause.js';
import type { ApprovalItem } from '../../../src/protocol/approvals.js';

const egress = (host: string, at: number, kind: 'egress' | 'exec' = 'egress'): ApprovalItem => ({
  id: 'e1', kind, created_at: new Date(at).toISOString(), hits: 1, host, port: 443, ip: null, scheme: 'https', method: null, path: null,
  closest_rule: null, risk: [], command: null, cwd: null, session: null, cause: null, expires_at: null,
});
const start = (runId: string, id: string, name: string, args: unknown) => ({ runId, stream: 'tool', data: { phase: 'start', toolCallId: id, name, args } });

describe('RecentToolCalls (why an egress item is held)', () => {
  it('names the newest tool call whose arguments mention the host, within the window', () => {
    let now = 1_000_000;
    const t = new RecentToolCalls(60_000, () => now);
    t.record(start('run-1', 'c1', 'web_fetch', { url: 'https://Docs.Example.com/a' }));
    now += 1000;
    t.record(start('run-1', 'c2', 'web_search', { query: 'cats' }));
    t.record({ runId: 'run-1', stream: 'tool', data: { phase: 'result', toolCallId: 'c1' } });
    t.record({ runId: 'run-1', stream: 'assistant', data: { text: 'docs.example.com' } });
    expect(t.causeFor(egress('docs.example.com', now + 500))).toBe('web_fetch tool call c1 in chat run run-1: {"url":"https://Docs.Example.com/a"}');
    expect(t.causeFor(egress('other.example.org', now))).toBeNull();
    expect(t.causeFor(egress('docs.example.com', now + 120_000))).toBeNull();
    expect(t.causeFor(egress('docs.example.com', now, 'exec'))).toBeNull();
  });
});
