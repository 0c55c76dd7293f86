import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useCallback, useRef } from 'react';
import { useApp } from 'ink';
import type { SnapshotSource } from '../../../src/daemon/live-snapshot.js';
import type { MethodName } from '../../../src/protocol/methods.js';
import { isClawdeckError } from '../../../src/protocol/errors.js';
import type { Snapshot } from '../../../src/protocol/snapshot.js';
import type { ReviewError, UiAction } from '../../app/ui-state.js';
import { diffRows, extractProblems, syntaxProblems } from './review-edit.js';

// Runs the user's editor on a file with the terminal handed over ($VISUAL, $EDITOR, then vi).
const runEditor = (file: string, env: NodeJS.ProcessEnv): number | null => {
  const editor = env.VISUAL || env.EDITOR || 'vi';
  return spawnSync('/bin/sh', ['-c', `${editor} "$1"`, 'clawdeck-editor', file], { stdio: 'inherit', env }).status;
};

// Asks the daemon to validate; a daemon without policy.check leaves it to apply time.
const daemonProblems = async (source: SnapshotSource, text: string): Promise<ReviewError[]> => {
  try {
    return extractProblems(await source.request('policy.check' as MethodName, { text } as never));
  } catch (e) {
    if (isClawdeckError(e) && (e.code === 'UNKNOWN_METHOD' || e.code === 'UNAVAILABLE')) return [];
    return extractProblems(isClawdeckError(e) ? e.toPayload() : { message: String(e) });
  }
};

// `e` in the policy pane: suspend Ink, edit a copy in $EDITOR, restore, then show line:col errors or the diff
// in a review overlay; nothing is applied until the operator confirms there.
export const usePolicyEditor = (source: SnapshotSource, snapshot: Snapshot | null, dispatch: (a: UiAction) => void, env: NodeJS.ProcessEnv) => {
  const { suspendTerminal } = useApp();
  const current = useRef(snapshot);
  current.current = snapshot;
  return useCallback(
    (start: string) => {
      void (async () => {
        const dir = mkdtempSync(join(tmpdir(), 'clawdeck-edit-'));
        const file = join(dir, 'policy.yaml');
        try {
          writeFileSync(file, start, { mode: 0o600 });
          let status: number | null = null;
          await suspendTerminal(() => {
            status = runEditor(file, env);
          });
          if (status !== 0) {
            return dispatch({ type: 'flash', flash: { level: 'warn', text: `editor exited with status ${status}; nothing changed` } });
          }
          const text = readFileSync(file, 'utf8');
          const live = current.current?.policy.text ?? '';
          if (text === live) return dispatch({ type: 'flash', flash: { level: 'info', text: 'no changes' } });
          const syntax = syntaxProblems(text);
          const errors = syntax.length ? syntax : await daemonProblems(source, text);
          dispatch({ type: 'open-overlay', overlay: { kind: 'review', text, errors, diff: diffRows(live, text) } });
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      })();
    },
    [source, dispatch, suspendTerminal, env],
  );
};
