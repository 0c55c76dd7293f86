import { appendFileSync, createWriteStream, existsSync, readFileSync, type WriteStream } from 'node:fs';

// One finished inference call as written to the usage ledger (JSONL, one line per call, never a key).
export interface LedgerEntry {
  t: string;
  day: string;
  session: string;
  id: string;
  endpoint: string;
  provider: string;
  model: string;
  rule: string | null;
  tokens_in: number;
  tokens_out: number;
  cached_tokens: number | null;
  estimated: boolean;
  ttft_ms: number | null;
  elapsed_ms: number;
  status: 'done' | 'error' | 'cancelled' | 'refused';
  http_status: number | null;
  cost: number;
  attempts: number;
  error?: string;
}

// Local calendar day (YYYY-MM-DD): daily budgets reset at the user's midnight.
export const localDay = (d: Date): string =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

// Appends calls to the ledger without blocking the event loop (a sync write would sit on the next call's
// first-token path); order is kept, and readers await flushed() so a query sees every finished call.
export class LedgerWriter {
  private readonly out: WriteStream;
  private pending = 0;
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(readonly file: string) {
    this.out = createWriteStream(file, { flags: 'a', mode: 0o600 });
    this.out.on('error', () => undefined);
  }

  append(e: LedgerEntry): void {
    // A call cancelled by shutdown can finish after close(): written synchronously then.
    if (this.closed) return appendFileSync(this.file, JSON.stringify(e) + '\n', { mode: 0o600 });
    this.pending++;
    this.out.write(JSON.stringify(e) + '\n', () => {
      if (--this.pending === 0) for (const w of this.waiters.splice(0)) w();
    });
  }

  flushed(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise((r) => this.waiters.push(r));
  }

  close(): Promise<void> {
    this.closed = true;
    return new Promise((r) => this.out.end(() => r()));
  }
}

// Reads every well-formed entry; a torn last line (crash mid-write) is skipped.
export const readLedger = (file: string): LedgerEntry[] => {
  if (!existsSync(file)) return [];
  const out: LedgerEntry[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    try {
      const e = JSON.parse(line) as LedgerEntry;
      if (typeof e.t === 'string' && typeof e.model === 'string') out.push(e);
    } catch {
      // torn or foreign line
    }
  }
  return out;
};

export interface UsageRow {
  key: string;
  calls: number;
  tokens_in: number;
  tokens_out: number;
  cached_tokens: number;
  cost: number;
  estimated: boolean;
  errors: number;
  // Calls refused by the budget (not counted in calls or tokens).
  refused: number;
}

// Sums ledger entries since a time, grouped by model, day, provider or rule.
export const summarizeUsage = (entries: LedgerEntry[], sinceMs: number | null, by: 'model' | 'day' | 'provider' | 'rule'): UsageRow[] => {
  const rows = new Map<string, UsageRow>();
  for (const e of entries) {
    if (sinceMs !== null && Date.parse(e.t) < sinceMs) continue;
    const key = (by === 'model' ? e.model : by === 'day' ? e.day : by === 'provider' ? e.provider : e.rule) ?? '-';
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { key, calls: 0, tokens_in: 0, tokens_out: 0, cached_tokens: 0, cost: 0, estimated: false, errors: 0, refused: 0 }));
    if (e.status === 'refused') {
      r.refused++;
      continue;
    }
    r.calls++;
    r.tokens_in += e.tokens_in;
    r.tokens_out += e.tokens_out;
    r.cached_tokens += e.cached_tokens ?? 0;
    r.cost += e.cost;
    r.estimated ||= e.estimated;
    if (e.status === 'error') r.errors++;
  }
  return [...rows.values()].sort((a, b) => (by === 'day' ? a.key.localeCompare(b.key) : b.tokens_in + b.tokens_out - (a.tokens_in + a.tokens_out)));
};
