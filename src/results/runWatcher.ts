// Notices when a running sweep appends to its run directory. fs.watch reacts fast but is not
// reliable everywhere (network and container file systems drop events), so a slow stat poll backs
// it up; both feed one coalescing callback: the first change schedules it, later changes before it
// runs ride along. So a sweep that writes constantly still gets regular updates (a debounce that
// restarts on every write would never fire), and a slow re-analysis spaces the updates out.
import { existsSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { INVOCATIONS_FILE, RUN_FILE } from '../core/runFiles';

export interface RunWatcherOptions {
  debounceMs?: number;
  pollMs?: number;
}

export class RunWatcher {
  private watcher: FSWatcher | undefined;
  private readonly poll: NodeJS.Timeout;
  private pending: NodeJS.Timeout | undefined;
  /** Grows with the time the callback takes (re-reading a large run), so updates never hog the host. */
  private delayMs: number;
  private lastSignature: string;
  private disposed = false;

  constructor(
    private readonly runDir: string,
    private readonly onChange: () => void,
    private readonly options: RunWatcherOptions = {},
  ) {
    this.delayMs = options.debounceMs ?? 400;
    this.lastSignature = this.signature();
    this.tryWatch();
    this.poll = setInterval(() => this.check(), options.pollMs ?? 1500);
  }

  /** Size and mtime of both run files: changes when the sweep appends a record or updates its status. */
  private signature(): string {
    return [INVOCATIONS_FILE, RUN_FILE]
      .map((name) => {
        try {
          const stat = statSync(join(this.runDir, name));
          return `${stat.size}:${stat.mtimeMs}`;
        } catch {
          return '-';
        }
      })
      .join('|');
  }

  private tryWatch(): void {
    if (this.watcher || !existsSync(this.runDir)) return;
    try {
      this.watcher = watch(this.runDir, () => this.check());
      this.watcher.on('error', () => {
        // The directory went away or the platform gave up: the poll keeps going.
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      this.watcher = undefined;
    }
  }

  private check(): void {
    if (this.disposed) return;
    this.tryWatch();
    const signature = this.signature();
    if (signature === this.lastSignature) return;
    this.lastSignature = signature;
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      if (this.disposed) return;
      const started = Date.now();
      this.onChange();
      this.delayMs = Math.max(this.options.debounceMs ?? 400, 2 * (Date.now() - started));
    }, this.delayMs);
  }

  dispose(): void {
    this.disposed = true;
    clearInterval(this.poll);
    if (this.pending) clearTimeout(this.pending);
    this.watcher?.close();
  }
}
