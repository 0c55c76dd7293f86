import { describe, it, expect, afterEach } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { show, paneTheme as theme } from '../../helpers/show-pane.js';
import { ChatPane } from '../../../components/panes/chat/chat-pane.js';
import type { ChatView } from '../../../src/protocol/snapshot.js';

afterEach(() => cleanup());

const chat = (over: Partial<ChatView> = {}): ChatView => ({
  connected: true,
  session: 'main',
  sessions: ['main', 'scratch'],
  running: false,
  messages: [],
  ...over,
});
const msg = (id: string, role: ChatView['messages'][number]['role'], text: string, streaming = false) => ({ id, role, text, at: '2026-11-25T10:00:00Z', streaming });

describe('chat pane', () => {
  it('shows user, tool, status and a streaming reply with a cursor', () => {
    const f = show(
      <ChatPane
        chat={chat({ running: true, messages: [msg('1', 'user', 'list files'), msg('2', 'tool', 'exec ls -la'), msg('3', 'status', 'model call 1'), msg('4', 'assistant', 'Here are', true)] })}
        draft="" input={false} scroll={0} readonly={false} focused width={60} height={14}
      />,
    );
    expect(f).toContain('you  list files');
    expect(f).toContain('tool exec ls -la');
    expect(f).toContain('-- model call 1');
    expect(f).toContain('agent Here are▍');
    expect(f).toContain('running');
    expect(f).toContain('session main (2)');
  });

  it('wraps long replies to the pane width and scrolls through history', () => {
    const long = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');
    const props = { chat: chat({ messages: [msg('1', 'assistant', long), msg('2', 'user', 'latest question')] }), draft: '', input: false, readonly: false, focused: true, width: 30, height: 9 };
    const bottom = show(<ChatPane {...props} scroll={0} />);
    expect(bottom).toContain('latest question');
    for (const l of bottom.split('\n')) expect([...l].length).toBeLessThanOrEqual(30);
    const up = show(<ChatPane {...props} scroll={3} />);
    expect(up).not.toContain('latest question');
    expect(up).toContain('more below');
  });

  it('shows a multi-line draft while writing', () => {
    const f = show(<ChatPane chat={chat()} draft={'first\nsecond'} input scroll={0} readonly={false} focused width={40} height={10} />);
    expect(f).toContain('> first');
    expect(f).toContain('  second_');
  });
});
