import type { ApprovalItem } from '../../../src/protocol/approvals.js';
import type { Snapshot } from '../../../src/protocol/snapshot.js';
import type { UiState } from '../../app/ui-state.js';

// Pending items newest first: the one that just arrived is the one the operator is looking for.
export const selectPendingApprovals = (snapshot: Snapshot | null): ApprovalItem[] =>
  snapshot ? [...snapshot.approvals].sort((a, b) => b.created_at.localeCompare(a.created_at)) : [];

// The selected item: the one the cursor names, or the newest when it is gone (decided elsewhere).
export const selectSelectedApproval = (snapshot: Snapshot | null, ui: UiState): ApprovalItem | undefined => {
  const items = selectPendingApprovals(snapshot);
  return items.find((i) => i.id === ui.approval) ?? items[0];
};

// The id one step up or down from the current selection (clamped).
export const stepApproval = (snapshot: Snapshot | null, ui: UiState, delta: number): string | null => {
  const items = selectPendingApprovals(snapshot);
  if (items.length === 0) return null;
  const cur = Math.max(0, items.findIndex((i) => i.id === selectSelectedApproval(snapshot, ui)?.id));
  return items[Math.min(items.length - 1, Math.max(0, cur + delta))]!.id;
};

// "4s", "2m05s", "1h02m": a waiting time that stays narrow while it ticks.
export const formatWait = (ms: number): string => {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
};

// What is being asked for, in one line: host:port (with method/path) or the command.
export const describeApproval = (i: ApprovalItem): string => {
  if (i.kind === 'exec') return `exec ${i.command ?? '?'}`;
  const target = `${i.host ?? i.ip ?? '?'}${i.port ? `:${i.port}` : ''}`;
  // http: plain proxied request; https: a request held inside an inspected (L7) TLS tunnel.
  return i.method && (i.scheme === 'http' || i.scheme === 'https') ? `${i.method} ${target}${i.path ?? ''}` : target;
};

// Why a decision key does not apply to an item (null: it does). An exec request is allowed once or always
// and denied once (OpenClaw's choices); a path grant needs a request with a path (plain HTTP or inspected TLS).
export const keyUnavailable = (command: string, item: ApprovalItem | undefined): string | null => {
  if (!item) return null;
  if (item.kind === 'exec') {
    if (command === 'approval.allowSession' || command === 'approval.allowTimed') return 'an exec request is allowed once or always';
    if (command === 'approval.allowDomain' || command === 'approval.allowPath') return 'domain and path grants are for network requests';
    if (command === 'approval.denyAlways') return 'an exec request can only be denied once';
    return null;
  }
  if (command === 'approval.allowPath' && ((item.scheme !== 'https' && item.scheme !== 'http') || !item.path)) {
    // The daemon scopes grants by path for requests it sees (plain HTTP, inside inspected TLS), as `approvals
    // allow --path-prefix`; an opaque tunnel is granted by host:port.
    return 'no request path to scope (an opaque tunnel)';
  }
  return null;
};

// The prefix a path grant covers: the request path's directory ("/v1/chat/completions?x" -> "/v1/chat/").
export const pathPrefixOf = (path: string): string => {
  const p = path.split(/[?#]/)[0] ?? '';
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i + 1);
};

// The registrable part of a host for "allow domain" (*.example.com); a plain label for IPs.
export const domainOf = (host: string): string => {
  if (/^[\d.]+$/.test(host) || host.includes(':')) return host;
  const parts = host.split('.');
  return parts.length <= 2 ? host : parts.slice(-2).join('.');
};
