import type { Command } from 'commander';
import { withDaemon } from '../connect.js';
import { printJson } from '../output.js';
import { ClawdeckError } from '../../protocol/errors.js';
import { parseDuration } from '../../config/duration.js';
import { chatDeltaEventSchema, chatDoneEventSchema, type ChatDoneEvent } from '../../protocol/chat.js';

interface ChatOpts {
  json?: boolean;
  session?: string;
  timeout: string;
}

// Sends one message and waits for its run to end, printing the reply as it streams (or one JSON object).
const chatOnce = async (message: string, opts: ChatOpts): Promise<void> => {
  const timeoutMs = parseDuration(opts.timeout);
  if (timeoutMs === undefined || timeoutMs <= 0) throw new ClawdeckError('USAGE', `--timeout must be a duration like 5m, got "${opts.timeout}"`);
  const done = await withDaemon('cli-chat', async (c) => {
    let runId: string | null = null;
    // Events can beat the chat.send reply: keep them until the run id is known.
    const early: { event: string; data: unknown }[] = [];
    let finish!: (v: ChatDoneEvent | Error) => void;
    const ended = new Promise<ChatDoneEvent | Error>((r) => (finish = r));
    let printed = '';
    const handle = (event: string, data: unknown): void => {
      if (event === 'chat.delta') {
        const d = chatDeltaEventSchema.safeParse(data);
        if (!d.success || d.data.run_id !== runId || opts.json) return;
        if (d.data.replace) {
          // A non-prefix rewrite: print only what extends what is already on screen.
          if (d.data.text.startsWith(printed)) process.stdout.write(d.data.text.slice(printed.length));
          else process.stdout.write(`\n${d.data.text}`);
          printed = d.data.text;
        } else {
          process.stdout.write(d.data.text);
          printed += d.data.text;
        }
      } else if (event === 'chat.done') {
        const d = chatDoneEventSchema.safeParse(data);
        if (d.success && d.data.run_id === runId) finish(d.data);
      }
    };
    c.onEvent((event, data) => (runId === null ? early.push({ event, data }) : handle(event, data)));
    c.onClose(() => finish(new ClawdeckError('DAEMON_GONE', 'the daemon closed the connection')));
    await c.request('subscribe');
    const sent = await c.request('chat.send', { text: message, ...(opts.session ? { session: opts.session } : {}) });
    runId = sent.run_id;
    for (const e of early.splice(0)) handle(e.event, e.data);
    const timer = setTimeout(() => finish(new ClawdeckError('CHAT_TIMEOUT', `no reply finished within ${opts.timeout}`, { hint: 'raise --timeout, or look at the chat pane (clawdeck attach)' })), timeoutMs);
    try {
      const r = await ended;
      if (r instanceof Error) throw r;
      if (!opts.json && r.reply && !printed) process.stdout.write(r.reply);
      if (!opts.json && (printed || r.reply)) process.stdout.write('\n');
      return r;
    } finally {
      clearTimeout(timer);
    }
  });
  if (opts.json) {
    printJson({
      session: done.session,
      run_id: done.run_id,
      state: done.state,
      reply: done.reply,
      ...(done.error ? { error: done.error } : {}),
      ...(done.usage ? { usage: done.usage } : {}),
      ...(done.tool_calls.length ? { tool_calls: done.tool_calls } : {}),
    });
  }
  if (done.state !== 'final') {
    // The JSON object already says what happened; only the exit code is left to set.
    if (opts.json) return void (process.exitCode = 1);
    throw new ClawdeckError(done.state === 'aborted' ? 'CHAT_ABORTED' : 'CHAT_FAILED', done.state === 'aborted' ? 'the run was aborted' : `the agent's run failed: ${done.error ?? 'unknown error'}`);
  }
};

// `clawdeck chat "message"`: one turn with the sandboxed agent, for scripts and tests.
export const registerChat = (program: Command): void => {
  program
    .command('chat <message>')
    .description('send one message to the agent and print its streamed reply')
    .option('--json', 'print one JSON object {session, reply, usage?, tool_calls?} when the run ends')
    .option('--session <key>', 'OpenClaw session key (default: the current chat session)')
    .option('--timeout <duration>', 'give up waiting after this long', '10m')
    .action(async (message: string, opts: ChatOpts) => chatOnce(message, opts));
};
