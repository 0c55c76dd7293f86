import type { SnapshotStore } from '../daemon/store.js';
import type { Meter } from '../protocol/snapshot.js';
import type { BudgetConfig } from '../config/schema.js';
import { localDay, readLedger, type LedgerEntry, type LedgerWriter } from './ledger.js';
import { evaluateBudget, type BudgetState, type BudgetStatus } from './budget.js';
import { countTokens, preloadTokenizer, tokenizerReady } from './estimate.js';

type MeterCall = Meter['active'][number];
type Totals = Meter['totals']['session'];
type Price = { input: number; output: number };

// Usage as providers report it (OpenAI shape); every field optional.
export interface ReportedUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
}

export interface MeterOptions {
  store: SnapshotStore;
  ledger: LedgerWriter;
  sessionId: string;
  budget: () => BudgetConfig;
  price: (provider: string, model: string) => Price | undefined;
  notice: (level: 'info' | 'warn' | 'error', text: string) => void;
  onFinish?: (e: LedgerEntry) => void;
  tickMs?: number;
}

const RECENT = 20;
const HISTORY = 120;
const zero = (): Totals => ({ tokens_in: 0, tokens_out: 0, cost: 0, calls: 0 });

// Dollars for a call at the configured per-million prices (0 when the model has no price).
export const costOf = (price: Price | undefined, tokensIn: number, tokensOut: number): number =>
  price ? (tokensIn * price.input + tokensOut * price.output) / 1e6 : 0;

// One call in flight: counts chunks as they stream, takes exact usage when the provider sends it.
export class LiveCall {
  readonly startedAt = new Date();
  private readonly t0 = performance.now();
  private firstAt: number | null = null;
  private chunks = 0;
  private text: string[] = [];
  private textSource: (() => string | null) | null = null;
  private usage: ReportedUsage | null = null;
  private finished = false;
  attempts = 1;

  constructor(
    private readonly meter: InferenceMeter,
    readonly id: string,
    readonly endpoint: string,
    public provider: string,
    public model: string,
    readonly rule: string | null,
    private readonly promptText: () => string,
    private readonly promptGuess = 0,
  ) {}

  // A chunk of generated output arrived (its text, when known cheaply, is kept for an estimate).
  onDelta(text = ''): void {
    if (this.firstAt === null) this.firstAt = performance.now();
    this.chunks++;
    if (text) this.text.push(text);
  }

  // Where the generated text comes from if it has to be estimated (read only at the end, only without usage).
  // A source that returns null (a stream too long to keep) falls back to the chunk count.
  setTextSource(fn: () => string | null): void {
    this.textSource = fn;
  }

  onUsage(u: ReportedUsage): void {
    this.usage = u;
  }

  // A live view for the meter; until exact usage arrives, tokens out are the chunk count and tokens in a
  // request-bytes/4 guess (both flagged estimated; the tokenizer runs once, at the end, only if needed).
  view(status: MeterCall['status'] = 'streaming'): MeterCall {
    const now = performance.now();
    const u = this.usage;
    const out = u?.completion_tokens ?? this.chunks;
    const genMs = this.firstAt === null ? 0 : now - this.firstAt;
    return {
      id: this.id,
      model: this.model,
      provider: this.provider,
      rule: this.rule,
      started_at: this.startedAt.toISOString(),
      tokens_in: u?.prompt_tokens ?? this.promptGuess,
      tokens_out: out,
      cached_tokens: u?.prompt_tokens_details?.cached_tokens ?? null,
      estimated: u === null,
      ttft_ms: this.firstAt === null ? null : this.firstAt - this.t0,
      tokens_per_s: genMs > 0 ? (out / genMs) * 1000 : null,
      elapsed_ms: now - this.t0,
      status,
      cost: costOf(this.meter.priceOf(this.provider, this.model), u?.prompt_tokens ?? this.promptGuess, out),
    };
  }

  // Ends the call: exact usage if reported, else a tokenizer estimate (flagged); writes the ledger. The
  // tokenizer (~75 MB) is loaded only the first time a provider sends no usage; that call is recorded once it is.
  finish(status: LedgerEntry['status'], httpStatus: number | null, error?: string): void {
    if (this.finished) return;
    this.finished = true;
    const end = performance.now();
    const u = this.usage;
    const exact = u !== null && typeof u.prompt_tokens === 'number';
    // Without a successful upstream answer (connect error, 429/5xx, refused by budget) nothing was consumed.
    const served = httpStatus !== null && httpStatus < 400;
    if (!exact && served && !tokenizerReady()) {
      void preloadTokenizer().then(() => this.complete(status, httpStatus, error, end, exact, served));
      return;
    }
    this.complete(status, httpStatus, error, end, exact, served);
  }

