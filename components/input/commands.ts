import type { Snapshot } from '../../src/protocol/snapshot.js';
import type { ApprovalDecision, ApprovalItem } from '../../src/protocol/approvals.js';
import type { ConfirmAction, UiAction, UiState } from '../app/ui-state.js';
import type { CommandId } from './keymap.js';
import {
  describeApproval,
  domainOf,
  keyUnavailable,
  pathPrefixOf,
  selectSelectedApproval,
  stepApproval,
} from '../panes/approvals/selectors.js';
import { findEndpointIndex, parseEndpoints } from '../panes/policy/endpoints.js';

// What a command handler may touch: the local state, the snapshot it was pressed on, and the daemon.
export interface CommandContext {
  ui: UiState;
  snapshot: Snapshot | null;
  dispatch: (a: UiAction) => void;
  // Sends a protocol request, tracking it as in flight; resolves undefined on failure (shown as a flash).
  call: (key: string, label: string, method: string, params?: unknown) => Promise<unknown>;
  exit: () => void;
  editPolicy: (text: string) => void;
  pageSize: number;
}

type Handler = (c: CommandContext) => void;

const TIMED_MS = 10 * 60_000;

const runConfirmed = (c: CommandContext, action: ConfirmAction): void => {
  c.dispatch({ type: 'close-overlay' });
  if (action.type === 'decide') {
    void c.call(`decide:${action.id}`, 'deciding', 'approvals.decide', { id: action.id, decision: action.decision });
  } else if (action.type === 'endpoint.delete') {
    void c.call(`endpoint:${action.rule}`, `delete ${action.rule}`, 'policy.endpoint.delete', { rule: action.rule });
  } else {
    void c.call('policy.apply', 'apply policy', 'policy.apply', { text: action.text });
  }
};

// Allow/deny on the selected item; broad choices (always, domain, path) go through a confirm with "cancel"
// focused. A key that does not apply to the item (greyed in the footer) says why instead of asking the daemon.
const decide =
  (command: CommandId, label: string, decisionFor: ApprovalDecision | ((item: ApprovalItem) => ApprovalDecision), broad: boolean): Handler =>
  (c) => {
    const item = selectSelectedApproval(c.snapshot, c.ui);
    if (!item) return c.dispatch({ type: 'flash', flash: { level: 'info', text: 'nothing is waiting for approval' } });
    const why = keyUnavailable(command, item);
    if (why) return c.dispatch({ type: 'flash', flash: { level: 'info', text: `${label}: ${why}` } });
    const decision = typeof decisionFor === 'function' ? decisionFor(item) : decisionFor;
    const what = describeApproval(item);
    const target =
      decision.action === 'allow' && decision.wildcard && item.host
        ? `*.${domainOf(item.host)} (every subdomain)`
        : decision.action === 'allow' && decision.path_prefix
          ? `${item.host ?? item.ip ?? '?'}${item.port ? `:${item.port}` : ''}${decision.path_prefix}** (any method)`
          : what;
    const action: ConfirmAction = { type: 'decide', id: item.id, decision };
    if (!broad) return runConfirmed(c, action);
    c.dispatch({
      type: 'open-overlay',
      overlay: {
        kind: 'confirm',
        title: `${label}?`,
        body: [
          `${label}: ${target}`,
          decision.scope === 'always'
            ? 'This is written to the policy file and applies to future requests.'
            : 'This applies to future requests until the daemon restarts (not written to the policy file).',
        ],
        action,
        choice: 'cancel',
      },
    });
  };

const selectedEndpoint = (c: CommandContext) => {
  const eps = parseEndpoints(c.snapshot?.policy.text ?? '');
  return eps[Math.min(c.ui.policyCursor, eps.length - 1)];
};

const moveEndpoint =
  (delta: number): Handler =>
  (c) => {
    const n = parseEndpoints(c.snapshot?.policy.text ?? '').length;
    c.dispatch({ type: 'set-policy-cursor', index: Math.max(0, Math.min(n - 1, c.ui.policyCursor + delta)) });
  };

