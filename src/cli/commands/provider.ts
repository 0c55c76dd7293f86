import type { Command } from 'commander';
import { resolve } from 'node:path';
import { withDaemon } from '../connect.js';
import { printJson, table } from '../output.js';
import type { ProviderInfo } from '../../protocol/inference.js';

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

const providerRows = (ps: ProviderInfo[]): string =>
  table([
    ['', 'NAME', 'BASE URL', 'KEY', 'MODELS'],
    ...ps.map((p) => [
      p.default ? '*' : '',
      p.name,
      p.base_url,
      p.key_source ? `${p.key_source} (${p.key_present ? 'present' : 'MISSING'})` : 'none',
      p.models.join(', ') || '-',
    ]),
  ]) + '\n';

// `clawdeck provider …`: inference providers; every change applies in the running daemon and is saved to config.yaml.
export const registerProvider = (program: Command): void => {
  const provider = program
    .command('provider')
    .description('manage inference providers (changes apply at once and are saved in config.yaml)');

  provider
    .command('list')
    .description('list providers, the default (*) and whether each key is present (keys are never shown)')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const r = await withDaemon('provider', (c) => c.request('provider.list'));
      if (opts.json) printJson(r);
      else process.stdout.write(providerRows(r.providers));
    });

  provider
    .command('add <name>')
    .description('add an OpenAI-compatible provider (vLLM, NIM, Ollama, llama.cpp, LM Studio, …)')
    .requiredOption('--base-url <url>', 'API root, e.g. http://127.0.0.1:11434/v1')
    .option('--key-env <var>', 'environment variable of the daemon holding the key')
    .option('--key-file <file>', 'file holding the key (mode 0600)')
    .option('--model <id>', 'a model it serves (repeatable)', collect)
    .option('--timeout <duration>', 'time to wait for response headers, e.g. 90s')
    .option('--replace', 'replace a provider of the same name')
    .option('--json', 'print the added provider as JSON')
    .action(async (name: string, o: { baseUrl: string; keyEnv?: string; keyFile?: string; model?: string[]; timeout?: string; replace?: boolean; json?: boolean }) => {
      const r = await withDaemon('provider', (c) =>
        c.request('provider.add', {
          name,
          base_url: o.baseUrl,
          ...(o.keyEnv ? { key_env: o.keyEnv } : {}),
          ...(o.keyFile ? { key_file: resolve(o.keyFile) } : {}),
          models: o.model ?? [],
          ...(o.timeout ? { timeout: o.timeout } : {}),
          replace: Boolean(o.replace),
        }),
      );
      if (o.json) printJson(r);
      else process.stdout.write(`added provider ${r.name} (${r.base_url})${r.key_source && !r.key_present ? ` — warning: key ${r.key_source} is not present for the daemon` : ''}\n`);
    });

  provider
    .command('use <name>')
    .description('make a provider the default route')
    .action(async (name: string) => {
      const r = await withDaemon('provider', (c) => c.request('provider.use', { name }));
      process.stdout.write(`default provider: ${r.default_provider}\n`);
    });

  provider
    .command('remove <name>')
    .description('remove a provider (not the default one)')
    .action(async (name: string) => {
      const r = await withDaemon('provider', (c) => c.request('provider.remove', { name }));
      process.stdout.write(`removed provider ${r.removed}\n`);
    });

  provider
    .command('test <name>')
    .description('send one real, tiny chat completion to the provider and report the result')
    .option('--model <id>', 'model to ask (default: its first model)')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, o: { model?: string; json?: boolean }) => {
      const r = await withDaemon('provider', (c) => c.request('provider.test', { name, ...(o.model ? { model: o.model } : {}) }));
      if (o.json) printJson(r);
      else {
        process.stdout.write(
          r.ok
            ? `ok: ${r.provider} ${r.model} answered in ${Math.round(r.latency_ms)} ms: ${JSON.stringify(r.reply)}\n`
            : `FAILED: ${r.provider} ${r.model}: ${r.error}\n`,
        );
      }
      if (!r.ok) process.exitCode = 1;
    });
};
