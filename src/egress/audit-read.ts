import { existsSync, readFileSync } from 'node:fs';

export type AuditLine = Record<string, unknown> & { t: string; event: string };

// Reads the audit log and its rotations (oldest first), keeping lines at or after `sinceMs` (epoch ms).
export const readAuditLines = (file: string, sinceMs?: number, keep = 5): AuditLine[] => {
  const files = [...Array.from({ length: keep }, (_, i) => `${file}.${keep - i}`), file].filter((f) => existsSync(f));
  const out: AuditLine[] = [];
  for (const f of files) {
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      if (!line) continue;
      let v: AuditLine;
      try {
        v = JSON.parse(line) as AuditLine;
      } catch {
        continue; // a torn last line from a crash mid-write is skipped, never fatal
      }
      if (sinceMs !== undefined && Date.parse(v.t) < sinceMs) continue;
      out.push(v);
    }
  }
  return out;
};

// One human line per audit entry: time, event/outcome, target, who and which rule, bytes.
export const formatAuditLine = (l: AuditLine): string => {
  const target = l.host ? `${String(l.scheme ?? '')} ${String(l.host)}:${String(l.port)}${l.path ? ` ${String(l.method)} ${String(l.path)}` : ''}` : '-';
  const what = l.outcome ? `${l.event}:${String(l.outcome)}` : l.event;
  const parts = [l.t, what.padEnd(16), target];
  if (l.ip) parts.push(`ip=${String(l.ip)}`);
  if (l.by) parts.push(`by=${String(l.by)}`);
  if (l.rule) parts.push(`rule=${String(l.rule)}`);
  if (l.approval) parts.push(`approval=${String(l.approval)}`);
  if (l.bytes_up !== undefined) parts.push(`up=${String(l.bytes_up)}B down=${String(l.bytes_down)}B ${String(l.duration_ms)}ms`);
  if (l.reason && l.outcome === 'deny') parts.push(`— ${String(l.reason)}`);
  return parts.join('  ');
};
