import { Box } from 'ink';
import { useTheme } from '../theme/theme-context.js';
import { Lines, type Line } from './lines.js';

export interface PaneFrameProps {
  title: string;
  info?: Line;
  focused: boolean;
  width: number;
  height: number;
  lines: Line[];
}

// Rows inside a pane of this height: two border rows and the title row.
export const contentRows = (height: number): number => Math.max(0, height - 3);
// Columns inside a pane of this width: two border columns and one space of padding each side.
export const contentColumns = (width: number): number => Math.max(0, width - 4);

// The border, title row and clipped content every pane shares; focus shows in colour and in the title marker.
export const PaneFrame = ({ title, info, focused, width, height, lines }: PaneFrameProps) => {
  const theme = useTheme();
  const { tokens, glyphs } = theme;
  const style = theme.color ? theme.border : focused ? (theme.unicode ? 'bold' : 'double') : theme.border;
  const head: Line = [
    { text: focused ? `${glyphs.pointer} ` : '  ', color: tokens.accent },
    { text: title, bold: true, color: focused ? tokens.accent : tokens.text },
    ...(info && info.length ? [{ text: '  ' }, ...info] : []),
  ];
  const inner = contentColumns(width);
  return (
    <Box
      flexDirection="column"
      width={width}
      height={height}
      borderStyle={style === 'double' && !theme.unicode ? 'classic' : style}
      borderColor={focused ? tokens.borderFocused : tokens.border}
      paddingX={1}
      flexShrink={0}
    >
      <Lines lines={[head]} width={inner} height={1} />
      <Lines lines={lines} width={inner} height={contentRows(height)} />
    </Box>
  );
};
