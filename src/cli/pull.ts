// `lmforge pull OWNER/NAME [--revision R]`: download a model from a Hugging Face-compatible hub
// (LMFORGE_HUB_URL) into the cache (LMFORGE_CACHE), with progress bars and byte totals; thin over io/hub.ts.
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { pullModel, type HubEvent } from '../io/hub.js';

/** 1234567 -> '1.23 MB' */
export function formatBytes(n: number | null): string {
  if (n === null) return '?';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0, v = n;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${i === 0 ? v : v.toFixed(2)} ${units[i]}`;
}

/** An event sink drawing one cli-progress bar per file on a TTY, and one summary line per file otherwise. */
export function progressSink(stream: NodeJS.WriteStream = process.stderr): { onEvent: (e: HubEvent) => void; stop: () => void } {
  const tty = !!stream.isTTY;
  const multi = tty ? new cliProgress.MultiBar({
    stream, format: ' {bar} {percentage}% | {recv} / {tot} | {file}', hideCursor: true, clearOnComplete: false, barsize: 30,
  }, cliProgress.Presets.shades_classic) : null;
  const bars = new Map<string, cliProgress.SingleBar>();
  const onEvent = (e: HubEvent): void => {
    if (e.type === 'file-start' && multi) {
      bars.set(e.file, multi.create(e.total ?? 1, e.resumeFrom, { file: e.file, recv: formatBytes(e.resumeFrom), tot: formatBytes(e.total) }));
    } else if (e.type === 'progress') {
      bars.get(e.file)?.update(e.received, { recv: formatBytes(e.received), tot: formatBytes(e.total) });
    } else if (e.type === 'retry') {
      const msg = `${e.file}: transfer interrupted at ${formatBytes(e.received)} (${e.reason}); resuming (attempt ${e.attempt})`;
      if (multi) multi.log(msg + '\n'); else stream.write(msg + '\n');
    } else if (e.type === 'file-done') {
      const bar = bars.get(e.file);
      if (bar) { bar.setTotal(e.bytes); bar.update(e.bytes, { recv: formatBytes(e.bytes), tot: formatBytes(e.bytes) }); }
      if (!multi) stream.write(`${e.file} ${formatBytes(e.bytes)} (${e.cached ? 'cached' : e.verified === 'none' ? 'not verified: the hub gave no checksum' : `${e.verified} verified`})\n`);
    }
  };
  return { onEvent, stop: () => multi?.stop() };
}

export function register(program: Command): void {
  program
    .command('pull')
    .description('download a model (config, tokenizer, safetensors weights) from a Hugging Face-compatible hub into the cache')
    .argument('<model>', 'model id OWNER/NAME')
    .option('--revision <rev>', 'branch, tag or commit', 'main')
    .option('--file <name...>', 'download exactly these files instead of config + tokenizer + weights')
    .option('--cache <dir>', 'cache folder (default LMFORGE_CACHE or ~/.cache/lmforge)')
    .option('--hub <url>', 'hub URL (default LMFORGE_HUB_URL or https://huggingface.co)')
    .action(async (model: string, o: { revision: string; file?: string[]; cache?: string; hub?: string }) => {
      const sink = progressSink();
      try {
        const r = await pullModel(model, { revision: o.revision, files: o.file, cacheDir: o.cache, hubUrl: o.hub, onEvent: sink.onEvent });
        sink.stop();
        const total = r.files.reduce((a, f) => a + f.size, 0);
        console.error(`${r.repo}@${r.commit}: ${r.files.length} files, ${formatBytes(total)}${r.fromCache ? ' (all from the cache)' : ''}`);
        console.log(r.dir);
      } catch (e) {
        sink.stop();
        console.error(`lmforge pull: ${(e as Error).message}`);
        process.exitCode = 1;
      }
    });
}
