// One unit's log writer: queues what its streams deliver, writes batches with writev, rotates
// between writes at a line boundary, pauses the streams when the disk lags, and runs tails
// between writes so they never see a half-done rotation.
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { closeFd, fileSize, findCut, openFd, readTail, shiftFiles, splitAt, writev } from './logfiles.js';
import { createWatcher, scanChunk, type Watcher } from './logwatch.js';

export interface LogStoreOptions {
  logDir: string;
  /** Rotate once the file would pass this many bytes; 0 never rotates. */
  maxSize: number;
  /** Rotated files kept; 0 keeps none (the full file is removed and started anew). */
  keep: number;
  /** Write and stream errors; never thrown. */
  onError?: (unit: string, message: string) => void;
  /** Bytes queued for one unit before its pipes are paused (the child then blocks on write). */
  highWaterMark?: number;
}

export interface LogFollower {
  close(): void;
}

export interface LogWatch {
  cancel(): void;
}

// The start of each process's output is kept (copied, so no large pipe buffer stays pinned)
// for a `log:` watch armed after the process began writing: readiness lines come early, and
// thousands of units must not each hold a rolling window.
const EARLY_MAX = 16 * 1024;

export class UnitLog {
  written = 0;
  dropped = 0;
  private fd: number | null = null;
  private size = 0;
  private queue: Buffer[] = [];
  private queued = 0;
  private running = false;
  private paused = false;
  /** Why the file is not being written, while it is not (a failed open or write). */
  failure: string | null = null;
  private readonly hwm: number;
  private readonly sources = new Map<Readable, () => void>();
  private readonly followers = new Set<(chunk: Buffer) => void>();
  private readonly watchers = new Set<{ w: Watcher; cb: (match: string) => void }>();
  private current = new Set<Readable>();
  private early: { src: Readable; chunk: Buffer }[] = [];
  private earlyBytes = 0;
  private readonly exclusive: (() => Promise<void>)[] = [];
  private idle: (() => void)[] = [];

  constructor(
    private readonly unit: string,
    private readonly path: string,
    private readonly opts: LogStoreOptions,
    private readonly report: (unit: string, message: string) => void,
  ) {
    this.hwm = opts.highWaterMark ?? 4 * 1024 * 1024;
  }

  /** One call per process: its streams become the "current output" that watches read, while
   * a previous process's pipes may still be draining into the file. */
  attach(streams: Readable[]): void {
    this.current = new Set(streams);
    this.early = [];
    this.earlyBytes = 0;
    for (const s of streams) this.attachOne(s);
  }

