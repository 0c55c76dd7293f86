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

// Cuts a line to `width` columns (code points), so nothing wraps into the next row.
export const clipLine = (l: Line, width: number): Line => {
  const out: Line = [];
  let left = Math.max(0, width);
  for (const s of l) {
    if (left <= 0) break;
    const cps = [...s.text];
    if (cps.length <= left) {
      out.push(s);
      left -= cps.length;
    } else {
      out.push({ ...s, text: cps.slice(0, left).join('') });
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
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
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
