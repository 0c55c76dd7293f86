import { EventEmitter } from 'node:events';
import { render } from 'ink';
import type { ReactElement } from 'react';
import { App, type AppOptions } from '../../components/app/app.js';
import { createTheme, type Theme } from '../../components/theme/theme.js';
import { ThemeProvider } from '../../components/theme/theme-context.js';
import type { Snapshot } from '../../src/protocol/snapshot.js';
import { StaticSource } from '../fixtures/static-source.js';
import { waitFor } from './home.js';

// A terminal-sized fake stdout that keeps every frame (Ink debug mode writes whole frames).
class FakeStdout extends EventEmitter {
  frames: string[] = [];
  writes: string[] = [];
  isTTY = true;
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write = (s: string, cb?: unknown): boolean => {
    this.writes.push(s);
    if (s !== '\u0007') this.frames.push(s);
    if (typeof cb === 'function') queueMicrotask(cb as () => void);
    return true;
  };
}

class FakeStdin extends EventEmitter {
  isTTY = true;
  private queue: string[] = [];
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
  read = (): string | null => this.queue.shift() ?? null;
  write(data: string): void {
    this.queue.push(data);
    this.emit('readable');
    this.emit('data', data);
  }
}

// Key names from the keymap → the bytes a terminal sends for them.
export const keyBytes = (k: string): string => {
  const named: Record<string, string> = {
    enter: '\r',
    'alt+enter': '\u001b\r',
    escape: '\u001b',
    tab: '\t',
    'shift+tab': '\u001b[Z',
    up: '\u001b[A',
    down: '\u001b[B',
    right: '\u001b[C',
    left: '\u001b[D',
    pageup: '\u001b[5~',
    pagedown: '\u001b[6~',
    home: '\u001b[H',
    end: '\u001b[F',
    backspace: '\u007f',
    space: ' ',
    'ctrl+j': '\n',
  };
  if (named[k]) return named[k];
  const ctrl = /^ctrl\+([a-z])$/.exec(k);
  if (ctrl) return String.fromCharCode(ctrl[1]!.charCodeAt(0) - 96);
  return k;
};

export interface TuiHarness {
  source: StaticSource;
  stdout: FakeStdout;
  frame(): string;
  press(...keys: string[]): void;
  type(text: string): void;
  waitFrame(pred: (f: string) => boolean, label: string): Promise<string>;
  resize(columns: number, rows: number): void;
  exited(): boolean;
  unmount(): void;
}

export const testTheme = (env: NodeJS.ProcessEnv = { LANG: 'C.UTF-8', NO_COLOR: '1' }): Theme => createTheme(env);

// Renders a node with the test theme at a given terminal size.
export const renderNode = (node: ReactElement, size = { columns: 100, rows: 30 }, theme = testTheme()) => {
  const stdout = new FakeStdout(size.columns, size.rows);
  const stdin = new FakeStdin();
  const inst = render(<ThemeProvider value={theme}>{node}</ThemeProvider>, {
    stdout: stdout as never,
    stdin: stdin as never,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
    interactive: false,
  });
  return { stdout, stdin, inst };
};

// Renders the whole App on a StaticSource: `renderWithSnapshot(snapshot, {size, ui, readonly})`.
export const renderWithSnapshot = (
  snapshot: Snapshot | null,
  opts: AppOptions & { answers?: ConstructorParameters<typeof StaticSource>[1]; theme?: Theme } = {},
): TuiHarness => {
  const source = new StaticSource(snapshot, opts.answers);
  const size = opts.size ?? { columns: 80, rows: 24 };
  let exited = false;
  const { stdout, stdin, inst } = renderNode(
    <App source={source} options={{ env: { EDITOR: 'true' }, bell: true, tmuxMessage: false, ...opts, size: undefined }} />,
    size,
    opts.theme,
  );
  void inst.waitUntilExit().then(() => (exited = true));
  const frame = (): string => stdout.frames.at(-1) ?? '';
  return {
    source,
    stdout,
    frame,
    press: (...keys) => keys.forEach((k) => stdin.write(keyBytes(k))),
    type: (text) => stdin.write(text),
    waitFrame: async (pred, label) => {
      await waitFor(() => pred(frame()), `${label}; last frame:\n${frame()}`, 5000);
      return frame();
    },
    resize: (columns, rows) => {
      stdout.columns = columns;
      stdout.rows = rows;
      stdout.emit('resize');
    },
    exited: () => exited,
    unmount: () => inst.unmount(),
  };
};
