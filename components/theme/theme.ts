// Semantic colour tokens and glyphs; panes ask for roles ("status.warn"), never for literal colours.
export interface Theme {
  color: boolean;
  unicode: boolean;
  border: 'round' | 'classic';
  tokens: Tokens;
  glyphs: Glyphs;
}

export interface Tokens {
  text: string | undefined;
  muted: string | undefined;
  accent: string | undefined;
  border: string | undefined;
  borderFocused: string | undefined;
  ok: string | undefined;
  warn: string | undefined;
  error: string | undefined;
  info: string | undefined;
  user: string | undefined;
  assistant: string | undefined;
  tool: string | undefined;
  yamlKey: string | undefined;
  yamlValue: string | undefined;
  yamlComment: string | undefined;
  diffAdd: string | undefined;
  diffDel: string | undefined;
}

export interface Glyphs {
  barFull: string;
  barEmpty: string;
  spark: string[];
  pointer: string;
  ellipsis: string;
  dot: string;
  sep: string;
}

const colorTokens: Tokens = {
  text: undefined,
  muted: 'gray',
  accent: 'cyan',
  border: 'gray',
  borderFocused: 'cyan',
  ok: 'green',
  warn: 'yellow',
  error: 'red',
  info: 'blue',
  user: 'cyan',
  assistant: undefined,
  tool: 'magenta',
  yamlKey: 'cyan',
  yamlValue: 'green',
  yamlComment: 'gray',
  diffAdd: 'green',
  diffDel: 'red',
};

const noColorTokens = Object.fromEntries(Object.keys(colorTokens).map((k) => [k, undefined])) as unknown as Tokens;

const unicodeGlyphs: Glyphs = {
  barFull: '█',
  barEmpty: '░',
  spark: ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'],
  pointer: '›',
  ellipsis: '…',
  dot: '●',
  sep: '│',
};

// Plain 7-bit ASCII for TERM=dumb, non-UTF-8 locales and fonts that break alignment.
const asciiGlyphs: Glyphs = {
  barFull: '#',
  barEmpty: '-',
  spark: ['_', '.', ':', '-', '=', '+', '*', '#'],
  pointer: '>',
  ellipsis: '~',
  dot: '*',
  sep: '|',
};

export interface ThemeFlags {
  noColor?: boolean;
  ascii?: boolean;
}

// Decides colour and glyph support from the environment: NO_COLOR, --no-color, TERM=dumb, the locale.
export const createTheme = (env: NodeJS.ProcessEnv = process.env, flags: ThemeFlags = {}): Theme => {
  const dumb = env.TERM === 'dumb';
  const color = !flags.noColor && !dumb && !(env.NO_COLOR !== undefined && env.NO_COLOR !== '');
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  const utf8 = /utf-?8/i.test(locale) || locale === '';
  const unicode = !flags.ascii && !dumb && utf8 && env.CLAWDECK_ASCII === undefined;
  return {
    color,
    unicode,
    border: unicode ? 'round' : 'classic',
    tokens: color ? colorTokens : noColorTokens,
    glyphs: unicode ? unicodeGlyphs : asciiGlyphs,
  };
};