  private attachOne(stream: Readable): void {
    if (this.sources.has(stream)) return;
    const onData = (chunk: Buffer | string): void => {
      this.push(stream, typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    };
    const onEnd = (): void => detach();
    const onError = (e: Error): void => {
      this.report(this.unit, `log capture: stream error: ${e.message}`);
      detach();
    };
    const detach = (): void => {
      if (!this.sources.delete(stream)) return;
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
      stream.off('error', onError);
      for (const { w } of this.watchers) w.state.delete(stream);
      this.current.delete(stream);
      if (this.current.size === 0) {
        this.early = [];
        this.earlyBytes = 0;
      }
      // Once nothing writes, the writer closes the file (file descriptors only for live units).
      this.kick();
    };
    this.sources.set(stream, detach);
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('close', onEnd);
    stream.on('error', onError);
    if (this.paused) stream.pause();
  }

  /** The hot path: one call per chunk the pipe delivers; no per-line work unless a watch is armed. */
  private push(src: Readable, chunk: Buffer): void {
    this.queue.push(chunk);
    this.queued += chunk.length;
    if (this.watchers.size > 0 && this.current.has(src)) for (const w of this.watchers) this.scan(w, src, chunk);
    if (this.earlyBytes < EARLY_MAX && this.current.has(src)) {
      const part = Buffer.from(chunk.subarray(0, EARLY_MAX - this.earlyBytes));
      this.early.push({ src, chunk: part });
      this.earlyBytes += part.length;
    }
    if (!this.paused && this.queued >= this.hwm) {
      this.paused = true;
      for (const s of this.sources.keys()) s.pause();
    }
    if (!this.running) void this.run();
  }

  private kick(): void {
    if (!this.running) void this.run();
  }

  /** The writer loop: exclusive operations (tails) run between writes, so they see the files
   * at a point where no write or rotation is half done. */
  private async run(): Promise<void> {
    this.running = true;
    try {
      for (;;) {
        const op = this.exclusive.shift();
        if (op) {
          await op();
          continue;
        }
        if (this.queue.length > 0) {
          const batch = this.queue;
          this.queue = [];
          this.queued = 0;
          // Let the pipes refill while this batch is written: at most two batches in memory.
          if (this.paused) {
            this.paused = false;
            for (const s of this.sources.keys()) s.resume();
          }
          await this.writeBatch(batch);
          continue;
        }
        if (this.sources.size === 0 && this.fd !== null) {
          const fd = this.fd;
          this.fd = null;
          await closeFd(fd);
          continue;
        }
        break;
      }
    } catch (e) {
      this.report(this.unit, `log capture: ${(e as Error).message}`);
    } finally {
      this.running = false;
      const waiters = this.idle;
      this.idle = [];
      for (const w of waiters) w();
    }
  }

  private async writeBatch(batch: Buffer[]): Promise<void> {
    let bytes = 0;
    for (const b of batch) bytes += b.length;
    const { maxSize } = this.opts;
    while (bytes > 0) {
      if (this.fd === null && !(await this.openFile())) {
        this.lose(bytes);
        return;
      }
      if (maxSize > 0 && this.size + bytes > maxSize) {
        const room = maxSize - this.size;
        const cut = room <= 0 ? 0 : findCut(batch, room, this.size > 0);
        if (cut === 0) {
          await this.rotate();
          continue;
        }
        const [head, rest] = splitAt(batch, cut);
        if (!(await this.writeAll(head, cut))) {
          this.lose(bytes - cut);
          return;
        }
        await this.rotate();
        batch = rest;
        bytes -= cut;
        continue;
      }
      await this.writeAll(batch, bytes);
      return;
    }
  }

  /** Returns false after reporting when the write failed; the bytes are then counted lost
   * (blocking the unit forever on a full disk would be worse than a gap in its log). */
  private async writeAll(bufs: Buffer[], bytes: number): Promise<boolean> {
    const fd = this.fd;
    if (fd === null) return false;
    let left = bufs;
    let remaining = bytes;
    try {
      while (remaining > 0) {
        const n = await writev(fd, left);
        remaining -= n;
        if (remaining > 0) left = splitAt(left, n)[1];
      }
    } catch (e) {
      this.fd = null;
      void closeFd(fd);
      this.written += bytes - remaining;
      this.lose(remaining);
      this.fail(`cannot write ${this.path}: ${(e as Error).message}`);
      return false;
    }
    this.size += bytes;
    this.written += bytes;
    if (this.failure !== null) {
      this.failure = null;
      this.report(this.unit, `log capture: writing ${this.path} again; ${this.dropped} bytes lost so far`);
    }
    if (this.followers.size > 0) {
      for (const f of this.followers) {
        for (const b of bufs) {
          try {
            f(b);
          } catch {
            // a follower's failure is its own
          }
        }
      }
    }
    return true;
  }

  private lose(bytes: number): void {
    this.dropped += bytes;
  }

  /** Reported once per outage: the recovery line says how many bytes were lost meanwhile. */
  private fail(why: string): void {
    if (this.failure === null) this.report(this.unit, `log capture: ${why}; output is being lost until it can be written again`);
    this.failure = why;
  }

  private async openFile(): Promise<boolean> {
    try {
      let fd: number;
      try {
        fd = await openFd(this.path, 'a');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        await fs.promises.mkdir(this.opts.logDir, { recursive: true });
        fd = await openFd(this.path, 'a');
      }
      this.fd = fd;
      this.size = await fileSize(fd);
      return true;
    } catch (e) {
      this.fail(`cannot open ${this.path}: ${(e as Error).message}`);
      return false;
    }
  }

  private async rotate(): Promise<void> {
    const fd = this.fd;
    this.fd = null;
    try {
      await shiftFiles(this.path, this.opts.keep);
    } catch (e) {
      this.report(this.unit, `log capture: rotating ${this.path}: ${(e as Error).message}`);
    }
    // Nothing waits on the close: the next write goes to a freshly opened file.
    if (fd !== null) void closeFd(fd);
  }

  tail(lines: number): Promise<string> {
    return this.whenQuiet(() => readTail(this.path, this.opts.keep, lines));
  }

  follow(onData: (chunk: Buffer) => void, lines: number): LogFollower {
    let closed = false;
    const close = (): void => {
      closed = true;
      this.followers.delete(onData);
    };
    if (lines <= 0) {
      this.followers.add(onData);
      return { close };
    }
    this.whenQuiet(async () => {
      const text = await readTail(this.path, this.opts.keep, lines);
      if (closed) return;
      if (text.length > 0) onData(Buffer.from(text));
      this.followers.add(onData);
    }).catch((e: unknown) => this.report(this.unit, `log follow: ${(e as Error).message}`));
    return { close };
  }

  private whenQuiet<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.exclusive.push(async () => {
        try {
          resolve(await fn());
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
      this.kick();
    });
  }

  watchFor(regex: RegExp, cb: (match: string) => void): LogWatch {
    const w = createWatcher(regex);
    const entry = { w, cb };
    this.watchers.add(entry);
    for (const { src, chunk } of this.early) {
      this.scan(entry, src, chunk);
      if (w.done) break;
    }
    return {
      cancel: () => {
        w.done = true;
        this.watchers.delete(entry);
      },
    };
  }

  private scan(entry: { w: Watcher; cb: (match: string) => void }, src: Readable, chunk: Buffer): void {
    const match = scanChunk(entry.w, src, chunk);
    if (match === null) return;
    this.watchers.delete(entry);
    // Deferred: the caller may still be inside watchFor() or the data handler.
    queueMicrotask(() => {
      try {
        entry.cb(match);
      } catch (e) {
        this.report(this.unit, `log watch callback: ${(e as Error).message}`);
      }
    });
  }

  async close(): Promise<void> {
    for (const [s, detach] of [...this.sources]) {
      detach();
      // Keep the child from blocking on a full pipe nobody reads any more.
      s.resume();
    }
    this.followers.clear();
    for (const { w } of this.watchers) w.done = true;
    this.watchers.clear();
    // run() marks itself running synchronously, so this never starts a second writer loop.
    for (;;) {
      if (this.running) await new Promise<void>((r) => this.idle.push(r));
      else if (this.queue.length > 0 || this.exclusive.length > 0 || this.fd !== null) await this.run();
      else return;
    }
  }
}

