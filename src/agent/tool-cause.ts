import type { ApprovalItem } from '../protocol/approvals.js';

const rec = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});

interface ToolStart {
  at: number;
  runId: string;
  id: string;
  name: string;
  args: string;
}

// The agent's recent tool calls (gateway `agent` events, stream "tool", phase start), to tell the operator why
// an egress connection is held: the call whose arguments name the host, started shortly before the hold.
export class RecentToolCalls {
  private readonly calls: ToolStart[] = [];

  constructor(
    private readonly windowMs = 120_000,
    private readonly now: () => number = Date.now,
  ) {}

  record(payload: unknown): void {
    const p = rec(payload);
    const d = rec(p.data);
    if (p.stream !== 'tool' || d.phase !== 'start') return;
    let args: string;
    try {
      args = typeof d.args === 'string' ? d.args : JSON.stringify(d.args ?? null);
    } catch {
      return;
    }
    this.calls.push({ at: this.now(), runId: String(p.runId ?? ''), id: String(d.toolCallId ?? ''), name: String(d.name ?? 'tool'), args });
    if (this.calls.length > 100) this.calls.shift();
  }

  // The newest call naming the item's host started up to windowMs before (or just after) the item; null if none.
  causeFor(item: ApprovalItem): string | null {
    if (item.kind !== 'egress' || !item.host) return null;
    const host = item.host.toLowerCase();
    const t = Date.parse(item.created_at);
    for (let i = this.calls.length - 1; i >= 0; i--) {
      const c = this.calls[i]!;
      if (c.at > t + 5_000 || c.at < t - this.windowMs) continue;
      if (!c.args.toLowerCase().includes(host)) continue;
      const args = c.args.length > 160 ? `${c.args.slice(0, 157)}...` : c.args;
      return `${c.name} tool call ${c.id}${c.runId ? ` in chat run ${c.runId}` : ''}: ${args}`;
    }
    return null;
  }
}
