import { useReducer } from 'react';
import { useApp } from 'ink';
import type { SnapshotSource } from '../../src/daemon/live-snapshot.js';
import { initialUi, uiReducer, type PaneId, type UiState } from './ui-state.js';
import { useSnapshot } from './use-snapshot.js';
import { useNow } from './use-now.js';
import { useApprovalBell } from './use-bell.js';
import { useCall } from './use-call.js';
import { useScreenSize } from './use-screen-size.js';
import { usePolicyEditor } from '../panes/policy/use-policy-editor.js';
import { InputRouter } from '../input/input-router.js';
import { planLayout, type Size } from '../layout/layout.js';
import { Screen } from '../layout/screen.js';

export interface AppOptions {
  view?: PaneId | null;
  readonly?: boolean;
  bell?: boolean;
  tmuxMessage?: boolean;
  env?: NodeJS.ProcessEnv;
  size?: Size;
  // Starting UI state on top of the defaults (tests, and restoring a view).
  ui?: Partial<UiState>;
  // Sees every command the router runs (tests, debugging).
  onCommand?: (command: string) => void;
}

// The root: snapshot in, local UI state, one input router, one screen. Everything else lives in hooks.
export const App = ({ source, options = {} }: { source: SnapshotSource; options?: AppOptions }) => {
  const env = options.env ?? process.env;
  const live = useSnapshot(source);
  const [ui, dispatch] = useReducer(uiReducer, options, (o) => ({ ...initialUi(o), ...o.ui }));
  const size = useScreenSize(options.size);
  const now = useNow((live.snapshot?.approvals.length ?? 0) > 0);
  useApprovalBell(live.snapshot, { bell: options.bell ?? true, tmuxMessage: options.tmuxMessage ?? true, env });
  const call = useCall(source, dispatch);
  const editPolicy = usePolicyEditor(source, live.snapshot, dispatch, env);
  const { exit } = useApp();
  const plan = planLayout(size, ui);
  const pageSize = Math.max(1, Math.floor(size.rows / 2));
  return (
    <>
      <InputRouter ui={ui} dispatch={dispatch} onCommand={options.onCommand} ctx={{ snapshot: live.snapshot, call, exit, editPolicy, pageSize }} />
      <Screen live={live} ui={ui} plan={plan} size={size} now={now} />
    </>
  );
};
