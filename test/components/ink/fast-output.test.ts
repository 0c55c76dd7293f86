import { describe, it, expect } from 'vitest';
import InkOutput from '../../../node_modules/ink/build/output.js';
import FastOutput, { type Clip } from '../../../components/ink/fast-output.js';

type Op = ['write', number, number, string, ((l: string, i: number) => string)[]] | ['clip', Clip] | ['unclip'];
interface Buffer {
  write(x: number, y: number, text: string, o: { transformers: ((l: string, i: number) => string)[] }): void;
  clip(c: Clip): void;
  unclip(): void;
  get(): { output: string; height: number };
}

const draw = (make: (o: { width: number; height: number }) => Buffer, width: number, height: number, ops: Op[]) => {
  const out = make({ width, height });
  for (const op of ops) {
    if (op[0] === 'write') out.write(op[1], op[2], op[3], { transformers: op[4] });
    else if (op[0] === 'clip') out.clip(op[1]);
    else out.unclip();
  }
  return out.get();
};
const ink = (o: { width: number; height: number }) => new InkOutput(o) as unknown as Buffer;
const fast = (o: { width: number; height: number }) => new FastOutput(o);
const same = (width: number, height: number, ops: Op[]) => expect(draw(fast, width, height, ops)).toEqual(draw(ink, width, height, ops));

const bold = (s: string) => `\u001b[1m${s}\u001b[22m`;
const dim = (s: string) => `\u001b[2m${s}\u001b[22m`;
const cyan = (s: string) => `\u001b[36m${s}\u001b[39m`;
const gray = (s: string) => `\u001b[90m${s}\u001b[39m`;
const inverse = (s: string) => `\u001b[7m${s}\u001b[27m`;
const rgb = (s: string) => `\u001b[38;2;200;100;50m${s}\u001b[39m`;

describe('fast-output (Ink screen buffer replacement)', () => {
  it('draws plain and overlapping writes like Ink', () => {
    same(20, 3, [
      ['write', 0, 0, 'hello world', []],
      ['write', 6, 0, 'there', []],
      ['write', 18, 1, 'overflowing text', []],
      ['write', -3, 2, 'left of the screen', []],
    ]);
  });

  it('normalises style codes the way Ink does (nested colour and intensity in either order)', () => {
    same(40, 2, [
      ['write', 0, 0, `${cyan('› ')}${bold(cyan('Chat'))}  ${gray('no session')}`, []],
      ['write', 0, 1, `${cyan(`› ${bold('Chat')}`)}${dim(bold('x'))}${inverse(rgb('y'))}z`, []],
    ]);
  });

  it('carries styles across newlines in one write (borders, multi-line text)', () => {
    same(12, 5, [
      ['write', 0, 0, cyan('│\n│\n│\n│'), []],
      ['write', 11, 0, gray(`a${bold('b\nc')}d\ne`), []],
      ['write', 2, 1, `${bold(cyan('two\nlines'))}`, []],
    ]);
  });

  it('handles wide characters, emoji, zero-width characters and writes over half of a wide character', () => {
    same(16, 3, [
      ['write', 0, 0, `漢字${cyan('かな')}😀x`, []],
      ['write', 3, 0, 'Z', []],
      ['write', 0, 1, `a\u200bb${bold('ｶﾞ')}e\u0301`, []],
      ['write', 14, 2, '漢字漢字', []],
      ['write', 1, 2, '字', []],
    ]);
  });

  it('applies clips (nested, partial wide characters) and transformers', () => {
    const upper = (l: string) => l.toUpperCase();
    const numbered = (l: string, i: number) => `${i}:${l}`;
    same(20, 6, [
      ['clip', { x1: 2, x2: 10, y1: 1, y2: 4 }],
      ['write', 0, 0, 'clipped away above\nvisible row one\nvisible row two', []],
      ['write', 1, 3, `${cyan('漢字漢字漢字')} tail`, []],
      ['clip', { x1: 4, x2: 30 }],
      ['write', 0, 2, bold('inner clip'), [upper]],
      ['unclip'],
      ['write', 12, 5, 'outside the clip', []],
      ['unclip'],
      ['write', 0, 5, gray('line\nnext'), [numbered]],
      ['clip', { x1: 5, x2: 5 }],
      ['write', 0, 0, 'empty clip', []],
      ['unclip'],
    ]);
  });

  it('stays equal over many frames of changing and repeated content (its caches live across frames)', () => {
    const styles = [(s: string) => s, bold, dim, cyan, gray, inverse, rgb, (s: string) => cyan(bold(s)), (s: string) => bold(cyan(s))];
    const words = ['word', '│', '─', '漢字', '😀', ' ', 'a\u200bb', 'x'];
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const frame = (): Op[] => {
      const ops: Op[] = [];
      for (let i = 0; i < 40; i++) {
        let text = '';
        for (let k = rand(6); k >= 0; k--) text += styles[rand(styles.length)]!(words[rand(words.length)]!);
        if (rand(5) === 0) ops.push(['clip', { x1: rand(10), x2: 10 + rand(30), y1: rand(4), y2: 4 + rand(8) }]);
        ops.push(['write', rand(40) - 2, rand(12), rand(8) === 0 ? `${text}\n${text}` : text, []]);
        if (ops.some((o) => o[0] === 'clip') && rand(3) === 0) ops.push(['unclip']);
      }
      return ops;
    };
    const first = frame();
    for (let f = 0; f < 30; f++) same(40, 12, f % 3 === 0 ? first : frame());
  });
});
