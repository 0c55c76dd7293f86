// Greedy word wrap by code points; long words are hard-broken. Keeps blank lines.
export const wrapText = (text: string, width: number): string[] => {
  const w = Math.max(1, width);
  const out: string[] = [];
  for (const para of text.split('\n')) {
    if (para.length === 0) {
      out.push('');
      continue;
    }
    let line = '';
    let len = 0;
    for (const word of para.split(/(\s+)/)) {
      if (word.length === 0) continue;
      const cps = [...word];
      if (len + cps.length <= w) {
        line += word;
        len += cps.length;
        continue;
      }
      if (/^\s+$/.test(word)) {
        out.push(line);
        line = '';
        len = 0;
        continue;
      }
      if (len > 0) {
        out.push(line);
        line = '';
        len = 0;
      }
      for (let i = 0; i < cps.length; i += w) {
        const chunk = cps.slice(i, i + w);
        if (chunk.length === w && i + w < cps.length) out.push(chunk.join(''));
        else {
          line = chunk.join('');
          len = chunk.length;
        }
      }
    }
    out.push(line);
  }
  return out;
};
