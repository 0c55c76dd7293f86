import { describe, it, expect } from 'vitest';
import { clipLine, lineText } from '../../../components/layout/lines.js';
import { WrapCache, wrapText } from '../../../components/panes/chat/wrap.js';

describe('clipLine', () => {
  it('cuts to the width in code points, keeping segment styles', () => {
    const l = clipLine([{ text: 'abc', color: 'red' }, { text: 'd😀fg', bold: true }], 5);
    expect(l).toEqual([{ text: 'abc', color: 'red' }, { text: 'd😀', bold: true }]);
  });

  it('blanks control characters from daemon text so a row stays one terminal row', () => {
    const l = clipLine([{ text: 'a\nb\tc\u001b[2Jd\re\u009bf' }], 40);
    expect(lineText(l)).toBe('a b c [2Jd e f');
  });
});

describe('WrapCache', () => {
  it('wraps exactly like wrapText without it, across growing text and width changes', () => {
    const cache = new WrapCache();
    let text = '';
    for (let i = 0; i < 300; i++) {
      text += i % 17 === 16 ? 'end.\n\n' : i % 5 === 4 ? `longwordlongwordlongword${i} ` : `w${i} `;
      const width = i % 50 < 25 ? 20 : 33;
      cache.nextRound();
      expect(wrapText(text, width, cache), `step ${i}`).toEqual(wrapText(text, width));
    }
  });

  it('forgets paragraphs the last round did not use', () => {
    const cache = new WrapCache();
    wrapText('one\ntwo', 10, cache);
    cache.nextRound();
    wrapText('two', 10, cache);
    cache.nextRound();
    cache.nextRound();
    expect(cache.get('one', 10)).toBeUndefined();
    expect(cache.get('two', 10)).toBeUndefined();
    wrapText('three', 10, cache);
    cache.nextRound();
    expect(cache.get('three', 10)).toEqual(['three']);
  });
});