  private complete(status: LedgerEntry['status'], httpStatus: number | null, error: string | undefined, now: number, exact: boolean, served: boolean): void {
    const u = this.usage;
    const tokensIn = exact ? u!.prompt_tokens! : served ? countTokens(this.promptText()) : 0;
    const text = exact || !served ? '' : this.textSource ? this.textSource() : this.text.join('');
    const tokensOut = exact ? (u!.completion_tokens ?? 0) : !served ? 0 : text === null ? this.chunks : countTokens(text);
    const entry: LedgerEntry = {
      t: this.startedAt.toISOString(),
      day: localDay(this.startedAt),
      session: this.meter.sessionId,
      id: this.id,
      endpoint: this.endpoint,
      provider: this.provider,
      model: this.model,
      rule: this.rule,
      tokens_in: tokensIn,
      tokens_out: tokensOut,
      cached_tokens: u?.prompt_tokens_details?.cached_tokens ?? null,
      estimated: !exact && served,
      ttft_ms: this.firstAt === null ? null : Math.round((this.firstAt - this.t0) * 100) / 100,
      elapsed_ms: Math.round((now - this.t0) * 100) / 100,
      status,
      http_status: httpStatus,
      cost: costOf(this.meter.priceOf(this.provider, this.model), tokensIn, tokensOut),
      attempts: this.attempts,
      ...(error ? { error } : {}),
    };
    this.meter.record(this, entry);
  }
}

// The inference meter: live calls, totals per session/day/model, budget state; publishes throttled snapshots.
export class InferenceMeter {
  private readonly active = new Map<string, LiveCall>();
  private recent: MeterCall[] = [];
  private session = zero();
  private today = zero();
  private todayKey = localDay(new Date());
  private perModel = new Map<string, { tokens_in: number; tokens_out: number; cost: number; estimated: boolean }>();
  private history: number[] = [];
  private ticker: NodeJS.Timeout | undefined;
  private ticks = 0;
  private lastState: BudgetState = 'ok';
  private nextId = 1;
  private pubTimer: NodeJS.Timeout | undefined;
  private lastPub = 0;
  readonly sessionId: string;

  constructor(private readonly o: MeterOptions) {
    this.sessionId = o.sessionId;
  }

  priceOf(provider: string, model: string): Price | undefined {
    return this.o.price(provider, model);
  }

  // Rebuilds today's totals and recent calls from the ledger (so they survive a daemon restart).
  load(): void {
    const day = localDay(new Date());
    for (const e of readLedger(this.o.ledger.file, new Date().setHours(0, 0, 0, 0))) {
      if (e.day !== day) continue;
      if (e.status !== 'refused') this.addTotals(this.today, e);
      this.addModel(e);
      this.recent.unshift(this.entryView(e));
    }
    this.recent = this.recent.slice(0, RECENT);
    this.lastState = this.budget().state;
    this.publish();
  }

  // Starts metering a call; `promptText` is tokenized only if the provider reports no usage.
  begin(endpoint: string, provider: string, model: string, rule: string | null, promptText: () => string, promptGuess = 0): LiveCall {
    const id = `call-${Date.now().toString(36)}-${this.nextId++}`;
    const call = new LiveCall(this, id, endpoint, provider, model, rule, promptText, promptGuess);
    this.active.set(id, call);
    this.startTicker();
    this.publish();
    return call;
  }

  budget(): BudgetStatus {
    this.rollDay();
    return evaluateBudget(
      this.o.budget(),
      { tokens: this.today.tokens_in + this.today.tokens_out, cost: this.today.cost },
      { tokens: this.session.tokens_in + this.session.tokens_out, cost: this.session.cost },
    );
  }

  // Re-evaluates the budget (after a call or a cap change) and raises a notice when its state changes.
  checkBudget(): BudgetStatus {
    const b = this.budget();
    if (b.state !== this.lastState) {
      if (b.state === 'warn') this.o.notice('warn', `inference ${b.reason}`);
      else if (b.state === 'blocked') this.o.notice('error', `inference ${b.reason}; new calls are refused (raise it: clawdeck budget set)`);
      else this.o.notice('info', 'inference budget back under its caps');
      this.lastState = b.state;
    }
    this.publish();
    return b;
  }

