import type { ChatView } from '../../../src/protocol/snapshot.js';
import type { Theme } from '../../theme/theme.js';
import type { Line } from '../../layout/lines.js';
import { wrapText, type WrapCache } from './wrap.js';

type Message = ChatView['messages'][number];

const MAX_INPUT_ROWS = 4;

const prefixFor = (m: Message, theme: Theme): { text: string; color: string | undefined; dim?: boolean } => {
  const t = theme.tokens;
  switch (m.role) {
    case 'user':
      return { text: 'you  ', color: t.user };
    case 'assistant':
      return { text: 'agent ', color: t.accent };
    case 'tool':
      return { text: 'tool ', color: t.tool };
    case 'status':
      return { text: '  -- ', color: t.muted, dim: true };
    case 'error':
      return { text: 'error ', color: t.error };
  }
};

// Every message wrapped to the pane width, with a role prefix on its first row and a cursor while streaming.
export const messageLines = (messages: Message[], width: number, theme: Theme, cache?: WrapCache): Line[] => {
  const out: Line[] = [];
  cache?.nextRound();
  for (const m of messages) {
    const p = prefixFor(m, theme);
    const indent = ' '.repeat(p.text.length);
    const body = m.streaming ? `${m.text}${theme.unicode ? '▍' : '_'}` : m.text;
    const rows = wrapText(body, width - p.text.length, cache);
    const color = m.role === 'tool' || m.role === 'status' ? theme.tokens.muted : m.role === 'error' ? theme.tokens.error : undefined;
    rows.forEach((r, i) => {
      out.push([
        { text: i === 0 ? p.text : indent, color: p.color, bold: i === 0 && m.role !== 'status', dim: p.dim },
        { text: r, color },
      ]);
    });
  }
  return out;
};

export interface ChatLinesInput {
  chat: ChatView;
  draft: string;
  input: boolean;
  scroll: number;
  readonly: boolean;
  width: number;
  rows: number;
  theme: Theme;
  wrapped?: Line[];
}

// The chat pane body: the visible slice of history (scrolled from the bottom) and the draft area under it.
export const chatLines = (c: ChatLinesInput): { lines: Line[]; maxScroll: number } => {
  const t = c.theme.tokens;
  const draftRows = c.input ? wrapText(c.draft, c.width - 2).slice(-MAX_INPUT_ROWS) : [];
  const inputLines: Line[] = c.readonly
    ? [[{ text: 'read-only view', color: t.muted, dim: true }]]
    : c.input
      ? draftRows.map((r, i) => [
          { text: i === 0 ? '> ' : '  ', color: t.accent, bold: true },
          { text: r },
          ...(i === draftRows.length - 1 ? [{ text: '_', inverse: true }] : []),
        ])
      : [[{ text: 'press i to write, Enter sends, Ctrl-J new line', color: t.muted, dim: true }]];
  const histRows = Math.max(0, c.rows - inputLines.length - 1);
  const all = c.wrapped ?? messageLines(c.chat.messages, c.width, c.theme);
  const maxScroll = Math.max(0, all.length - histRows);
  const scroll = Math.min(c.scroll, maxScroll);
  const end = all.length - scroll;
  const visible = all.slice(Math.max(0, end - histRows), end);
  if (c.chat.messages.length === 0) {
    visible.push([{ text: c.chat.connected ? 'no messages yet' : 'agent not connected (sandbox not running?)', color: t.muted }]);
  }
  while (visible.length < histRows) visible.unshift([]);
  const rule = c.theme.unicode ? '─' : '-';
  const sep: Line = [{ text: scroll > 0 ? `-- ${scroll} more below (G for latest) ` : rule.repeat(c.width), color: t.border, dim: true }];
  return { lines: [...visible.slice(-histRows), sep, ...inputLines].slice(-c.rows), maxScroll };
};
