// The one keymap table: every key the TUI reacts to, with the scope it lives in and the label help shows.
// The router, the footer and the `?` overlay all read this table, so help cannot drift from behaviour.

export const SCOPES = [
  'always',
  'global',
  'chat',
  'chat.input',
  'meter',
  'approvals',
  'policy',
  'help',
  'details',
  'confirm',
  'review',
] as const;
export type Scope = (typeof SCOPES)[number];

export interface Binding {
  command: string;
  keys: readonly string[];
  scope: Scope;
  label: string;
  // Changes the world (a protocol request): unavailable with --readonly.
  mutates?: boolean;
}

export const keymap = [
  { command: 'app.quit', keys: ['ctrl+c'], scope: 'always', label: 'quit the view' },

  { command: 'app.quitView', keys: ['q'], scope: 'global', label: 'quit the view (daemon keeps running)' },
  { command: 'app.help', keys: ['?'], scope: 'global', label: 'help' },
  { command: 'pane.next', keys: ['tab', 'l'], scope: 'global', label: 'next pane' },
  { command: 'pane.prev', keys: ['shift+tab', 'h'], scope: 'global', label: 'previous pane' },
  { command: 'pane.chat', keys: ['1'], scope: 'global', label: 'chat' },
  { command: 'pane.meter', keys: ['2'], scope: 'global', label: 'meter' },
  { command: 'pane.approvals', keys: ['3'], scope: 'global', label: 'approvals' },
  { command: 'pane.policy', keys: ['4'], scope: 'global', label: 'policy' },
  { command: 'pane.zoom', keys: ['z'], scope: 'global', label: 'zoom pane' },

  { command: 'chat.input', keys: ['i', 'enter'], scope: 'chat', label: 'write a message', mutates: true },
  { command: 'chat.scrollUp', keys: ['k', 'up'], scope: 'chat', label: 'scroll up' },
  { command: 'chat.scrollDown', keys: ['j', 'down'], scope: 'chat', label: 'scroll down' },
  { command: 'chat.pageUp', keys: ['pageup', 'ctrl+u'], scope: 'chat', label: 'page up' },
  { command: 'chat.pageDown', keys: ['pagedown', 'ctrl+d'], scope: 'chat', label: 'page down' },
  { command: 'chat.bottom', keys: ['G', 'end'], scope: 'chat', label: 'latest' },
  { command: 'chat.abort', keys: ['x', 'ctrl+x'], scope: 'chat', label: 'abort run', mutates: true },
  { command: 'chat.nextSession', keys: [']'], scope: 'chat', label: 'next session', mutates: true },
  { command: 'chat.prevSession', keys: ['['], scope: 'chat', label: 'previous session', mutates: true },
  { command: 'chat.newSession', keys: ['N'], scope: 'chat', label: 'new session', mutates: true },

  { command: 'chat.send', keys: ['enter'], scope: 'chat.input', label: 'send' },
  { command: 'chat.newline', keys: ['ctrl+j', 'alt+enter'], scope: 'chat.input', label: 'new line' },
  { command: 'chat.deleteChar', keys: ['backspace'], scope: 'chat.input', label: 'delete' },
  { command: 'chat.clearDraft', keys: ['ctrl+u'], scope: 'chat.input', label: 'clear' },
  { command: 'chat.leaveInput', keys: ['escape'], scope: 'chat.input', label: 'stop typing' },
  { command: 'chat.abortRun', keys: ['ctrl+x'], scope: 'chat.input', label: 'abort run' },

  { command: 'meter.toggleMode', keys: ['m', 'enter'], scope: 'meter', label: 'models / calls' },

  { command: 'approval.down', keys: ['j', 'down'], scope: 'approvals', label: 'next' },
  { command: 'approval.up', keys: ['k', 'up'], scope: 'approvals', label: 'previous' },
  { command: 'approval.details', keys: ['enter'], scope: 'approvals', label: 'details' },
  { command: 'approval.allowOnce', keys: ['a'], scope: 'approvals', label: 'allow once', mutates: true },
  { command: 'approval.deny', keys: ['d', 'x'], scope: 'approvals', label: 'deny', mutates: true },
  { command: 'approval.allowSession', keys: ['s'], scope: 'approvals', label: 'allow session', mutates: true },
  { command: 'approval.allowTimed', keys: ['t'], scope: 'approvals', label: 'allow 10 min', mutates: true },
  { command: 'approval.allowAlways', keys: ['A'], scope: 'approvals', label: 'allow always', mutates: true },
  { command: 'approval.allowDomain', keys: ['D'], scope: 'approvals', label: 'allow domain', mutates: true },
  { command: 'approval.allowPath', keys: ['P'], scope: 'approvals', label: 'allow path prefix (session)', mutates: true },
  { command: 'approval.denyAlways', keys: ['X'], scope: 'approvals', label: 'deny always', mutates: true },
  { command: 'approval.jumpRule', keys: ['r'], scope: 'approvals', label: 'show rule' },

  { command: 'policy.down', keys: ['j', 'down'], scope: 'policy', label: 'next endpoint' },
  { command: 'policy.up', keys: ['k', 'up'], scope: 'policy', label: 'previous endpoint' },
  { command: 'policy.edit', keys: ['e'], scope: 'policy', label: 'edit in $EDITOR', mutates: true },
  { command: 'policy.toggleEndpoint', keys: ['space', 't'], scope: 'policy', label: 'enable/disable', mutates: true },
  { command: 'policy.deleteEndpoint', keys: ['D'], scope: 'policy', label: 'delete endpoint', mutates: true },

  { command: 'help.close', keys: ['escape', '?', 'q'], scope: 'help', label: 'close help' },
  { command: 'details.close', keys: ['escape', 'enter', 'q'], scope: 'details', label: 'close' },

  { command: 'confirm.toggle', keys: ['tab', 'left', 'right', 'h', 'l'], scope: 'confirm', label: 'switch choice' },
  { command: 'confirm.accept', keys: ['enter'], scope: 'confirm', label: 'choose' },
  { command: 'confirm.yes', keys: ['y'], scope: 'confirm', label: 'yes' },
  { command: 'confirm.cancel', keys: ['escape', 'n', 'q'], scope: 'confirm', label: 'cancel' },

  { command: 'review.apply', keys: ['y', 'enter'], scope: 'review', label: 'apply', mutates: true },
  { command: 'review.edit', keys: ['e'], scope: 'review', label: 'edit again', mutates: true },
  { command: 'review.cancel', keys: ['escape', 'n', 'q'], scope: 'review', label: 'discard' },
] as const satisfies readonly Binding[];

export type CommandId = (typeof keymap)[number]['command'];

// Bindings of one scope, in table order (what the footer and help list).
export const bindingsFor = (scope: Scope): readonly Binding[] => keymap.filter((b) => b.scope === scope);

// Finds the binding for a key in the first scope (of the chain) that binds it.
export const resolveKey = (key: string, scopes: readonly Scope[]): Binding | undefined => {
  for (const scope of scopes) {
    const b = keymap.find((e) => e.scope === scope && (e.keys as readonly string[]).includes(key));
    if (b) return b;
  }
  return undefined;
};
