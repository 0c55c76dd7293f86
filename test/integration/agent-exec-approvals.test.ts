import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { randomUUID } from 'node:crypto';
import { FakeUpstream } from '../helpers/fake-upstream.js';
import { HostGateway } from '../helpers/openclaw-host.js';
import { waitFor } from '../helpers/home.js';
import { GatewayClient } from '../../src/agent/gateway-client.js';
import { resolveExecApproval, watchExecApprovals } from '../../src/agent/exec-approvals.js';

type Rec = Record<string, unknown>;

// The hooks issue 10 builds on: a real gateway with exec approvals on (tools.exec.mode "ask") asks the daemon's
// client (scope operator.approvals, cap exec-approvals) before running the agent's command, and takes the answer.
describe('exec approval hooks against a real OpenClaw gateway', () => {
  let up: FakeUpstream;
  let gw: HostGateway;
  const toolEvents: Rec[] = [];

  beforeAll(async () => {
    up = await FakeUpstream.start('exec-approvals');
    gw = await HostGateway.start({ upstreamUrl: up.url, extra: { tools: { exec: { mode: 'ask' } } } });
  }, 180_000);

  afterAll(async () => {
    await gw?.stop();
    await up?.close();
  });

  const connect = async (execApprovals: boolean) => {
    const requested: Rec[] = [];
    const resolved: Rec[] = [];
    const client = new GatewayClient({ target: { kind: 'url', url: gw.url }, token: () => gw.token, version: '0.0.0-test', execApprovals });
    client.on('agent', (p) => (p as Rec).stream === 'tool' && toolEvents.push((p as Rec).data as Rec));
    watchExecApprovals(client, { requested: (p) => requested.push(p as Rec), resolved: (p) => resolved.push(p as Rec) });
    client.start();
    await client.waitConnected(30_000);
    return { client, requested, resolved };
  };
  const run = async (client: GatewayClient, command: string): Promise<void> => {
    up.enqueue({ kind: 'stream', toolCall: { name: 'exec', arguments: JSON.stringify({ command }) } }, { kind: 'stream', tokens: ['done'] });
    await client.request('chat.send', { sessionKey: 'main', message: `run ${command}`, idempotencyKey: randomUUID() });
  };
  const execResult = (command: string) =>
    waitFor(() => {
      // The fake model reuses tool call ids across runs: take the first result after this command's start.
      const i = toolEvents.findIndex((d) => d.name === 'exec' && d.phase === 'start' && JSON.stringify(d.args).includes(command));
      return i >= 0 && toolEvents.slice(i + 1).find((d) => d.phase === 'result' && d.toolCallId === toolEvents[i]!.toolCallId);
    }, `exec result for ${command}`, 90_000);

  it('without the exec-approvals cap nobody is asked: OpenClaw denies the command as headless', async () => {
    const { client, requested } = await connect(false);
    try {
      await run(client, 'echo clawdeck-no-approver');
      const result = await execResult('echo clawdeck-no-approver');
      expect(JSON.stringify(result.result)).toContain('Headless runs cannot wait for interactive exec approval');
      expect(requested).toEqual([]);
    } finally {
      client.stop();
    }
  });

  it('with the cap the request reaches the client with its command; allow-once runs it', async () => {
    const { client, requested, resolved } = await connect(true);
    try {
      await run(client, 'echo clawdeck-exec-allowed');
      const req = await waitFor(() => requested.find((r) => JSON.stringify(r).includes('echo clawdeck-exec-allowed')), 'exec.approval.requested', 60_000);
      await resolveExecApproval(client, String(req.id), 'allow-once');
      await waitFor(() => resolved.find((r) => r.id === req.id), 'exec.approval.resolved', 20_000);
      const result = await execResult('echo clawdeck-exec-allowed');
      expect(result.isError).not.toBe(true);
      expect(JSON.stringify(result.result)).toContain('clawdeck-exec-allowed');
    } finally {
      client.stop();
    }
  });

  it('deny: the command does not run and the agent is told', async () => {
    const { client, requested } = await connect(true);
    try {
      await run(client, 'echo clawdeck-exec-denied');
      const req = await waitFor(() => requested.find((r) => JSON.stringify(r).includes('echo clawdeck-exec-denied')), 'exec.approval.requested', 60_000);
      await resolveExecApproval(client, String(req.id), 'deny');
      const result = await execResult('echo clawdeck-exec-denied');
      expect(result.isError).toBe(true);
      expect(JSON.stringify(result.result)).toMatch(/denied/i);
    } finally {
      client.stop();
    }
  });
});
