import { createParser, type EventSourceParser } from 'eventsource-parser';
import type { ReportedUsage } from './meter.js';

export interface TapHandlers {
  // One streamed chunk that carries generated output (counted live; text is extracted later if needed).
  onDelta(): void;
  onUsage(u: ReportedUsage): void;
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

// A cheap test for "this chunk carries output" without parsing it (the hot path runs per token).
const OUTPUT = /"(?:content|reasoning_content|reasoning|arguments|text)":\s*"(?!")/;

// Watches an SSE byte stream as it is forwarded (never alters it). Per event it only scans: JSON is parsed
// for the usage chunk, and for the text of every chunk only if the stream ends without usage (estimate).
export class SseTap {
  private readonly parser: EventSourceParser;
  private readonly decoder = new TextDecoder();
  private readonly events: string[] = [];

  constructor(h: TapHandlers) {
    this.parser = createParser({
      onEvent: (ev) => {
        const data = ev.data;
        if (data === '[DONE]') return;
        this.events.push(data);
        if (OUTPUT.test(data)) h.onDelta();
        if (data.includes('"usage":{')) {
          try {
            const obj = JSON.parse(data) as { usage?: ReportedUsage | null };
            if (obj.usage && typeof obj.usage === 'object') h.onUsage(obj.usage);
          } catch {
            // garbage: counted at the end
          }
        }
      },
    });
  }

  push(chunk: Uint8Array): void {
    this.parser.feed(this.decoder.decode(chunk, { stream: true }));
  }

  // The generated text of the whole stream (for a tokenizer estimate) and how many events were not JSON.
  text(): { text: string; garbage: number } {
    let text = '';
    let garbage = 0;
    for (const d of this.events) {
      try {
        const obj = JSON.parse(d);
        if (typeof obj !== 'object' || obj === null) garbage++;
        else text += chunkText(obj).text;
      } catch {
        garbage++;
      }
    }
    return { text, garbage };
  }
}
