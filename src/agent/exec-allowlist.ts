import type { ExecAllowEntry } from '../protocol/approvals.js';
import type { GatewayClient } from './gateway-client.js';

const rec = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

// OpenClaw's exec approvals document (exec.approvals.get: {file:{agents:{<id>:{allowlist:[…]}}}, hash}) → flat entries.
export const allowEntriesFrom = (snapshot: unknown): ExecAllowEntry[] => {
  const agents = rec(rec(rec(snapshot).file).agents);
  return Object.entries(agents).flatMap(([agent, a]) =>
    ((rec(a).allowlist as unknown[] | undefined) ?? []).map(rec).flatMap((e) => {
      const pattern = str(e.pattern);
      const id = str(e.id);
      if (!pattern || !id) return [];
      return [
        {
          id,
          agent,
          pattern,
          arg_pattern: str(e.argPattern),
          source: str(e.source),
          last_used_at: typeof e.lastUsedAt === 'number' ? new Date(e.lastUsedAt).toISOString() : null,
          last_used_command: str(e.lastUsedCommand),
        },
      ];
    }),
  );
};

// The snapshot's document without one allowlist entry (null when no entry has that id).
export const withoutEntry = (snapshot: unknown, id: string): Record<string, unknown> | null => {
  const file = rec(rec(snapshot).file);
  const agents = rec(file.agents);
  let found = false;
  const next: Record<string, unknown> = {};
  for (const [name, a] of Object.entries(agents)) {
    const list = (rec(a).allowlist as unknown[] | undefined) ?? [];
    const kept = list.filter((e) => rec(e).id !== id);
    found ||= kept.length !== list.length;
    next[name] = Array.isArray(rec(a).allowlist) ? { ...rec(a), allowlist: kept } : a;
  }
  return found ? { ...file, agents: next } : null;
};

// Lists the gateway's exec allowlist (every agent).
export const listExecAllowlist = async (client: GatewayClient): Promise<ExecAllowEntry[]> =>
  allowEntriesFrom(await client.request('exec.approvals.get', {}));

// Removes one allowlist entry by id (compare-and-swap on OpenClaw's hash); false when there was none.
export const revokeExecAllowEntry = async (client: GatewayClient, id: string): Promise<boolean> => {
  const snapshot = await client.request('exec.approvals.get', {});
  const file = withoutEntry(snapshot, id);
  if (!file) return false;
  await client.request('exec.approvals.set', { file, baseHash: rec(snapshot).hash });
  return true;
};
