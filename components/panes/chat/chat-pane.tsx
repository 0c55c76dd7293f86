import { memo, useMemo, useRef } from 'react';
import type { ChatView } from '../../../src/protocol/snapshot.js';
import { PaneFrame, contentColumns, contentRows } from '../../layout/pane-frame.js';
import type { Line } from '../../layout/lines.js';
import { useTheme } from '../../theme/theme-context.js';
import { chatLines, messageLines } from './chat-lines.js';
import { WrapCache } from './wrap.js';

export interface ChatPaneProps {
  chat: ChatView;
  draft: string;
  input: boolean;
  scroll: number;
  readonly: boolean;
  focused: boolean;
  width: number;
  height: number;
}

// Agent chat: streamed replies, tool and status lines, the multi-line draft; scrolls from the bottom.
export const ChatPane = memo(function ChatPane(p: ChatPaneProps) {
  const theme = useTheme();
  const width = contentColumns(p.width);
  // Wrapping is the costly part; redo it only when messages or width change, not on every keystroke, and
  // then only for paragraphs not wrapped before (a streamed reply grows at its end).
  const cache = useRef<WrapCache>(null);
  cache.current ??= new WrapCache();
  const wrapped = useMemo(() => messageLines(p.chat.messages, width, theme, cache.current!), [p.chat.messages, width, theme]);
  const { lines } = chatLines({ ...p, width, rows: contentRows(p.height), theme, wrapped });
  const t = theme.tokens;
  const info: Line = [
    { text: p.chat.session ? `session ${p.chat.session}` : 'no session', color: t.muted },
    ...(p.chat.sessions.length > 1 ? [{ text: ` (${p.chat.sessions.length})`, color: t.muted }] : []),
    ...(p.chat.running ? [{ text: '  running', color: t.warn, bold: true }] : []),
  ];
  return <PaneFrame title="Chat" info={info} focused={p.focused} width={p.width} height={p.height} lines={lines} />;
});
