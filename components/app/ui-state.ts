import type { ApprovalDecision } from '../../src/protocol/approvals.js';

export const PANES = ['chat', 'meter', 'approvals', 'policy'] as const;
export type PaneId = (typeof PANES)[number];

// A world-changing action waiting behind a confirm dialog (broad approvals, deleting a rule, applying an edit).
export type ConfirmAction =
  | { type: 'decide'; id: string; decision: ApprovalDecision }
  | { type: 'endpoint.delete'; rule: string }
  | { type: 'policy.apply'; text: string };

export interface ReviewError {
  line: number;
  col: number;
  message: string;
}

// The modal layer on top of the panes; at most one at a time.
export type Overlay =
  | { kind: 'help' }
  | { kind: 'details'; id: string }
  | { kind: 'confirm'; title: string; body: string[]; action: ConfirmAction; choice: 'cancel' | 'confirm' }
  | { kind: 'review'; text: string; errors: ReviewError[]; diff: string[] };

export interface Flash {
  level: 'info' | 'warn' | 'error';
  text: string;
}

// Everything local to one TUI: focus, scroll, overlay, draft text, requests in flight. No business state.
export interface UiState {
  focus: PaneId;
  zoom: boolean;
  view: PaneId | null;
  readonly: boolean;
  overlay: Overlay | null;
  input: boolean;
  draft: string;
  chatScroll: number;
  approval: string | null;
  policyCursor: number;
  meterMode: 'models' | 'calls';
  inflight: Record<string, string>;
  flash: Flash | null;
}

export type UiAction =
  | { type: 'focus-pane'; pane: PaneId }
  | { type: 'focus-step'; delta: 1 | -1 }
  | { type: 'toggle-zoom' }
  | { type: 'open-overlay'; overlay: Overlay }
  | { type: 'close-overlay' }
  | { type: 'toggle-choice' }
  | { type: 'set-choice'; choice: 'cancel' | 'confirm' }
  | { type: 'enter-input' }
  | { type: 'leave-input' }
  | { type: 'insert-text'; text: string }
  | { type: 'delete-char' }
  | { type: 'clear-draft' }
  | { type: 'scroll-chat'; delta: number }
  | { type: 'chat-bottom' }
  | { type: 'select-approval'; id: string | null }
  | { type: 'set-policy-cursor'; index: number }
  | { type: 'toggle-meter-mode' }
  | { type: 'request-start'; key: string; label: string }
  | { type: 'request-end'; key: string; flash?: Flash }
  | { type: 'flash'; flash: Flash | null };

export interface UiOptions {
  view?: PaneId | null;
  readonly?: boolean;
}

// The state a fresh attach starts in; --view pins focus to one pane.
export const initialUi = (opts: UiOptions = {}): UiState => ({
  focus: opts.view ?? 'chat',
  zoom: false,
  view: opts.view ?? null,
  readonly: opts.readonly ?? false,
  overlay: null,
  input: false,
  draft: '',
  chatScroll: 0,
  approval: null,
  policyCursor: 0,
  meterMode: 'models',
  inflight: {},
  flash: null,
});

const step = (pane: PaneId, delta: number): PaneId => PANES[(PANES.indexOf(pane) + delta + PANES.length) % PANES.length]!;

// Pure transitions of the local UI state (tested without Ink).
export const uiReducer = (s: UiState, a: UiAction): UiState => {
  switch (a.type) {
    case 'focus-pane':
      return s.view ? s : { ...s, focus: a.pane, input: false };
    case 'focus-step':
      return s.view ? s : { ...s, focus: step(s.focus, a.delta), input: false };
    case 'toggle-zoom':
      return s.view ? s : { ...s, zoom: !s.zoom };
    case 'open-overlay':
      return { ...s, overlay: a.overlay, input: false };
    case 'close-overlay':
      return { ...s, overlay: null };
    case 'toggle-choice':
      return s.overlay?.kind === 'confirm'
        ? { ...s, overlay: { ...s.overlay, choice: s.overlay.choice === 'cancel' ? 'confirm' : 'cancel' } }
        : s;
    case 'set-choice':
      return s.overlay?.kind === 'confirm' ? { ...s, overlay: { ...s.overlay, choice: a.choice } } : s;
    case 'enter-input':
      return s.readonly ? s : { ...s, focus: 'chat', input: true, chatScroll: 0 };
    case 'leave-input':
      return { ...s, input: false };
    case 'insert-text':
      return { ...s, draft: s.draft + a.text.replace(/\r\n?/g, '\n') };
    case 'delete-char':
      return { ...s, draft: [...s.draft].slice(0, -1).join('') };
    case 'clear-draft':
      return { ...s, draft: '' };
    case 'scroll-chat':
      return { ...s, chatScroll: Math.max(0, s.chatScroll + a.delta) };
    case 'chat-bottom':
      return { ...s, chatScroll: 0 };
    case 'select-approval':
      return { ...s, approval: a.id };
    case 'set-policy-cursor':
      return { ...s, policyCursor: Math.max(0, a.index) };
    case 'toggle-meter-mode':
      return { ...s, meterMode: s.meterMode === 'models' ? 'calls' : 'models' };
    case 'request-start':
      return { ...s, inflight: { ...s.inflight, [a.key]: a.label } };
    case 'request-end': {
      const { [a.key]: _done, ...rest } = s.inflight;
      return { ...s, inflight: rest, flash: a.flash ?? s.flash };
    }
    case 'flash':
      return { ...s, flash: a.flash };
  }
};
