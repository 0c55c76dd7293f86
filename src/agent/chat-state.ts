import type { ChatView } from '../protocol/snapshot.js';

type ChatMessage = ChatView['messages'][number];

// How many messages the snapshot keeps (older ones stay in OpenClaw's history).
export const MAX_MESSAGES = 200;

// OpenClaw's canonical session key: a bare key like "main" belongs to the default agent "main".
export const canonicalSessionKey = (key: string): string => (key.startsWith('agent:') ? key : `agent:main:${key}`);

// The short key people type and see ("agent:main:work" → "work").
export const shortSessionKey = (key: string): string => key.replace(/^agent:main:/, '');

const rec = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const iso = (ms: unknown): string => new Date(typeof ms === 'number' ? ms : Date.now()).toISOString();

// The visible text of an OpenClaw message (string content or text parts).
export const messageText = (message: unknown): string => {
  const content = rec(message).content;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => (rec(p).type === 'text' ? str(rec(p).text) : '')).join('');
};

const clip = (s: string, n = 200): string => (s.length > n ? `${s.slice(0, n)}…` : s);
const argsText = (v: unknown): string => clip(typeof v === 'string' ? v : JSON.stringify(v ?? {}));

const upsert = (messages: ChatMessage[], m: ChatMessage): ChatMessage[] => {
  const i = messages.findIndex((x) => x.id === m.id);
  const next = i < 0 ? [...messages, m] : messages.map((x, j) => (j === i ? m : x));
  return next.length > MAX_MESSAGES ? next.slice(next.length - MAX_MESSAGES) : next;
};

// Turns a chat.history page into pane messages (user, assistant text, tool calls and their results).
export const historyToMessages = (history: unknown): ChatMessage[] => {
  const out: ChatMessage[] = [];
  // Latest tool line per call id (models may reuse ids across turns).
  const calls = new Map<string, ChatMessage>();
  const raw = rec(history).messages;
  for (const [n, m] of (Array.isArray(raw) ? raw : []).entries()) {
    const r = rec(m);
    const id = str(rec(r.__openclaw).id) || `h${n}`;
    const at = iso(r.timestamp);
    const role = str(r.role);
    if (role === 'user') out.push({ id, role: 'user', text: messageText(r), at, streaming: false });
    else if (role === 'assistant') {
      const parts = Array.isArray(r.content) ? r.content.map(rec) : [];
      for (const p of parts.filter((p) => p.type === 'toolCall')) {
        const m: ChatMessage = { id: `tool:${id}:${str(p.id)}`, role: 'tool', text: `${str(p.name)} ${argsText(p.arguments)}`, at, streaming: false };
        calls.set(str(p.id), m);
        out.push(m);
      }
      const text = messageText(r);
      if (text) out.push({ id, role: 'assistant', text, at, streaming: false });
      if (str(r.stopReason) === 'error' && str(r.errorMessage)) out.push({ id: `${id}:err`, role: 'error', text: str(r.errorMessage), at, streaming: false });
    } else if (role === 'toolResult' || role === 'tool') {
      const callId = str(r.toolCallId) || str(r.tool_call_id);
      const prev = calls.get(callId);
      const result = clip(messageText(r).replace(/\s+/g, ' '), 120);
      if (prev) prev.text = `${prev.text} → ${r.isError ? 'error: ' : ''}${result}`;
    }
  }
  return out.slice(-MAX_MESSAGES);
};

// The chat part of the snapshot plus what the service needs to follow runs.
export interface ChatState {
  view: ChatView;
  // Run ids started by this daemon or seen streaming in the current session.
  runId: string | null;
}

// Initial state for a session key (canonical form).
export const initialChatState = (session: string | null): ChatState => ({
  view: { connected: false, session, sessions: session ? [session] : [], running: false, messages: [] },
  runId: null,
});

// Applies one gateway `chat` event (status/delta/final/error/aborted) for the current session.
export const applyChatEvent = (s: ChatState, payload: unknown): ChatState => {
  const p = rec(payload);
  if (!s.view.session || str(p.sessionKey) !== s.view.session) return s;
  const runId = str(p.runId);
  const id = `run:${runId}`;
  const at = new Date().toISOString();
  const prev = s.view.messages.find((m) => m.id === id);
  const view = s.view;
  switch (p.state) {
    case 'status':
      return { runId, view: { ...view, running: true } };
    case 'delta': {
      const text = p.replace === true ? str(p.deltaText) : (prev?.text ?? '') + str(p.deltaText);
      return { runId, view: { ...view, running: true, messages: upsert(view.messages, { id, role: 'assistant', text, at: prev?.at ?? at, streaming: true }) } };
    }
    case 'final': {
      const text = messageText(p.message) || prev?.text || '';
      const messages = text ? upsert(view.messages, { id, role: 'assistant', text, at: prev?.at ?? at, streaming: false }) : view.messages;
      return { runId: null, view: { ...view, running: false, messages } };
    }
    case 'aborted': {
      let messages = prev ? upsert(view.messages, { ...prev, streaming: false }) : view.messages;
      messages = upsert(messages, { id: `${id}:aborted`, role: 'status', text: 'aborted', at, streaming: false });
      return { runId: null, view: { ...view, running: false, messages } };
    }
    case 'error': {
      let messages = prev ? upsert(view.messages, { ...prev, streaming: false }) : view.messages;
      messages = upsert(messages, { id: `${id}:error`, role: 'error', text: str(p.errorMessage) || 'run failed', at, streaming: false });
      return { runId: null, view: { ...view, running: false, messages } };
    }
    default:
      return s;
  }
};

// Applies one gateway `agent` event: tool calls (start → result) become tool lines.
export const applyAgentEvent = (s: ChatState, payload: unknown): ChatState => {
  const p = rec(payload);
  if (!s.view.session || str(p.sessionKey) !== s.view.session || p.stream !== 'tool') return s;
  const d = rec(p.data);
  const id = `tool:${str(p.runId)}:${str(d.toolCallId)}`;
  const prev = s.view.messages.find((m) => m.id === id);
  const at = new Date().toISOString();
  if (d.phase === 'start') {
    return { ...s, view: { ...s.view, messages: upsert(s.view.messages, { id, role: 'tool', text: `${str(d.name)} ${argsText(d.args)}`, at, streaming: true }) } };
  }
  if (d.phase === 'result' && prev) {
    const result = clip(messageText(d.result).replace(/\s+/g, ' '), 120);
    return { ...s, view: { ...s.view, messages: upsert(s.view.messages, { ...prev, text: `${prev.text} → ${d.isError ? 'error: ' : ''}${result}`, streaming: false }) } };
  }
  return s;
};

// Adds the user's own turn right away (OpenClaw echoes it only in history).
export const addUserMessage = (s: ChatState, id: string, text: string): ChatState => ({
  ...s,
  view: { ...s.view, running: true, messages: upsert(s.view.messages, { id, role: 'user', text, at: new Date().toISOString(), streaming: false }) },
});
