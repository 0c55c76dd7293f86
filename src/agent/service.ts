import { randomUUID } from 'node:crypto';
import type { DaemonContext, Service } from '../daemon/context.js';
import { VERSION } from '../daemon/version.js';
import { ClawdeckError } from '../protocol/errors.js';
import type { ChatDoneEvent } from '../protocol/chat.js';
import { GatewayClient, type GatewayPhase } from './gateway-client.js';
import { describeTarget } from './transport.js';
import { resolveGatewayTarget, tokenReader } from './target.js';
import {
  addUserMessage,
  applyAgentEvent,
  applyChatEvent,
  canonicalSessionKey,
  historyToMessages,
  initialChatState,
  messageText,
  type ChatState,
} from './chat-state.js';
import { collectRunUsage, RunTracker } from './runs.js';
import { approvalRegistry } from '../daemon/approval-registry.js';
import { resolveExecApproval, watchExecApprovals } from './exec-approvals.js';
import { ExecQueue } from './exec-queue.js';
import { listExecAllowlist, revokeExecAllowEntry } from './exec-allowlist.js';
import { RecentToolCalls } from './tool-cause.js';

// The running chat bridge, as services.ts and later services (exec approvals) see it.
export interface AgentService extends Service {
  // The live gateway connection (issue 10 subscribes exec approvals through it).
  client: GatewayClient;
}

const rec = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});

const notConnected = (where: string, why: string | null): ClawdeckError =>
  new ClawdeckError('AGENT_NOT_CONNECTED', `the OpenClaw gateway is not connected (${where}${why ? `: ${why}` : ''})`, {
    hint: 'wait for the sandbox to finish starting (clawdeck status), or check agent.gateway_url in config.yaml',
  });

