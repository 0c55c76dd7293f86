import stringWidth from 'string-width';
import { ansiCodesToString, diffAnsiCodes, reduceAnsiCodesIncremental, tokenize, type AnsiCode } from '@alcalzone/ansi-tokenize';

// A drop-in for Ink 8's internal `Output` (ink/build/output.js: the screen buffer a frame is drawn into),
// producing the same frame text. Ink's builds one object per cell and re-parses every line's ANSI codes
// on every frame; at a few frames a second that was most of the console's CPU and garbage. This one
// keeps parsed lines across frames (for the lines drawn in the previous or this frame), shares cell
// objects and style arrays, and caches the escape sequence between two styles. load-tui.ts installs it
// for Ink only; test/components/ink/fast-output.test.ts checks it against Ink's own on the same writes.

export interface Cell {
  type: 'char';
  value: string;
  fullWidth: boolean;
  styles: AnsiCode[];
  sid: number;
}
type Transformer = (line: string, index: number) => string;
export interface Clip {
  x1?: number;
  x2?: number;
  y1?: number;
  y2?: number;
}
type Operation = { type: 'write'; x: number; y: number; text: string; transformers: Transformer[] } | { type: 'clip'; clip: Clip } | { type: 'unclip' };

// Entries used in this frame or the previous one; older ones are dropped when a frame starts.
class FrameCache<V> {
  private cur = new Map<string, V>();
  private prev = new Map<string, V>();
  get(key: string): V | undefined {
    let v = this.cur.get(key);
    if (v === undefined) {
      v = this.prev.get(key);
      if (v !== undefined) this.cur.set(key, v);
    }
    return v;
  }
  set(key: string, v: V): void {
    this.cur.set(key, v);
  }
  nextFrame(): void {
    this.prev = this.cur;
    this.cur = new Map();
  }
  clear(): void {
    this.cur.clear();
    this.prev.clear();
  }
}

// Styles are interned: equal style lists (same codes, same order) share one array and one id.
const MAX_STYLES = 4096;
let styleIds = new Map<string, number>([['', 0]]);
let styleById: AnsiCode[][] = [[]];
const styleId = (styles: AnsiCode[]): number => {
  if (styles.length === 0) return 0;
  const key = styles.map((c) => `${c.code}\u0000${c.endCode}`).join('\u0001');
  let id = styleIds.get(key);
  if (id === undefined) {
    id = styleById.length;
    styleById.push(styles);
    styleIds.set(key, id);
  }
  return id;
};

const cellsCache = new FrameCache<Cell[]>();
const linesCache = new FrameCache<string[]>();
const widthCache = new FrameCache<number>();
const charWidths = new Map<string, number>();
// Escape sequences from one style to another (`-1`: from none; `to === -1`: reset at the end of a row).
const transitions = new Map<number, string>();

const IGNORABLE = /^\p{Default_Ignorable_Code_Point}+$/u;

// The cells of one line of ANSI-styled text (standalone invisible characters occupy no cell, as in Ink).
// The styles are reduced as ansi-tokenize's styledCharsFromTokens does, but interned once per style change
// instead of copied and keyed for every character (most of a first frame's output time).
const cellsOf = (line: string): Cell[] => {
  let cells = cellsCache.get(line);
  if (cells === undefined) {
    cells = [];
    let codes: AnsiCode[] = [];
    let sid: number | undefined = 0;
    for (const t of tokenize(line)) {
      if (t.type === 'ansi') {
        codes = reduceAnsiCodesIncremental(codes, [t]);
        sid = undefined;
        continue;
      }
      if (t.type !== 'char' || IGNORABLE.test(t.value)) continue;
      sid ??= styleId(codes);
      cells.push({ type: 'char', value: t.value, fullWidth: t.fullWidth, styles: styleById[sid]!, sid });
    }
    cellsCache.set(line, cells);
  }
  return cells;
};

const charWidth = (value: string): number => {
  let w = charWidths.get(value);
  if (w === undefined) {
    if (charWidths.size > 4096) charWidths.clear();
    w = stringWidth(value);
    charWidths.set(value, w);
  }
  return w;
};

const textWidth = (text: string): number => {
  let w = widthCache.get(text);
  if (w === undefined) {
    w = 0;
    for (const line of text.split('\n')) w = Math.max(w, stringWidth(line));
    widthCache.set(text, w);
  }
  return w;
};

const transition = (from: number, to: number): string => {
  const key = (from + 1) * 65536 + (to + 1);
  let s = transitions.get(key);
  if (s === undefined) {
    if (to === -1) s = ansiCodesToString(diffAnsiCodes(styleById[from]!, []));
    else if (from === -1) s = ansiCodesToString(styleById[to]!);
    else s = ansiCodesToString(diffAnsiCodes(styleById[from]!, styleById[to]!));
    transitions.set(key, s);
  }
  return s;
};

// Ink's styledCharsToString: the text of the cells with the fewest style changes, reset at the end.
const cellsToString = (cells: Cell[]): string => {
  let out = '';
  let prev = -1;
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i]!;
    if (i === 0 || c.sid !== prev) out += transition(i === 0 ? -1 : prev, c.sid);
    out += c.value;
    prev = c.sid;
  }
  return cells.length > 0 ? out + transition(prev, -1) : out;
};

// A written text's lines as Ink draws them: re-serialised through its cells, which carries styles across
// newlines and normalises the order of style codes.
const linesOf = (text: string): string[] => {
  let lines = linesCache.get(text);
  if (lines === undefined) {
    const rows: Cell[][] = [[]];
    for (const c of cellsOf(text)) {
      if (c.value === '\n') rows.push([]);
      else rows.at(-1)!.push(c);
    }
    lines = rows.map(cellsToString);
    linesCache.set(text, lines);
  }
  return lines;
};