  totals(): { session: Totals; today: Totals } {
    this.rollDay();
    return { session: { ...this.session }, today: { ...this.today } };
  }

  record(call: LiveCall, e: LedgerEntry): void {
    this.active.delete(call.id);
    this.o.ledger.append(e);
    if (e.status !== 'refused') {
      this.rollDay();
      this.addTotals(this.session, e);
      this.addTotals(this.today, e);
      this.addModel(e);
    }
    this.recent = [this.entryView(e), ...this.recent].slice(0, RECENT);
    if (this.active.size === 0) this.stopTicker();
    this.o.onFinish?.(e);
    this.checkBudget();
  }

  stop(): void {
    this.stopTicker();
    clearTimeout(this.pubTimer);
  }

  private rollDay(): void {
    const day = localDay(new Date());
    if (day !== this.todayKey) {
      this.todayKey = day;
      this.today = zero();
      this.perModel.clear();
    }
  }

  private addTotals(t: Totals, e: LedgerEntry): void {
    t.tokens_in += e.tokens_in;
    t.tokens_out += e.tokens_out;
    t.cost += e.cost;
    t.calls++;
  }

  private addModel(e: LedgerEntry): void {
    if (e.status === 'refused') return;
    const m = this.perModel.get(e.model) ?? { tokens_in: 0, tokens_out: 0, cost: 0, estimated: false };
    m.tokens_in += e.tokens_in;
    m.tokens_out += e.tokens_out;
    m.cost += e.cost;
    m.estimated ||= e.estimated;
    this.perModel.set(e.model, m);
  }

  private entryView(e: LedgerEntry): MeterCall {
    const gen = e.ttft_ms === null ? 0 : e.elapsed_ms - e.ttft_ms;
    return {
      id: e.id,
      model: e.model,
      provider: e.provider,
      rule: e.rule,
      started_at: e.t,
      tokens_in: e.tokens_in,
      tokens_out: e.tokens_out,
      cached_tokens: e.cached_tokens,
      estimated: e.estimated,
      ttft_ms: e.ttft_ms,
      tokens_per_s: gen > 0 ? (e.tokens_out / gen) * 1000 : null,
      elapsed_ms: e.elapsed_ms,
      status: e.status === 'refused' ? 'error' : e.status,
      cost: e.cost,
    };
  }

  private startTicker(): void {
    if (this.ticker) return;
    const ms = this.o.tickMs ?? 250;
    this.ticker = setInterval(() => {
      // History is one sample per second of summed live tokens/s.
      if (++this.ticks % Math.max(1, Math.round(1000 / ms)) === 0) this.history = [...this.history, this.liveTps()].slice(-HISTORY);
      this.publish();
    }, ms);
    this.ticker.unref();
  }

  private stopTicker(): void {
    if (!this.ticker) return;
    clearInterval(this.ticker);
    this.ticker = undefined;
    this.history = [...this.history, 0].slice(-HISTORY);
  }

  private liveTps(): number {
    let s = 0;
    for (const c of this.active.values()) s += c.view().tokens_per_s ?? 0;
    return s;
  }

  // Publishes at most every 100 ms however many calls start and end (the store throttles clients further).
  publish(): void {
    if (this.pubTimer) return;
    const wait = this.lastPub + 100 - Date.now();
    if (wait <= 0) return this.publishNow();
    this.pubTimer = setTimeout(() => {
      this.pubTimer = undefined;
      this.publishNow();
    }, wait);
    this.pubTimer.unref();
  }

  // Builds the meter part of the snapshot now.
  publishNow(): void {
    this.lastPub = Date.now();
    const b = this.budget();
    const meter: Meter = {
      active: [...this.active.values()].map((c) => c.view()),
      recent: this.recent,
      totals: { session: { ...this.session }, today: { ...this.today } },
      per_model: [...this.perModel.entries()].map(([model, m]) => ({ model, ...m })),
      budget: { cost_cap: b.cost_cap, token_cap: b.token_cap, used_fraction: b.used_fraction, state: b.state, reason: b.reason },
      history: this.history,
    };
    this.o.store.patch('meter', meter);
  }
}
