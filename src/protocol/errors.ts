import { z } from 'zod';

// Where a user-fixable error lives in a file; 1-based line and column.
export const whereSchema = z.object({
  file: z.string(),
  line: z.number().int(),
  col: z.number().int(),
});
export type Where = z.infer<typeof whereSchema>;

// The wire shape of every error: code is the contract, message says what, hint says what to do.
export const errorPayloadSchema = z.object({
  code: z.string(),
  message: z.string(),
  hint: z.string().optional(),
  kind: z.enum(['user', 'bug']).default('user'),
  where: z.array(whereSchema).optional(),
});
export type ErrorPayload = z.infer<typeof errorPayloadSchema>;

const brand = Symbol.for('clawdeck.error');

// One error class for everything the user can act on; travels as plain JSON over the socket.
export class ClawdeckError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly kind: 'user' | 'bug';
  readonly where: Where[] | undefined;
  readonly [brand] = true;

  constructor(
    code: string,
    message: string,
    opts: { hint?: string; kind?: 'user' | 'bug'; where?: Where[]; cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'ClawdeckError';
    this.code = code;
    this.hint = opts.hint;
    this.kind = opts.kind ?? 'user';
    this.where = opts.where;
  }

  toPayload(): ErrorPayload {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      kind: this.kind,
      ...(this.where ? { where: this.where } : {}),
    };
  }

  static fromPayload(p: ErrorPayload): ClawdeckError {
    return new ClawdeckError(p.code, p.message, { hint: p.hint, kind: p.kind, where: p.where });
  }
}

// Checks the brand, not instanceof, so errors from other module copies still count.
export const isClawdeckError = (e: unknown): e is ClawdeckError =>
  typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[brand] === true;

// Normalizes anything thrown into the wire shape; unknown throws are bugs.
export const toErrorPayload = (e: unknown): ErrorPayload =>
  isClawdeckError(e)
    ? e.toPayload()
    : { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e), kind: 'bug' };

// Renders an error for a terminal: locations first (editor-clickable), then message and hint.
export const formatError = (p: ErrorPayload): string => {
  const lines: string[] = [];
  if (p.where?.length) for (const w of p.where) lines.push(`${w.file}:${w.line}:${w.col}`);
  lines.push(`error: ${p.message}`);
  if (p.hint) lines.push(`hint: ${p.hint}`);
  return lines.join('\n');
};
