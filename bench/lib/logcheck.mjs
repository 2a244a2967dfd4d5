// The log-throughput check: waits until the captured bytes on disk (all rotated files summed)
// reach what the flood wrote, then reads them back to prove nothing was lost, repeated or reordered.
import fs from 'node:fs';
import { now, sleep, wallNow } from './stats.mjs';

const LINE = 100;

function size(file) {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/**
 * Sum of the sizes, oldest file first: a rotation between two stats can then only hide bytes
 * for one poll (the renamed file was already counted under its old, smaller slot), never
 * count them twice.
 */
export function capturedBytes(files) {
  let sum = 0;
  for (const f of files) sum += size(f);
  return sum;
}

/** Polls until the files hold `expected` bytes on two polls in a row; returns the wall time of the first. */
export async function waitCaptured(files, expected, timeoutMs) {
  const t0 = now();
  let firstAt;
  let last = 0;
  for (;;) {
    last = capturedBytes(files);
    if (last === expected) {
      if (firstAt !== undefined) return { at: firstAt, bytes: last };
      firstAt = wallNow();
    } else {
      firstAt = undefined;
    }
    if (now() - t0 > timeoutMs) return { at: undefined, bytes: last };
    await sleep(2);
  }
}

/**
 * Reads the files oldest first as one stream and checks every 100-byte line: a newline at its
 * end and a sequence number one more than the line before.
 * @returns {{ok:boolean, bytes:number, lines:number, problem?:string}}
 */
export function verifyLines(files, expectedBytes) {
  const buf = Buffer.alloc(4 * 1024 * 1024);
  let carry = Buffer.alloc(0);
  let next = 0;
  let bytes = 0;
  for (const file of files) {
    let fd;
    try {
      fd = fs.openSync(file, 'r');
    } catch {
      continue;
    }
    try {
      for (;;) {
        const n = fs.readSync(fd, buf, 0, buf.length, null);
        if (n === 0) break;
        bytes += n;
        const data = carry.length > 0 ? Buffer.concat([carry, buf.subarray(0, n)]) : buf.subarray(0, n);
        const whole = data.length - (data.length % LINE);
        for (let off = 0; off < whole; off += LINE) {
          if (data[off + LINE - 1] !== 0x0a) return { ok: false, bytes, lines: next, problem: `line ${next} in ${file} is not 100 bytes` };
          let seq = 0;
          for (let d = 0; d < 10; d += 1) seq = seq * 10 + (data[off + d] - 0x30);
          if (seq !== next) return { ok: false, bytes, lines: next, problem: `expected line ${next}, found line ${seq} in ${file}` };
          next += 1;
        }
        carry = Buffer.from(data.subarray(whole));
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  if (carry.length > 0) return { ok: false, bytes, lines: next, problem: `${carry.length} bytes of a partial last line` };
  if (bytes !== expectedBytes) return { ok: false, bytes, lines: next, problem: `${expectedBytes - bytes} bytes lost` };
  return { ok: true, bytes, lines: next };
}
