// Bumped on any incompatible change to messages or snapshots; the handshake compares it.
export const PROTOCOL_VERSION = 1;
// Lines longer than this are refused (and skipped) by both ends.
export const MAX_LINE_BYTES = 1 << 20;
