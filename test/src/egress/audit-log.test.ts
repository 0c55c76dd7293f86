import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, existsSync, rmSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../../src/egress/audit-log.js';
import { readAuditLines, formatAuditLine } from '../../../src/egress/audit-read.js';
import { waitFor } from '../../helpers/home.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'audit-'));

describe('AuditLog', () => {
  it('has each line on disk as soon as write returns (no buffering to lose on kill -9)', () => {
    const dir = tmp();
    const f = join(dir, 'audit.jsonl');
    const log = new AuditLog(f);
    log.write({ event: 'decision', conn: 1, outcome: 'allow', host: 'a.test', port: 443 });
    expect(JSON.parse(readFileSync(f, 'utf8').trim())).toMatchObject({ event: 'decision', host: 'a.test', t: expect.any(String) });
    log.close();
    rmSync(dir, { recursive: true });
  });

  it('writes after-the-fact lines with the next decision line, or on their own soon after when none follows', async () => {
    const dir = tmp();
    const f = join(dir, 'audit.jsonl');
    const log = new AuditLog(f);
    const lines = (): Record<string, unknown>[] => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    log.writeSoon({ event: 'close', conn: 1, bytes_up: 5, bytes_down: 7, duration_ms: 1 });
    expect(readFileSync(f, 'utf8')).toBe('');
    log.write({ event: 'decision', conn: 2, outcome: 'allow', host: 'a.test', port: 443, ip: null });
    expect(lines()).toEqual([
      { t: expect.any(String), event: 'close', conn: 1, bytes_up: 5, bytes_down: 7, duration_ms: 1 },
      { t: expect.any(String), event: 'decision', conn: 2, outcome: 'allow', host: 'a.test', port: 443, ip: null },
    ]);
    log.writeSoon({ event: 'close', conn: 2, bytes_up: 0 });
    await waitFor(() => lines().length === 3, 'the close line without a following decision');
    expect(lines()[2]).toMatchObject({ event: 'close', conn: 2 });
    log.close();
    rmSync(dir, { recursive: true });
  });

  it('rotates by size and the reader reads rotations oldest first', () => {
    const dir = tmp();
    const f = join(dir, 'audit.jsonl');
    const log = new AuditLog(f, { maxBytes: 1000, keep: 3 });
    for (let i = 0; i < 40; i++) log.write({ event: 'decision', conn: i, host: `h${i}.test`, port: 443 });
    log.close();
    expect(existsSync(`${f}.1`)).toBe(true);
    expect(readFileSync(f, 'utf8').length).toBeLessThan(1000);
    const lines = readAuditLines(f, undefined, 3);
    const conns = lines.map((l) => l.conn as number);
    expect(conns).toEqual([...conns].sort((a, b) => a - b));
    expect(conns.at(-1)).toBe(39);
    rmSync(dir, { recursive: true });
  });

  it('reads with --since and skips a torn last line', () => {
    const dir = tmp();
    const f = join(dir, 'audit.jsonl');
    appendFileSync(f, JSON.stringify({ t: '2020-01-01T00:00:00Z', event: 'decision' }) + '\n');
    appendFileSync(f, JSON.stringify({ t: new Date().toISOString(), event: 'close', host: 'x.test', port: 1, scheme: 'connect', bytes_up: 1, bytes_down: 2, duration_ms: 3 }) + '\n');
    appendFileSync(f, '{"t":"2026-');
    const lines = readAuditLines(f, Date.now() - 600_000);
    expect(lines).toHaveLength(1);
    expect(formatAuditLine(lines[0]!)).toMatch(/close .*x\.test:1 .*up=1B down=2B 3ms/);
    rmSync(dir, { recursive: true });
  });
});