const switchSession =
  (delta: number): Handler =>
  (c) => {
    const chat = c.snapshot?.chat;
    if (!chat || chat.sessions.length === 0) {
      return c.dispatch({ type: 'flash', flash: { level: 'info', text: 'no other chat sessions' } });
    }
    const i = chat.session ? chat.sessions.indexOf(chat.session) : -1;
    const next = chat.sessions[(i + delta + chat.sessions.length) % chat.sessions.length]!;
    void c.call('chat.switch', `switch to ${next}`, 'chat.switch', { session: next });
  };

// One handler per command id; the Record type makes a missing handler a compile error.
export const handlers: Record<CommandId, Handler> = {
  'app.quit': (c) => c.exit(),
  'app.quitView': (c) => c.exit(),
  'app.help': (c) => c.dispatch({ type: 'open-overlay', overlay: { kind: 'help' } }),
  'pane.next': (c) => c.dispatch({ type: 'focus-step', delta: 1 }),
  'pane.prev': (c) => c.dispatch({ type: 'focus-step', delta: -1 }),
  'pane.chat': (c) => c.dispatch({ type: 'focus-pane', pane: 'chat' }),
  'pane.meter': (c) => c.dispatch({ type: 'focus-pane', pane: 'meter' }),
  'pane.approvals': (c) => c.dispatch({ type: 'focus-pane', pane: 'approvals' }),
  'pane.policy': (c) => c.dispatch({ type: 'focus-pane', pane: 'policy' }),
  'pane.zoom': (c) => c.dispatch({ type: 'toggle-zoom' }),

  'chat.input': (c) => c.dispatch({ type: 'enter-input' }),
  'chat.scrollUp': (c) => c.dispatch({ type: 'scroll-chat', delta: 1 }),
  'chat.scrollDown': (c) => c.dispatch({ type: 'scroll-chat', delta: -1 }),
  'chat.pageUp': (c) => c.dispatch({ type: 'scroll-chat', delta: c.pageSize }),
  'chat.pageDown': (c) => c.dispatch({ type: 'scroll-chat', delta: -c.pageSize }),
  'chat.bottom': (c) => c.dispatch({ type: 'chat-bottom' }),
  'chat.abort': (c) => void c.call('chat.abort', 'abort run', 'chat.abort', {}),
  'chat.nextSession': switchSession(1),
  'chat.prevSession': switchSession(-1),
  'chat.newSession': (c) => void c.call('chat.new', 'new session', 'chat.new', {}),

  'chat.send': (c) => {
    const text = c.ui.draft.trim();
    if (!text) return;
    c.dispatch({ type: 'clear-draft' });
    c.dispatch({ type: 'chat-bottom' });
    void c.call('chat.send', 'sending', 'chat.send', { text });
  },
  'chat.newline': (c) => c.dispatch({ type: 'insert-text', text: '\n' }),
  'chat.deleteChar': (c) => c.dispatch({ type: 'delete-char' }),
  'chat.clearDraft': (c) => c.dispatch({ type: 'clear-draft' }),
  'chat.leaveInput': (c) => c.dispatch({ type: 'leave-input' }),
  'chat.abortRun': (c) => void c.call('chat.abort', 'abort run', 'chat.abort', {}),

  'meter.toggleMode': (c) => c.dispatch({ type: 'toggle-meter-mode' }),

  'approval.down': (c) => c.dispatch({ type: 'select-approval', id: stepApproval(c.snapshot, c.ui, 1) }),
  'approval.up': (c) => c.dispatch({ type: 'select-approval', id: stepApproval(c.snapshot, c.ui, -1) }),
  'approval.details': (c) => {
    const item = selectSelectedApproval(c.snapshot, c.ui);
    if (item) c.dispatch({ type: 'open-overlay', overlay: { kind: 'details', id: item.id } });
  },
  'approval.allowOnce': decide('approval.allowOnce', 'allow once', { action: 'allow', scope: 'once' }, false),
  'approval.allowSession': decide('approval.allowSession', 'allow for this session', { action: 'allow', scope: 'session' }, false),
  'approval.allowTimed': decide('approval.allowTimed', 'allow for 10 minutes', { action: 'allow', scope: 'timed', ttl_ms: TIMED_MS }, false),
  'approval.allowAlways': decide('approval.allowAlways', 'allow always', { action: 'allow', scope: 'always' }, true),
  'approval.allowDomain': decide('approval.allowDomain', 'allow the whole domain', { action: 'allow', scope: 'always', wildcard: true }, true),
  'approval.allowPath': decide(
    'approval.allowPath',
    'allow the path prefix for this session',
    (item) => ({ action: 'allow', scope: 'session', path_prefix: pathPrefixOf(item.path ?? '/') }),
    true,
  ),
  'approval.deny': decide('approval.deny', 'deny', { action: 'deny', scope: 'once' }, false),
  'approval.denyAlways': decide('approval.denyAlways', 'deny always', { action: 'deny', scope: 'always' }, true),
  'approval.jumpRule': (c) => {
    const item = selectSelectedApproval(c.snapshot, c.ui);
    if (!item) return;
    const i = findEndpointIndex(parseEndpoints(c.snapshot?.policy.text ?? ''), item.closest_rule);
    if (i < 0) {
      return c.dispatch({ type: 'flash', flash: { level: 'info', text: `no rule covers ${describeApproval(item)} yet` } });
    }
    c.dispatch({ type: 'set-policy-cursor', index: i });
    c.dispatch({ type: 'focus-pane', pane: 'policy' });
  },

  'policy.down': moveEndpoint(1),
  'policy.up': moveEndpoint(-1),
  'policy.edit': (c) => c.editPolicy(c.snapshot?.policy.text ?? ''),
  'policy.toggleEndpoint': (c) => {
    const ep = selectedEndpoint(c);
    if (!ep) return c.dispatch({ type: 'flash', flash: { level: 'info', text: 'no endpoint selected' } });
    void c.call(`endpoint:${ep.rule}`, `toggle ${ep.rule}`, 'policy.endpoint.toggle', { rule: ep.rule });
  },
  'policy.deleteEndpoint': (c) => {
    const ep = selectedEndpoint(c);
    if (!ep) return c.dispatch({ type: 'flash', flash: { level: 'info', text: 'no endpoint selected' } });
    c.dispatch({
      type: 'open-overlay',
      overlay: {
        kind: 'confirm',
        title: 'delete endpoint?',
        body: [`delete ${ep.label} (${ep.rule}) from the policy file`],
        action: { type: 'endpoint.delete', rule: ep.rule },
        choice: 'cancel',
      },
    });
  },

  'help.close': (c) => c.dispatch({ type: 'close-overlay' }),
  'details.close': (c) => c.dispatch({ type: 'close-overlay' }),
  'confirm.toggle': (c) => c.dispatch({ type: 'toggle-choice' }),
  'confirm.accept': (c) => {
    const o = c.ui.overlay;
    if (o?.kind !== 'confirm') return;
    if (o.choice === 'confirm') runConfirmed(c, o.action);
    else c.dispatch({ type: 'close-overlay' });
  },
  'confirm.yes': (c) => {
    const o = c.ui.overlay;
    if (o?.kind === 'confirm') runConfirmed(c, o.action);
  },
  'confirm.cancel': (c) => c.dispatch({ type: 'close-overlay' }),

  'review.apply': (c) => {
    const o = c.ui.overlay;
    if (o?.kind !== 'review') return;
    if (o.errors.length > 0) {
      return c.dispatch({ type: 'flash', flash: { level: 'error', text: 'not applied: fix the errors first (e to edit again)' } });
    }
    if (o.diff.length === 0) {
      c.dispatch({ type: 'close-overlay' });
      return c.dispatch({ type: 'flash', flash: { level: 'info', text: 'no changes to apply' } });
    }
    runConfirmed(c, { type: 'policy.apply', text: o.text });
  },
  'review.edit': (c) => {
    const o = c.ui.overlay;
    if (o?.kind === 'review') c.editPolicy(o.text);
  },
  'review.cancel': (c) => {
    c.dispatch({ type: 'close-overlay' });
    c.dispatch({ type: 'flash', flash: { level: 'info', text: 'edit discarded; the policy is unchanged' } });
  },
};
