import { execa } from 'execa';
import { waitFor } from './home.js';

// A detached tmux server of our own (its own -L socket) running one command in a real pty.
export interface TmuxPane {
  screen(): Promise<string>;
  screenWithEscapes(): Promise<string>;
  keys(...keys: string[]): Promise<void>;
  text(s: string): Promise<void>;
  resize(columns: number, rows: number): Promise<void>;
  format(f: string): Promise<string>;
  waitScreen(pred: (s: string) => boolean, label: string, timeoutMs?: number): Promise<string>;
  kill(): Promise<void>;
}

let n = 0;

// Starts `command` (a shell string) in a new detached session of the given size.
export const startTmux = async (command: string, size: { columns: number; rows: number }): Promise<TmuxPane> => {
  const sock = `clawdeck-e2e-${process.pid}-${n++}`;
  const tmux = (...args: string[]) => execa('tmux', ['-L', sock, ...args]);
  await tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'e2e', '-x', String(size.columns), '-y', String(size.rows), command);
  await tmux('set-option', '-g', 'monitor-bell', 'on');
  await tmux('set-option', '-g', 'bell-action', 'any');
  const screen = async () => (await tmux('capture-pane', '-p', '-t', 'e2e')).stdout;
  return {
    screen,
    screenWithEscapes: async () => (await tmux('capture-pane', '-p', '-e', '-t', 'e2e')).stdout,
    keys: async (...keys) => void (await tmux('send-keys', '-t', 'e2e', ...keys)),
    text: async (s) => void (await tmux('send-keys', '-t', 'e2e', '-l', s)),
    resize: async (columns, rows) => void (await tmux('resize-window', '-t', 'e2e', '-x', String(columns), '-y', String(rows))),
    format: async (f) => (await tmux('display-message', '-p', '-t', 'e2e', f)).stdout.trim(),
    waitScreen: async (pred, label, timeoutMs = 10_000) => {
      let last = '';
      try {
        return await waitFor(async () => {
          last = await screen();
          return pred(last) ? last : undefined;
        }, label, timeoutMs);
      } catch (e) {
        throw new Error(`${(e as Error).message}\n--- screen ---\n${last}`);
      }
    },
    kill: async () => void (await execa('tmux', ['-L', sock, 'kill-server'], { reject: false })),
  };
};
