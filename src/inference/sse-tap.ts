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
const EVENT = Buffer.from('data:');
const QUOTE = 0x22;
// Past this much stream only the last TAIL bytes are kept (bounded memory): usage is in the final chunk, and
// without usage such a long stream is estimated from its chunk count instead of its text.
const RETAIN_MAX = 8 << 20;
const TAIL = 256 << 10;

// Watches an SSE byte stream as it is forwarded, never altering it. The per-token path only scans bytes:
// output markers until the first output (exact time to first token), then one `data:` count per event.
// Events are parsed with eventsource-parser once, at the end: the tail for usage, and everything only
// when usage is missing (the text to estimate from).
export class SseTap {
  private retained: Buffer[] = [];
  private retainedBytes = 0;
  private truncated = false;
  private seenOutput = false;
  private chunks = 0;

  constructor(private readonly h: TapHandlers) {}

  push(chunk: Buffer): void {
    if (this.seenOutput) {
      for (let i = chunk.indexOf(EVENT); i >= 0; i = chunk.indexOf(EVENT, i + EVENT.length)) this.delta();
    } else {
      for (const m of MARKERS) {
        for (let i = chunk.indexOf(m); i >= 0; i = chunk.indexOf(m, i + m.length)) if (chunk[i + m.length] !== QUOTE) this.delta();
      }
    }
    this.retained.push(chunk);
    this.retainedBytes += chunk.length;
    if (this.retainedBytes > RETAIN_MAX) this.trim();
  }

  // Reports usage, and (only without usage) the text and how many events were not JSON; null text = too long.
  finish(): Omit<TapResult, 'text'> & { chunks: number; text: string | null } {
    const tail = this.parse(this.tailText(), false);
    if (tail.usage) return { usage: tail.usage, text: '', garbage: 0, chunks: this.chunks };
    if (this.truncated) return { usage: null, text: null, garbage: 0, chunks: this.chunks };
    const all = this.parse(Buffer.concat(this.retained, this.retainedBytes).toString('utf8'), true);
    return { ...all, chunks: this.chunks };
  }

  private delta(): void {
    this.seenOutput = true;
    this.chunks++;
    this.h.onDelta();
  }

  private trim(): void {
    const all = Buffer.concat(this.retained, this.retainedBytes);
    const keep = all.subarray(all.length - TAIL);
    this.retained = [Buffer.from(keep)];
    this.retainedBytes = keep.length;
    this.truncated = true;
  }

  // The last TAIL bytes as text, starting at an event boundary.
  private tailText(): string {
    const parts: Buffer[] = [];
    let n = 0;
    for (let i = this.retained.length - 1; i >= 0 && n < TAIL; i--) {
      parts.unshift(this.retained[i]!);
      n += this.retained[i]!.length;
    }
    const text = Buffer.concat(parts, n).toString('utf8');
    if (n === this.retainedBytes && !this.truncated) return text;
    const cut = text.indexOf('\n\n');
    return cut < 0 ? '' : text.slice(cut + 2);
  }

  private parse(text: string, collect: boolean): TapResult {
    let usage: ReportedUsage | null = null;
    let out = '';
    let garbage = 0;
    const parser: EventSourceParser = createParser({
      onEvent: (ev) => {
        const data = ev.data;
        if (data === '[DONE]') return;
        if (!collect && !data.includes('"usage"')) return;
        let obj: { choices?: Choice[]; usage?: ReportedUsage | null };
        try {
          obj = JSON.parse(data);
        } catch {
          garbage++;
          return;
        }
        if (typeof obj !== 'object' || obj === null) {
          garbage++;
          return;
        }
        if (obj.usage && typeof obj.usage === 'object') usage = obj.usage;
        if (collect) out += chunkText(obj).text;
      },
    });
    parser.feed(text);
    parser.reset({ consume: true });
    return { usage, text: out, garbage };
  }
}
