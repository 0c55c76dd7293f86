import { createParser, type EventSourceParser } from 'eventsource-parser';
import type { ReportedUsage } from './meter.js';

export interface TapHandlers {
  onDelta(text: string): void;
  onUsage(u: ReportedUsage): void;
  // A data line that is not JSON (and not [DONE]): the stream is forwarded anyway, the count is an estimate.
  onGarbage(): void;
}

type Choice = {
  delta?: { content?: unknown; reasoning_content?: unknown; reasoning?: unknown; tool_calls?: { function?: { arguments?: unknown; name?: unknown } }[] };
  text?: unknown;
};

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

// Generated text in one streamed chunk: content, reasoning, tool-call names/arguments, or completion text.
export const chunkText = (obj: { choices?: Choice[] }): { text: string; any: boolean } => {
  let text = '';
  let any = false;
  for (const c of obj.choices ?? []) {
    const d = c.delta;
    if (d) {
      for (const v of [d.content, d.reasoning_content, d.reasoning]) if (typeof v === 'string' && v) ((text += v), (any = true));
      for (const tc of d.tool_calls ?? []) {
        const t = str(tc.function?.name) + str(tc.function?.arguments);
        if (t) ((text += t), (any = true));
      }
    }
    if (typeof c.text === 'string' && c.text) ((text += c.text), (any = true));
  }
  return { text, any };
};

// Watches an SSE byte stream as it is forwarded (never alters it): deltas for live counts, final usage.
export class SseTap {
  private readonly parser: EventSourceParser;
  private readonly decoder = new TextDecoder();

  constructor(h: TapHandlers) {
    this.parser = createParser({
      onEvent: (ev) => {
        const data = ev.data;
        if (data === '[DONE]') return;
        let obj: { choices?: Choice[]; usage?: ReportedUsage | null };
        try {
          obj = JSON.parse(data);
        } catch {
          h.onGarbage();
          return;
        }
        if (typeof obj !== 'object' || obj === null) return h.onGarbage();
        const { text, any } = chunkText(obj);
        if (any) h.onDelta(text);
        if (obj.usage && typeof obj.usage === 'object') h.onUsage(obj.usage);
      },
    });
  }

  push(chunk: Uint8Array): void {
    this.parser.feed(this.decoder.decode(chunk, { stream: true }));
  }
}
