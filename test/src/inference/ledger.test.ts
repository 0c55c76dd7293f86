import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LedgerWriter, localDay, readLedger, type LedgerEntry } from '../../../src/inference/ledger.js';

const entry = (t: Date, id: string): LedgerEntry => ({
  t: t.toISOString(),
  day: localDay(t),
  session: 's',
  id,
  endpoint: 'chat/completions',
  provider: 'p',
  model: 'm',
  rule: null,
  tokens_in: 1,
  tokens_out: 2,
  cached_tokens: null,
  estimated: false,
  ttft_ms: 1,
  elapsed_ms: 2,
  status: 'done',
  http_status: 200,
  cost: 0,
  attempts: 1,
});

describe('usage ledger kept by month', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'clawdeck-ledger-'));
    file = join(dir, 'usage.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const now = new Date();
  const monthsAgo = (n: number) => new Date(now.getFullYear(), now.getMonth() - n, 15, 12);
  const month = (d: Date) => localDay(d).slice(0, 7);

  it('archives a live file of an older month at start, and reads only the months a window needs', async () => {
    const old = [entry(monthsAgo(3), 'a'), entry(monthsAgo(3), 'b')];
    writeFileSync(file, old.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const w = new LedgerWriter(file);
    w.append(entry(now, 'c'));
    await w.flushed();
    await w.close();
    expect(readdirSync(dir).sort()).toEqual([`usage-${month(monthsAgo(3))}.jsonl`, 'usage.jsonl']);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
    expect(readLedger(file).map((e) => e.id)).toEqual(['a', 'b', 'c']);
    // A window inside this month does not need the archive.
    expect(readLedger(file, new Date(now.getFullYear(), now.getMonth(), 1).getTime()).map((e) => e.id)).toEqual(['c']);
    expect(readLedger(file, monthsAgo(4).getTime()).map((e) => e.id)).toEqual(['a', 'b', 'c']);
  });

  it('rotates while running when a call of a new month is written; earlier writes stay in their month', async () => {
    const w = new LedgerWriter(file);
    // The writer opened in the current month; simulate its clock reaching next month.
    const next = new Date(now.getFullYear(), now.getMonth() + 1, 2, 12);
    w.append(entry(now, 'x'));
    w.append(entry(next, 'y'));
    await w.flushed();
    await w.close();
    expect(readFileSync(join(dir, `usage-${month(now)}.jsonl`), 'utf8')).toContain('"id":"x"');
    expect(readFileSync(file, 'utf8')).toContain('"id":"y"');
    expect(readFileSync(file, 'utf8')).not.toContain('"id":"x"');
    expect(readLedger(file).map((e) => e.id)).toEqual(['x', 'y']);
  });

  it('skips a torn last line and foreign lines', () => {
    writeFileSync(file, JSON.stringify(entry(now, 'ok')) + '\nnot json\n{"t":"x"}\n{"t":"2026-');
    expect(readLedger(file).map((e) => e.id)).toEqual(['ok']);
  });
});
