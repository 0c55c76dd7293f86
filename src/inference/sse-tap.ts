import { createParser, type EventSourceParser } from 'eventsource-parser';
import type { ReportedUsage } from './meter.js';

export interface TapHandlers {
  // One streamed chunk that carries generated output (counted live; exact figures come at the end).
  onDelta(): void;
}

// What a finished stream said: exact usage if the provider sent it, else the generated text for an estimate.
export interface TapResult {
  usage: ReportedUsage | null;
  text: string;
  garbage: number;
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

// Byte markers of a chunk that carries output; a following '"' means an empty string (a role-only chunk).
const MARKERS = ['"content":"', '"reasoning_content":"', '"reasoning":"', '"arguments":"', '"text":"'].map((m) => Buffer.from(m));
const QUOTE = 0x22;
// Past this much retained stream the tap parses as it goes instead (bounded memory for very long streams).
const RETAIN_MAX = 4 << 20;

// Watches an SSE byte stream as it is forwarded, never altering it. The per-token path only scans bytes for
// output markers (live counts); the events are parsed with eventsource-parser once, at the end, for usage and,
// only when usage is missing, the text to estimate from.
export class SseTap {
  private retained: Buffer[] = [];
  private retainedBytes = 0;
  private parser: EventSourceParser | null = null;
  private readonly decoder = new TextDecoder();
  private usage: ReportedUsage | null = null;
  private text = '';
  private garbage = 0;

  constructor(private readonly h: TapHandlers) {}

  push(chunk: Buffer): void {
    for (const m of MARKERS) {
      let i = chunk.indexOf(m);
      while (i >= 0) {
        if (chunk[i + m.length] !== QUOTE) this.h.onDelta();
        i = chunk.indexOf(m, i + m.length);
      }
    }
    if (this.parser) return this.parser.feed(this.decoder.decode(chunk, { stream: true }));
    this.retained.push(chunk);
    this.retainedBytes += chunk.length;
    if (this.retainedBytes > RETAIN_MAX) this.drain();
  }

  // Parses everything seen (once) and reports usage, text and how many events were not JSON.
  finish(): TapResult {
    this.drain();
    return { usage: this.usage, text: this.text, garbage: this.garbage };
  }

  private drain(): void {
    this.parser ??= createParser({ onEvent: (ev) => this.onEvent(ev.data) });
    for (const c of this.retained) this.parser.feed(this.decoder.decode(c, { stream: true }));
    this.retained = [];
    this.retainedBytes = 0;
  }

  private onEvent(data: string): void {
    if (data === '[DONE]') return;
    let obj: { choices?: Choice[]; usage?: ReportedUsage | null };
    try {
      obj = JSON.parse(data);
    } catch {
      this.garbage++;
      return;
    }
    if (typeof obj !== 'object' || obj === null) {
      this.garbage++;
      return;
    }
    if (obj.usage && typeof obj.usage === 'object') this.usage = obj.usage;
    // Text is only needed for an estimate; once exact usage arrived it is not collected.
    if (!this.usage) this.text += chunkText(obj).text;
  }
}
