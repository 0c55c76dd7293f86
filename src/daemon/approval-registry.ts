import type { DaemonContext } from './context.js';
import type { ApprovalDecision, ApprovalItem } from '../protocol/approvals.js';
import { ClawdeckError } from '../protocol/errors.js';

type Kind = ApprovalItem['kind'];

// What one kind's owner (egress hold queue, OpenClaw exec approvals) does with the operator's decision.
export type DecideFn = (id: string, decision: ApprovalDecision, by: string) => Promise<{ released: number }>;

// A kind's handle on the shared queue: publish its current items (replaces that kind's part).
export interface ApprovalSource {
  publish(items: ApprovalItem[]): void;
}

// The single approval queue: every kind's items merged (oldest first) into store.approvals and
// status.approvals.pending, and approvals.list / approvals.decide dispatched to the item's owner.
export class ApprovalRegistry {
  private readonly parts = new Map<Kind, { items: ApprovalItem[]; decide: DecideFn }>();
  private explain: ((item: ApprovalItem) => string | null) | null = null;

  constructor(private readonly ctx: DaemonContext) {
    ctx.server.handle('approvals.list', () => ctx.store.current.approvals);
    ctx.server.handle('approvals.decide', (p, client) => this.decide(p.id, p.decision, p.by ?? `operator:${client.name}`));
  }

  // Registers the owner of one kind; its publish() replaces that kind's items in the merged queue.
  source(kind: Kind, decide: DecideFn): ApprovalSource {
    const part = { items: [] as ApprovalItem[], decide };
    this.parts.set(kind, part);
    return {
      publish: (items) => {
        part.items = items;
        this.publish();
      },
    };
  }

  // Fills `cause` where the owner left it empty (the agent service: the tool call that made an egress request).
  setExplainer(fn: (item: ApprovalItem) => string | null): void {
    this.explain = fn;
  }

  // Finds the item in whichever kind holds it and lets that owner decide.
  async decide(id: string, decision: ApprovalDecision, by: string): Promise<{ released: number }> {
    for (const part of this.parts.values()) {
      if (part.items.some((i) => i.id === id)) return part.decide(id, decision, by);
    }
    throw new ClawdeckError('APPROVAL_NOT_FOUND', `no pending approval with id "${id}"`, {
      hint: 'It may have been decided or timed out already; list the queue with: clawdeck approvals list',
    });
  }

  private publish(): void {
    const mine = new Set(this.parts.keys());
    // Items of kinds nobody registered (test hooks' synthetic ones) stay as they are.
    const others = this.ctx.store.current.approvals.filter((i) => !mine.has(i.kind));
    const explain = this.explain;
    const annotate = (i: ApprovalItem): ApprovalItem => {
      if (i.cause !== null || !explain) return i;
      const cause = explain(i);
      return cause ? { ...i, cause } : i;
    };
    const all = [...others, ...[...this.parts.values()].flatMap((p) => p.items.map(annotate))].sort((a, b) => a.created_at.localeCompare(b.created_at));
    this.ctx.store.patch('approvals', all);
    this.ctx.setStatus('approvals', { pending: all.length });
  }
}

const registries = new WeakMap<DaemonContext, ApprovalRegistry>();

// The daemon's one registry (created on first use by whichever service starts first).
export const approvalRegistry = (ctx: DaemonContext): ApprovalRegistry => {
  let r = registries.get(ctx);
  if (!r) registries.set(ctx, (r = new ApprovalRegistry(ctx)));
  return r;
};
