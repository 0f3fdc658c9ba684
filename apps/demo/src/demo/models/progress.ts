import type { FileProgress } from '@inpage/engine';

export interface ProgressSummary {
  files: FileProgress[];
  loaded: number;
  /** Sum of the known sizes; 0 while none is known. */
  total: number;
  /** 0–100, or null while the size of a file under way is unknown. */
  percent: number | null;
  /** Network bytes per second over the last few seconds (cache reads do not count). */
  bytesPerSecond: number;
}

/** How far back the download speed looks: long enough to smooth bursts, short enough to follow changes. */
const SPEED_WINDOW_MS = 3000;

/**
 * Turns the engine's per-file progress events into what the progress bars show: each file, the
 * overall bytes and percentage, and the download speed.
 */
export class ProgressMeter {
  private readonly files = new Map<string, FileProgress>();
  private readonly samples: { at: number; bytes: number }[] = [];
  private networkBytes = 0;

  update(progress: FileProgress, now: number): void {
    const previous = this.files.get(progress.file);
    if (!progress.fromCache) this.networkBytes += Math.max(0, progress.loaded - (previous?.loaded ?? 0));
    this.files.set(progress.file, progress);
    this.samples.push({ at: now, bytes: this.networkBytes });
    while (this.samples.length > 2 && this.samples[0].at < now - SPEED_WINDOW_MS) this.samples.shift();
  }

  summary(now: number): ProgressSummary {
    const files = [...this.files.values()];
    const loaded = files.reduce((sum, f) => sum + (f.total > 0 ? Math.min(f.loaded, f.total) : 0), 0);
    const total = files.reduce((sum, f) => sum + f.total, 0);
    const first = this.samples[0];
    const span = first ? now - first.at : 0;
    const bytesPerSecond = first && span > 0 ? ((this.networkBytes - first.bytes) * 1000) / span : 0;
    // A file still under way whose size is unknown makes any percentage a guess: say none.
    const known = total > 0 && files.every((f) => f.done || f.total > 0);
    return { files, loaded, total, percent: known ? (loaded / total) * 100 : null, bytesPerSecond };
  }
}