const BLANK: Cell = Object.freeze({ type: 'char', value: ' ', fullWidth: false, styles: styleById[0]!, sid: 0 }) as Cell;
const blankCell = (cell: Cell): Cell => ({ ...cell, value: ' ', fullWidth: false });

const intersectBound = (a: number | undefined, b: number | undefined, tighter: (x: number, y: number) => number) =>
  a === undefined ? b : b === undefined ? a : tighter(a, b);
const isClipEmpty = (c: Clip): boolean =>
  (c.x1 !== undefined && c.x2 !== undefined && c.x1 >= c.x2) || (c.y1 !== undefined && c.y2 !== undefined && c.y1 >= c.y2);
const intersectClips = (outer: Clip | undefined, inner: Clip): Clip =>
  outer
    ? {
        x1: intersectBound(outer.x1, inner.x1, Math.max),
        x2: intersectBound(outer.x2, inner.x2, Math.min),
        y1: intersectBound(outer.y1, inner.y1, Math.max),
        y2: intersectBound(outer.y2, inner.y2, Math.min),
      }
    : inner;

// Starts a frame: forget what the frame before last drew; bound the interned styles.
const startFrame = (): void => {
  cellsCache.nextFrame();
  linesCache.nextFrame();
  widthCache.nextFrame();
  if (transitions.size > 16_384) transitions.clear();
  if (styleById.length > MAX_STYLES) {
    styleIds = new Map([['', 0]]);
    styleById = [[]];
    cellsCache.clear();
    linesCache.clear();
    transitions.clear();
  }
};

export default class Output {
  width: number;
  height: number;
  private readonly operations: Operation[] = [];

  constructor(options: { width: number; height: number }) {
    this.width = options.width;
    this.height = options.height;
  }

  write(x: number, y: number, text: string, options: { transformers: Transformer[] }): void {
    if (text === '') return;
    this.operations.push({ type: 'write', x, y, text, transformers: options.transformers });
  }

  clip(clip: Clip): void {
    this.operations.push({ type: 'clip', clip });
  }

  unclip(): void {
    this.operations.push({ type: 'unclip' });
  }

  get(): { output: string; height: number } {
    startFrame();
    const output: Cell[][] = [];
    for (let y = 0; y < this.height; y++) output.push(new Array<Cell>(Math.max(0, this.width)).fill(BLANK));
    const clips: Clip[] = [];
    for (const op of this.operations) {
      if (op.type === 'clip') clips.push(intersectClips(clips.at(-1), op.clip));
      else if (op.type === 'unclip') clips.pop();
      else this.apply(output, op, clips.at(-1));
    }
    const text = output.map((row) => cellsToString(row.filter((c) => c !== undefined)).trimEnd()).join('\n');
    return { output: text, height: output.length };
  }

  // Ink's sliceLineToColumns: the columns [from, to) of a line; a cut wide character becomes a blank.
  private sliceLineToColumns(line: string, from: number, to: number): string {
    if (from >= to) return '';
    const result: Cell[] = [];
    let column = 0;
    for (const c of cellsOf(line)) {
      const width = charWidth(c.value);
      const start = column;
      column += width;
      if (column <= from) continue;
      if (start >= to) break;
      result.push(width > 1 && (start < from || column > to) ? blankCell(c) : c);
    }
    return cellsToString(result);
  }

  // Ink's applyWriteOperation, on shared cells.
  private apply(output: Cell[][], op: Extract<Operation, { type: 'write' }>, clip: Clip | undefined): void {
    let { x, y } = op;
    let lines = linesOf(op.text);
    if (clip) {
      if (isClipEmpty(clip)) return;
      const clipX = typeof clip.x1 === 'number' && typeof clip.x2 === 'number';
      const clipY = typeof clip.y1 === 'number' && typeof clip.y2 === 'number';
      if (clipX && (x + textWidth(op.text) < clip.x1! || x > clip.x2!)) return;
      if (clipY && (y + lines.length < clip.y1! || y > clip.y2!)) return;
      if (clipX) {
        lines = lines.map((line) => {
          const from = x < clip.x1! ? clip.x1! - x : 0;
          const width = textWidth(line);
          const to = x + width > clip.x2! ? clip.x2! - x : width;
          return this.sliceLineToColumns(line, from, to);
        });
        if (x < clip.x1!) x = clip.x1!;
      }
      if (clipY) {
        const from = y < clip.y1! ? clip.y1! - y : 0;
        const to = y + lines.length > clip.y2! ? clip.y2! - y : lines.length;
        lines = lines.slice(from, to);
        if (y < clip.y1!) y = clip.y1!;
      }
    }
    for (let index = 0; index < lines.length; index++) {
      const row = output[y + index];
      if (!row) continue;
      let line = lines[index]!;
      for (const t of op.transformers) line = t(line, index + y - op.y);
      const cells = cellsOf(line);
      if (cells.length === 0) continue;
      let offsetX = x;
      // A write landing on the second half of a wide character blanks its first half.
      if (row[offsetX]?.value === '' && offsetX > 0 && charWidth(row[offsetX - 1]?.value ?? '') > 1) {
        row[offsetX - 1] = blankCell(row[offsetX - 1]!);
      }
      for (const cell of cells) {
        row[offsetX] = cell;
        const w = Math.max(1, charWidth(cell.value));
        for (let k = 1; k < w; k++) {
          row[offsetX + k] = { type: 'char', value: offsetX < 0 ? ' ' : '', fullWidth: false, styles: cell.styles, sid: cell.sid };
        }
        offsetX += w;
      }
      if (row[offsetX]?.value === '') row[offsetX] = blankCell(row[offsetX]!);
    }
  }
}
