// File-level pieces of log capture: where a batch is cut at rotation, shifting rotated files,
// reading the tail back across them, and promise wrappers over the fd calls the writer uses.
import fs from 'node:fs';

const NL = 0x0a;
const TAIL_MAX = 8 * 1024 * 1024; // a tail reads at most this much

/** Where to cut a batch that passes the size limit: just after the last newline that fits,
 * so rotated files end on whole lines; 0 (rotate first) when none fits but the file already
 * holds data; else exactly at the limit (a single line longer than maxSize). */
export function findCut(batch: Buffer[], room: number, fileHasData: boolean): number {
  let start = 0;
  let idx = 0;
  while (idx < batch.length && start + (batch[idx]?.length ?? 0) < room) start += batch[idx++]?.length ?? 0;
  for (let i = Math.min(idx, batch.length - 1); i >= 0; i--) {
    const b = batch[i] as Buffer;
    const from = i === idx ? room - start - 1 : b.length - 1;
    const at = from >= 0 ? b.lastIndexOf(NL, from) : -1;
    if (at >= 0) return start + at + 1;
    if (i > 0) start -= (batch[i - 1] as Buffer).length;
  }
  return fileHasData ? 0 : room;
}

export function splitAt(bufs: Buffer[], n: number): [Buffer[], Buffer[]] {
  const head: Buffer[] = [];
  let i = 0;
  let left = n;
  for (; i < bufs.length && left > 0; i++) {
    const b = bufs[i] as Buffer;
    if (b.length <= left) {
      head.push(b);
      left -= b.length;
    } else {
      head.push(b.subarray(0, left));
      return [head, [b.subarray(left), ...bufs.slice(i + 1)]];
    }
  }
  return [head, bufs.slice(i)];
}

/** The last `lines` lines of the unit's files read newest first; a final partial line counts. */
export async function readTail(file: string, keep: number, lines: number): Promise<string> {
  if (lines <= 0) return '';
  const parts: Buffer[] = [];
  let total = 0;
  let newlines = 0;
  let atEnd = true;
  const files = [file];
  for (let i = 1; i <= keep; i++) files.push(`${file}.${i}`);
  outer: for (const f of files) {
    let fh: fs.promises.FileHandle;
    try {
      fh = await fs.promises.open(f, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    try {
      let pos = (await fh.stat()).size;
      while (pos > 0) {
        const n = Math.min(64 * 1024, pos);
        pos -= n;
        const buf = Buffer.allocUnsafe(n);
        const { bytesRead } = await fh.read(buf, 0, n, pos);
        const got = buf.subarray(0, bytesRead);
        let last = got.length - 1;
        // The newline that ends the log closes the last line; it does not start another.
        if (atEnd && got.length > 0) {
          atEnd = false;
          if (got[last] === NL) last--;
        }
        for (let i = last < 0 ? -1 : got.lastIndexOf(NL, last); i >= 0; i = i > 0 ? got.lastIndexOf(NL, i - 1) : -1) newlines++;
        parts.unshift(got);
        total += got.length;
        if (newlines >= lines || total >= TAIL_MAX) break outer;
      }
    } finally {
      await fh.close();
    }
  }
  const all = Buffer.concat(parts, total);
  let end = all.length - 1;
  if (end >= 0 && all[end] === NL) end--;
  let start = 0;
  let seen = 0;
  for (let i = end; i >= 0; i--) {
    if (all[i] === NL && ++seen === lines) {
      start = i + 1;
      break;
    }
  }
  return all.subarray(start).toString('utf8');
}

export function writev(fd: number, bufs: Buffer[]): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.writev(fd, bufs, (err, n) => (err ? reject(err) : resolve(n)));
  });
}

export function openFd(file: string, flags: string): Promise<number> {
  return new Promise((resolve, reject) => {
    // 0640: unit output often carries more than the world should read.
    fs.open(file, flags, 0o640, (err, fd) => (err ? reject(err) : resolve(fd)));
  });
}

export function fileSize(fd: number): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.fstat(fd, (err, st) => (err ? reject(err) : resolve(st.size)));
  });
}

export function closeFd(fd: number): Promise<void> {
  return new Promise((resolve) => fs.close(fd, () => resolve()));
}

/** `<file>.<keep-1>` → `<file>.<keep>` … `<file>` → `<file>.1`; with keep 0 the file is removed. */
export async function shiftFiles(file: string, keep: number): Promise<void> {
  for (let i = keep - 1; i >= 1; i--) await renameIfExists(`${file}.${i}`, `${file}.${i + 1}`);
  if (keep > 0) await renameIfExists(file, `${file}.1`);
  else await fs.promises.unlink(file).catch(ignoreEnoent);
}

async function renameIfExists(from: string, to: string): Promise<void> {
  await fs.promises.rename(from, to).catch(ignoreEnoent);
}

function ignoreEnoent(e: unknown): void {
  if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
}
