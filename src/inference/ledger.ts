import { appendFileSync, closeSync, createWriteStream, existsSync, openSync, readFileSync, readSync, readdirSync, renameSync, type WriteStream } from 'node:fs';
import { basename, dirname, join } from 'node:path';

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

// The ledger is kept by month: the live file holds the current month; when a call of a new month is written,
// the live file becomes `usage-YYYY-MM.jsonl` next to it. Nothing is deleted (usage history is accounting),
// but a daemon start and a `--since 24h` query only read the months they need.
const monthOf = (day: string): string => day.slice(0, 7);
const archiveName = (file: string, month: string): string => join(dirname(file), `${basename(file, '.jsonl')}-${month}.jsonl`);

// The month of the live file's first entry (null when empty or unreadable).
const firstMonth = (file: string): string | null => {
  if (!existsSync(file)) return null;
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const line = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString('utf8').split('\n')[0]!;
    const day = /"day":"(\d{4}-\d{2})-\d{2}"/.exec(line);
    return day ? day[1]! : null;
  } finally {
    closeSync(fd);
  }
};

// Appends calls to the ledger without blocking the event loop (a sync write would sit on the next call's
// first-token path); order is kept, and readers await flushed() so a query sees every finished call.
export class LedgerWriter {
  private out: WriteStream;
  private month: string;
  private pending = 0;
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(readonly file: string) {
    this.month = monthOf(localDay(new Date()));
    this.rotateIfOld(firstMonth(file));
    this.out = this.open();
  }

  append(e: LedgerEntry): void {
    // A call cancelled by shutdown can finish after close(): written synchronously then.
    if (this.closed) return appendFileSync(this.file, JSON.stringify(e) + '\n', { mode: 0o600 });
    if (monthOf(e.day) > this.month) {
      // Writes still queued on the old stream land in the archive: they belong to the old month.
      this.rotateIfOld(this.month, monthOf(e.day));
      this.out.end();
      this.out = this.open();
    }
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

  private open(): WriteStream {
    // Opened synchronously so the file exists (and a rotation can move it) before the first write lands.
    const out = createWriteStream(this.file, { fd: openSync(this.file, 'a', 0o600) });
    out.on('error', () => undefined);
    return out;
  }

  // Moves the live file aside when it holds an older month than `now`.
  private rotateIfOld(fileMonth: string | null, now = this.month): void {
    this.month = now;
    if (fileMonth === null || fileMonth >= now || !existsSync(this.file)) return;
    const to = archiveName(this.file, fileMonth);
    // Two segments of one month (clock set back and forth) are kept apart rather than overwritten.
    renameSync(this.file, existsSync(to) ? archiveName(this.file, `${fileMonth}-${Date.now()}`) : to);
  }
}

const parseLines = (text: string, out: LedgerEntry[]): void => {
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const e = JSON.parse(line) as LedgerEntry;
      if (typeof e.t === 'string' && typeof e.model === 'string') out.push(e);
    } catch {
      // torn or foreign line
    }
  }
};

// Reads every well-formed entry (oldest first) of the live file and of the archived months that can hold
// calls since `sinceMs` (all of them without it); a torn last line (crash mid-write) is skipped.
export const readLedger = (file: string, sinceMs: number | null = null): LedgerEntry[] => {
  const from = sinceMs === null ? '' : monthOf(localDay(new Date(sinceMs)));
  const prefix = `${basename(file, '.jsonl')}-`;
  const archived = existsSync(dirname(file))
    ? readdirSync(dirname(file))
        .filter((n) => n.startsWith(prefix) && n.endsWith('.jsonl') && n.slice(prefix.length, prefix.length + 7) >= from)
        .sort()
    : [];
  const out: LedgerEntry[] = [];
  for (const n of archived) parseLines(readFileSync(join(dirname(file), n), 'utf8'), out);
  if (existsSync(file)) parseLines(readFileSync(file, 'utf8'), out);
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
