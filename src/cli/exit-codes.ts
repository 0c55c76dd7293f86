// 0 ok, 1 failure, 2 usage error: the contract scripts rely on (README "Exit codes").
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

const usageCodes = new Set(['USAGE', 'BAD_PARAMS', 'UNKNOWN_METHOD']);

// Maps an error code to the process exit code.
export const exitCodeFor = (code: string): number => (usageCodes.has(code) ? EXIT.usage : EXIT.failure);
