import { Box, Text } from 'ink';

// A run of styled text; panes build arrays of these so layout and truncation stay in one place.
export interface Segment {
  text: string;
  color?: string | undefined;
  bold?: boolean;
  dim?: boolean;
  inverse?: boolean;
}
export type Line = Segment[];

// Plain text of a line (tests and width maths).
export const lineText = (l: Line): string => l.map((s) => s.text).join('');

// Control characters (newline, tab, escape...) in daemon text would break a row or reach the terminal.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
const SURROGATE = /[\ud800-\udfff]/;
const codePoints = (t: string): number => (SURROGATE.test(t) ? [...t].length : t.length);

// Cuts a line to `width` columns (code points) with control characters blanked, so a row is exactly one
// terminal row: nothing wraps into the next one (rows are also truncated by display width when drawn).
export const clipLine = (l: Line, width: number): Line => {
  const out: Line = [];
  let left = Math.max(0, width);
  for (const seg of l) {
    if (left <= 0) break;
    const s = CONTROL.test(seg.text) ? { ...seg, text: seg.text.replace(CONTROLS, ' ') } : seg;
    const n = codePoints(s.text);
    if (n <= left) {
      out.push(s);
      left -= n;
    } else {
      out.push({ ...s, text: [...s.text].slice(0, left).join('') });
      left = 0;
    }
  }
  return out;
};

// Renders exactly `height` rows (padding with blanks), each clipped to `width`.
export const Lines = ({ lines, width, height }: { lines: Line[]; width: number; height: number }) => {
  const rows = lines.slice(0, Math.max(0, height));
  while (rows.length < height) rows.push([]);
  return (
    <Box flexDirection="column" width={width} height={height}>
      {rows.map((l, i) => (
        <Text key={i} wrap="truncate-end">
          {clipLine(l, width).map((s, j) => (
            <Text key={j} color={s.color} bold={s.bold} dimColor={s.dim} inverse={s.inverse}>
              {s.text}
            </Text>
          ))}
          {l.length === 0 ? ' ' : ''}
        </Text>
      ))}
    </Box>
  );
};
