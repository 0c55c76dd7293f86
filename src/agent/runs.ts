import type { z } from 'zod';
import type { chatToolCallSchema, chatUsageSchema } from '../protocol/chat.js';
import type { GatewayClient } from './gateway-client.js';
import { messageText } from './chat-state.js';

type ToolCall = z.infer<typeof chatToolCallSchema>;
type Usage = z.infer<typeof chatUsageSchema>;

interface Run {
  text: string;
  tools: ToolCall[];
}

const rec = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});

// Per-run accumulation (reply text, tool calls) for the `chat.done` event that one-shot clients wait on.
export class RunTracker {
  private readonly runs = new Map<string, Run>();

  private get(runId: string): Run {
    let r = this.runs.get(runId);
    if (!r) this.runs.set(runId, (r = { text: '', tools: [] }));
    // Runs that never finish (gateway lost) must not pile up.
    if (this.runs.size > 200) this.runs.delete(this.runs.keys().next().value!);
    return r;
  }

  start(runId: string): void {
    this.get(runId);
  }

  delta(runId: string, text: string, replace: boolean): void {
    const r = this.get(runId);
    r.text = replace ? text : r.text + text;
  }

  // Gateway `agent` events with stream "tool": phase start (name, args) and result (isError, result).
  agentEvent(payload: unknown): void {
    const p = rec(payload);
    if (p.stream !== 'tool' || typeof p.runId !== 'string') return;
    const d = rec(p.data);
    const r = this.get(p.runId);
    const id = String(d.toolCallId ?? '');
    if (d.phase === 'start') r.tools.push({ id, name: String(d.name ?? ''), args: d.args ?? null, result: null, is_error: false });
    if (d.phase === 'result') {
      const t = r.tools.find((x) => x.id === id);
      if (t) {
        t.result = messageText(d.result).slice(0, 4000);
        t.is_error = d.isError === true;
      }
    }
  }

  take(runId: string): Run | undefined {
    const r = this.runs.get(runId);
    this.runs.delete(runId);
    return r;
  }
}

// Sums the usage OpenClaw recorded on the run's assistant messages (chat.history); null when none.
export const collectRunUsage = async (client: GatewayClient, session: string, runId: string): Promise<Usage | null> => {
  try {
    const h = rec(await client.request('chat.history', { sessionKey: session, limit: 50 }));
    let found = false;
    const u = { input: 0, output: 0, total: 0 };
    for (const m of (h.messages as unknown[] | undefined) ?? []) {
      const r = rec(m);
      if (r.role !== 'assistant' || rec(r.__openclaw).runId !== runId) continue;
      const x = rec(r.usage);
      if (typeof x.input !== 'number') continue;
      found = true;
      u.input += x.input;
      u.output += Number(x.output ?? 0);
      u.total += Number(x.totalTokens ?? Number(x.input) + Number(x.output ?? 0));
    }
    return found ? u : null;
  } catch {
    return null;
  }
};
