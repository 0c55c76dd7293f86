import { appendFileSync, renameSync, statSync, existsSync, rmSync } from 'node:fs';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

// Renames file → file.1 → … → file.N (dropping the oldest) when it grew past maxBytes.
export const rotateIfLarge = (file: string, maxBytes: number, keep: number): void => {
  let size = 0;
  try {
    size = statSync(file).size;
  } catch {
    return;
  }
  if (size < maxBytes) return;
  if (existsSync(`${file}.${keep}`)) rmSync(`${file}.${keep}`);
  for (let i = keep - 1; i >= 1; i--) if (existsSync(`${file}.${i}`)) renameSync(`${file}.${i}`, `${file}.${i + 1}`);
  renameSync(file, `${file}.1`);
};

// The daemon's own log: one JSON object per line, synchronous (low volume, survives crashes), rotated by size.
export const createFileLogger = (file: string, opts: { maxBytes?: number; keep?: number } = {}): Logger => {
  const maxBytes = opts.maxBytes ?? 5 << 20;
  const keep = opts.keep ?? 3;
  let written = 0;
  const log = (level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void => {
    const err = fields.err instanceof Error ? { err: fields.err.stack ?? fields.err.message } : {};
    const line = JSON.stringify({ t: new Date().toISOString(), level, msg, ...fields, ...err }) + '\n';
    if ((written += line.length) > 64 * 1024) {
      written = 0;
      rotateIfLarge(file, maxBytes, keep);
    }
    appendFileSync(file, line, { mode: 0o600 });
  };
  return {
    log,
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
  };
};
