import { execFile } from 'node:child_process';
import { useEffect, useRef } from 'react';
import { useStdout } from 'ink';
import type { Snapshot } from '../../src/protocol/snapshot.js';
import { describeApproval } from '../panes/approvals/selectors.js';

export interface BellOptions {
  bell: boolean;
  tmuxMessage: boolean;
  env: NodeJS.ProcessEnv;
  // At most one bell (and one tmux message) per this many ms: a burst of new items is one alert.
  quietMs?: number;
}

// Rings the terminal bell (and, inside tmux, shows a tmux message) when a new item starts waiting, so a
// monitoring pane gets noticed. Items already waiting when the view attached do not ring; bursts ring once.
export const useApprovalBell = (snapshot: Snapshot | null, opts: BellOptions): void => {
  const { stdout } = useStdout();
  const seen = useRef<Set<string> | null>(null);
  const last = useRef(0);
  useEffect(() => {
    if (!snapshot) return;
    const ids = snapshot.approvals.map((a) => a.id);
    if (seen.current === null) {
      seen.current = new Set(ids);
      return;
    }
    const fresh = snapshot.approvals.filter((a) => !seen.current!.has(a.id));
    for (const id of ids) seen.current.add(id);
    if (fresh.length === 0) return;
    if (Date.now() - last.current < (opts.quietMs ?? 2000)) return;
    last.current = Date.now();
    if (opts.bell) stdout.write('\u0007');
    if (opts.tmuxMessage && opts.env.TMUX) {
      const text = `clawdeck: ${fresh.length} new approval${fresh.length > 1 ? 's' : ''} waiting: ${describeApproval(fresh[0]!)}`;
      execFile('tmux', ['display-message', text], { env: opts.env }, () => undefined);
    }
  }, [snapshot, opts.bell, opts.tmuxMessage, opts.env, stdout]);
};
