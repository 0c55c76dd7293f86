import { describe, it, expect } from 'vitest';
import {
  addUserMessage,
  applyAgentEvent,
  applyChatEvent,
  canonicalSessionKey,
  historyToMessages,
  initialChatState,
  MAX_MESSAGES,
  type ChatState,
} from '../../../src/agent/chat-state.js';

const S = 'agent:main:main';
const ev = (state: string, extra: Record<string, unknown> = {}) => ({ runId: 'r1', sessionKey: S, seq: 1, state, ...extra });
const run = (s: ChatState, ...events: Record<string, unknown>[]): ChatState => events.reduce(applyChatEvent, s);

describe('chat state reducer', () => {
  it('A bare session key belongs to the default agent; agent keys stay as they are', () => {
    expect(canonicalSessionKey('main')).toBe('agent:main:main');
    expect(canonicalSessionKey('agent:ops:x')).toBe('agent:ops:x');
  });

  it('Deltas append to one streaming assistant message, and final settles it with the whole text', () => {
    let s = run(initialChatState(S), ev('status', { phase: 'starting_model' }));
    expect(s.view.running).toBe(true);
    s = run(s, ev('delta', { deltaText: 'Hel' }), ev('delta', { deltaText: 'lo' }));
    expect(s.view.messages).toMatchObject([{ id: 'run:r1', role: 'assistant', text: 'Hello', streaming: true }]);
    s = run(s, ev('final', { message: { role: 'assistant', content: [{ type: 'text', text: 'Hello!' }] } }));
    expect(s.view.messages).toMatchObject([{ id: 'run:r1', text: 'Hello!', streaming: false }]);
    expect(s.view.running).toBe(false);
  });

  it('A replace delta replaces the text so far instead of appending', () => {
    const s = run(initialChatState(S), ev('delta', { deltaText: 'draft' }), ev('delta', { deltaText: 'Final', replace: true }));
    expect(s.view.messages[0]!.text).toBe('Final');
  });

  it('Aborted and error runs stop streaming and add a status or error line', () => {
    const a = run(initialChatState(S), ev('delta', { deltaText: 'x' }), ev('aborted'));
    expect(a.view.messages.map((m) => [m.role, m.text, m.streaming])).toEqual([['assistant', 'x', false], ['status', 'aborted', false]]);
    const e = run(initialChatState(S), ev('error', { errorMessage: 'provider 503' }));
    expect(e.view.messages).toMatchObject([{ role: 'error', text: 'provider 503' }]);
    expect(e.view.running).toBe(false);
  });

  it('Events of another session leave the view untouched', () => {
    const s = initialChatState(S);
    expect(applyChatEvent(s, { ...ev('delta', { deltaText: 'x' }), sessionKey: 'agent:main:other' })).toBe(s);
  });

  it('Tool events become one tool line: the call, then its result', () => {
    const tool = (phase: string, data: Record<string, unknown>) => ({ runId: 'r1', sessionKey: S, stream: 'tool', data: { phase, toolCallId: 'c1', name: 'web_fetch', ...data } });
    let s = applyAgentEvent(initialChatState(S), tool('start', { args: { url: 'http://a.example/' } }));
    expect(s.view.messages).toMatchObject([{ role: 'tool', text: 'web_fetch {"url":"http://a.example/"}', streaming: true }]);
    s = applyAgentEvent(s, tool('result', { isError: true, result: { content: [{ type: 'text', text: 'HTTP 403' }] } }));
    expect(s.view.messages).toMatchObject([{ role: 'tool', text: 'web_fetch {"url":"http://a.example/"} → error: HTTP 403', streaming: false }]);
  });

  it('A tool call id reused by a later run gets its own line', () => {
    const tool = (runId: string, phase: string, data: Record<string, unknown>) => ({ runId, sessionKey: S, stream: 'tool', data: { phase, toolCallId: 'call_1', name: 'exec', ...data } });
    let s = applyAgentEvent(initialChatState(S), tool('r1', 'start', { args: { command: 'a' } }));
    s = applyAgentEvent(s, tool('r1', 'result', { result: { content: [{ type: 'text', text: 'A' }] } }));
    s = applyAgentEvent(s, tool('r2', 'start', { args: { command: 'b' } }));
    expect(s.view.messages.map((m) => m.text)).toEqual(['exec {"command":"a"} → A', 'exec {"command":"b"}']);
  });

  it('History pages map to user, tool and assistant messages in order', () => {
    const msgs = historyToMessages({
      messages: [
        { role: 'user', content: 'hi', timestamp: 1, __openclaw: { id: 'u1' } },
        { role: 'assistant', content: [{ type: 'toolCall', id: 'c1', name: 'exec', arguments: { command: 'ls' } }], timestamp: 2, __openclaw: { id: 'a1' } },
        { role: 'toolResult', toolCallId: 'c1', content: [{ type: 'text', text: 'a.txt' }], timestamp: 3 },
        { role: 'assistant', content: [{ type: 'text', text: 'one file' }], timestamp: 4, __openclaw: { id: 'a2' } },
      ],
    });
    expect(msgs.map((m) => [m.role, m.text])).toEqual([
      ['user', 'hi'],
      ['tool', 'exec {"command":"ls"} → a.txt'],
      ['assistant', 'one file'],
    ]);
  });

  it('Keeps at most MAX_MESSAGES messages, dropping the oldest', () => {
    let s = initialChatState(S);
    for (let i = 0; i < MAX_MESSAGES + 5; i++) s = addUserMessage(s, `u${i}`, `m${i}`);
    expect(s.view.messages).toHaveLength(MAX_MESSAGES);
    expect(s.view.messages[0]!.text).toBe('m5');
  });
});
