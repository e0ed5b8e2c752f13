/**
 * A progress bar on stderr for long bulk work (imports, grants of many accounts), through
 * cli-progress: only when stderr is a terminal and the person did not ask for --json or --quiet,
 * so pipes, scripts and JSON consumers see nothing of it. Its label comes from the catalogue.
 */
import type { SingleBar } from 'cli-progress';

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

const NONE: Progress = { update: () => {}, stop: () => {} };

/** A bar labelled `label`, shown from `minTotal` items up (short work needs none). */
export async function progressBar(label: string, options: { json: boolean; quiet: boolean; total: number; minTotal?: number }): Promise<Progress> {
  if (options.json || options.quiet || !process.stderr.isTTY || process.env.TERM === 'dumb' || options.total < (options.minTotal ?? 500)) return NONE;
  const { SingleBar, Presets } = (await import('cli-progress')).default;
  const bar: SingleBar = new SingleBar({ format: `${label} [{bar}] {value}/{total}`, stream: process.stderr, hideCursor: true, clearOnComplete: false, stopOnComplete: false, noTTYOutput: false }, Presets.shades_classic);
  bar.start(options.total, 0);
  return {
    update: (done, total) => { bar.setTotal(total); bar.update(done); },
    stop: () => bar.stop(),
  };
}