const gatewayError = (method: string, err: unknown): ClawdeckError =>
  err instanceof ClawdeckError
    ? err
    : new ClawdeckError('AGENT_GATEWAY_ERROR', `OpenClaw refused ${method}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });

// The chat bridge: one gateway connection, the chat part of the snapshot, and the chat.* socket methods.
// Connects in the background (retrying until the sandbox's relay socket appears) so daemon start never waits.
export const startAgent = async (ctx: DaemonContext): Promise<AgentService> => {
  const target = resolveGatewayTarget(ctx.paths, ctx.config);
  const where = describeTarget(target);
  let state: ChatState = initialChatState(canonicalSessionKey(ctx.config.agent.session));
  const runs = new RunTracker();
  let lastPhase: GatewayPhase = 'stopped';
  let wasConnected = false;

  const publish = (): void => ctx.store.patch('chat', state.view);
  const set = (next: ChatState): void => {
    if (next !== state) {
      state = next;
      publish();
    }
  };

  const client = new GatewayClient({
    target,
    token: tokenReader(ctx.paths, ctx.config),
    version: VERSION,
    // OpenClaw routes exec approval prompts to this connection (else a command that needs approval is denied at once).
    execApprovals: true,
    onState: (s) => {
      set({ ...state, view: { ...state.view, connected: s.phase === 'connected' } });
      ctx.setStatus('agent', { connected: s.phase === 'connected', gateway: where, server: s.server, error: s.error });
      if (s.phase === lastPhase) return;
      lastPhase = s.phase;
      if (s.phase === 'connected') {
        ctx.log.info('agent gateway connected', { where, server: s.server, scopes: s.scopes });
        if (wasConnected) ctx.notice('info', 'reconnected to the OpenClaw gateway');
        wasConnected = true;
      } else if (s.phase === 'disconnected' && wasConnected) {
        ctx.log.warn('agent gateway disconnected', { where, error: s.error });
        ctx.notice('warn', `OpenClaw gateway connection lost${s.error ? `: ${s.error}` : ''}; reconnecting`);
      }
    },
  });

  // Reloads the session list and the current session's history (first connect, reconnect, switch).
  const resume = async (): Promise<void> => {
    const session = state.view.session!;
    try {
      const [list, history] = await Promise.all([
        client.request('sessions.list', { limit: 50 }),
        client.request('chat.history', { sessionKey: session, limit: 100 }),
      ]);
      const rows = (rec(list).sessions as unknown[] | undefined)?.map(rec) ?? [];
      const keys = rows.map((r) => String(r.key));
      const row = rows.find((r) => r.key === session);
      if (state.view.session !== session) return; // switched meanwhile
      set({
        runId: state.runId,
        view: {
          ...state.view,
          sessions: keys.includes(session) ? keys : [session, ...keys],
          running: row?.hasActiveRun === true,
          messages: historyToMessages(history),
        },
      });
    } catch (err) {
      ctx.log.warn('agent resume failed', { error: String(err) });
    }
  };
  client.onConnected(() => void resume());

  // OpenClaw exec approvals in clawdeck's one queue (beside held egress connections).
  const sentText = new Map<string, string>();
  const execQueue: ExecQueue = new ExecQueue({
    timeoutMs: ctx.config.agent.exec_approvals.timeout,
    publish: (items) => execSource.publish(items),
    onNew: (item) => {
      ctx.server.broadcast('approval.new', item);
      ctx.log.info('exec waiting for approval', { id: item.id, command: item.command, session: item.session });
    },
    onResolved: (item, decision, by) => {
      ctx.server.broadcast('approval.resolved', { id: item.id, item, decision, by, released: 1 });
      ctx.log.info('exec approval resolved', { id: item.id, decision, by });
    },
    resolve: (id, decision) => resolveExecApproval(client, id, decision),
    chatText: (runId) => sentText.get(runId),
  });
  const execSource = approvalRegistry(ctx).source('exec', (id, decision, by) => execQueue.decide(id, decision, by));
  // Held egress items get the agent's tool call that asked for the host as their cause.
  const toolCalls = new RecentToolCalls();
  approvalRegistry(ctx).setExplainer((item) => toolCalls.causeFor(item));
  const unwatch = watchExecApprovals(client, {
    requested: (p) => execQueue.requested(p),
    resolved: (p) => execQueue.resolved(p),
    replay: (list) => execQueue.replay(list),
  });

  const finishRun = async (runId: string, session: string, p: Record<string, unknown>): Promise<void> => {
    const run = runs.take(runId);
    const done: ChatDoneEvent = {
      session,
      run_id: runId,
      state: p.state as ChatDoneEvent['state'],
      reply: messageText(p.message) || run?.text || '',
      error: p.state === 'error' ? String(p.errorMessage ?? 'run failed') : p.state === 'aborted' ? 'aborted' : null,
      usage: await collectRunUsage(client, session, runId),
      tool_calls: run?.tools ?? [],
    };
    ctx.server.broadcast('chat.done', done);
  };

  client.on('chat', (payload) => {
    const p = rec(payload);
    const runId = String(p.runId ?? '');
    const session = String(p.sessionKey ?? '');
    if (p.state === 'delta') {
      runs.delta(runId, String(p.deltaText ?? ''), p.replace === true);
      ctx.server.broadcast('chat.delta', { session, run_id: runId, text: String(p.deltaText ?? ''), replace: p.replace === true });
    }
    if (p.state === 'final' || p.state === 'error' || p.state === 'aborted') void finishRun(runId, session, p);
    set(applyChatEvent(state, payload));
  });
  client.on('agent', (payload) => {
    runs.agentEvent(payload);
    toolCalls.record(payload);
    set(applyAgentEvent(state, payload));
  });

  const need = (): void => {
    if (!client.connected) throw notConnected(where, client.status.error);
  };
  const call = async <T>(method: string, params: unknown): Promise<T> => {
    need();
    try {
      return await client.request<T>(method, params);
    } catch (err) {
      throw gatewayError(method, err);
    }
  };
  const switchTo = async (key: string): Promise<string> => {
    const session = canonicalSessionKey(key);
    set({ runId: null, view: { ...state.view, session, running: false, messages: [] } });
    if (client.connected) await resume();
    return session;
  };

  // What "allow always" on exec items wrote into OpenClaw's allowlist: visible and revocable from clawdeck.
  ctx.server.handle('approvals.exec_allowlist', async () => {
    need();
    try {
      return await listExecAllowlist(client);
    } catch (err) {
      throw gatewayError('exec.approvals.get', err);
    }
  });
  ctx.server.handle('approvals.exec_revoke', async (p) => {
    need();
    let removed: boolean;
    try {
      removed = await revokeExecAllowEntry(client, p.id);
    } catch (err) {
      throw gatewayError('exec.approvals.set', err);
    }
    if (!removed) {
      throw new ClawdeckError('EXEC_ALLOW_NOT_FOUND', `OpenClaw's exec allowlist has no entry "${p.id}"`, { hint: 'list them with: clawdeck approvals exec-allowlist' });
    }
    ctx.log.info('exec allowlist entry revoked', { id: p.id });
    return { removed };
  });
  ctx.server.handle('chat.send', async (p) => {
    const session = canonicalSessionKey(p.session ?? state.view.session!);
    const idempotencyKey = randomUUID();
    const r = await call<{ runId?: string }>('chat.send', { sessionKey: session, message: p.text, idempotencyKey });
    const runId = String(r.runId ?? idempotencyKey);
    runs.start(runId);
    sentText.set(runId, p.text);
    if (sentText.size > 200) sentText.delete(sentText.keys().next().value!);
    if (session === state.view.session) set(addUserMessage(state, `user:${idempotencyKey}`, p.text));
    return { run_id: runId, session };
  });
  ctx.server.handle('chat.abort', async (p) => {
    const session = canonicalSessionKey(p?.session ?? state.view.session!);
    const r = await call<{ aborted?: boolean }>('chat.abort', { sessionKey: session });
    return { aborted: r.aborted !== false };
  });
  ctx.server.handle('chat.sessions', async () => {
    const list = await call<{ sessions?: unknown[] }>('sessions.list', { limit: 100 });
    const sessions = (list.sessions ?? []).map(rec).map((r) => ({
      key: String(r.key),
      running: r.hasActiveRun === true,
      updated_at: typeof r.updatedAt === 'number' ? new Date(r.updatedAt).toISOString() : null,
    }));
    return { current: state.view.session, sessions };
  });
  const onSwitch = async (p: { session: string }) => ({ session: await switchTo(p.session) });
  ctx.server.handle('chat.switch', onSwitch);
  ctx.server.handle('chat.new', async (p) => {
    const key = canonicalSessionKey(p?.session ?? `chat-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-')}`);
    await call('sessions.create', { key });
    return { session: await switchTo(key) };
  });
  ctx.server.handle('chat.history', async (p) => {
    const session = canonicalSessionKey(p?.session ?? state.view.session!);
    const h = await call('chat.history', { sessionKey: session, limit: p?.limit ?? 100 });
    return { session, messages: historyToMessages(h) };
  });

  publish();
  client.start();
  ctx.log.info('agent chat bridge started', { gateway: where });
  return {
    name: 'agent',
    client,
    stop: async () => {
      unwatch();
      execQueue.close();
      client.stop();
    },
  };
};
