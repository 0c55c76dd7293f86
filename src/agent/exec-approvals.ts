import type { GatewayClient } from './gateway-client.js';

// OpenClaw's exec approval decisions (docs/cli/approvals.md: `approvals resolve <id> allow-once|allow-always|deny`).
export type ExecDecision = 'allow-once' | 'allow-always' | 'deny';

// What issue 10's queue supplies to follow OpenClaw's exec approvals.
export interface ExecApprovalHooks {
  // A command waits for a person (payload as OpenClaw sends it: id, request {command, cwd, sessionKey, …}, expiresAtMs).
  requested(payload: unknown): void;
  // Resolved anywhere (here, OpenClaw's UI, timeout): drop it from the queue.
  resolved(payload: unknown): void;
  // After each (re)connect, the pending ones OpenClaw still holds (exec.approval.list), to rebuild the queue.
  replay?(pending: unknown): void;
}

// Subscribes the daemon's gateway connection (scope operator.approvals) to exec approvals for issue 10's
// single queue; returns the unsubscribe. Replays pending requests after every reconnect.
export const watchExecApprovals = (client: GatewayClient, hooks: ExecApprovalHooks): (() => void) => {
  const offs = [
    client.on('exec.approval.requested', (p) => hooks.requested(p)),
    client.on('exec.approval.resolved', (p) => hooks.resolved(p)),
  ];
  const replay = (): void => {
    if (!hooks.replay) return;
    void client.request('exec.approval.list', {}).then(
      (r) => hooks.replay!(r),
      () => undefined,
    );
  };
  if (client.connected) replay();
  offs.push(client.onConnected(replay));
  return () => offs.forEach((f) => f());
};

// Answers one exec approval through the gateway (allow-always adds to OpenClaw's allowlist).
export const resolveExecApproval = (client: GatewayClient, id: string, decision: ExecDecision): Promise<unknown> =>
  client.request('exec.approval.resolve', { id, decision });
