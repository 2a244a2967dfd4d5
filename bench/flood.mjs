// The log-throughput workload: writes BYTES (argv[2]) of 100-byte numbered lines to stdout as fast
// as the reader takes them, then stays alive so no restart policy runs it twice. The wall-clock
// time of its first and last write go to STAMPFILE (argv[3]), one per line.
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';

const LINE = 100;
const total = Number(process.argv[2]);
const stampFile = process.argv[3];
if (!Number.isInteger(total) || total % LINE !== 0 || !stampFile) {
  process.stderr.write('usage: flood.mjs BYTES(multiple of 100) STAMPFILE\n');
  process.exit(2);
}

// Each line: a 10-digit sequence number, a space, filler, '\n'; the checker reads the numbers back
// to prove that nothing was lost, repeated or reordered.
const PER_CHUNK = 10_000;
const chunk = Buffer.alloc(PER_CHUNK * LINE, 'x');
for (let i = 0; i < PER_CHUNK; i += 1) {
  chunk[i * LINE + 10] = 0x20;
  chunk[i * LINE + LINE - 1] = 0x0a;
}
const pause = new Int32Array(new SharedArrayBuffer(4));

function writeAll(buf) {
  let off = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(1, buf, off, buf.length - off);
    } catch (e) {
      // A reader that set our pipe non-blocking: wait a little for room instead of failing.
      if (e.code !== 'EAGAIN') throw e;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

const wall = () => performance.timeOrigin + performance.now();
fs.writeFileSync(stampFile, `${wall()}\n`);
const lines = total / LINE;
for (let seq = 0; seq < lines; seq += PER_CHUNK) {
  const n = Math.min(PER_CHUNK, lines - seq);
  for (let i = 0; i < n; i += 1) {
    let v = seq + i;
    for (let d = 9; d >= 0; d -= 1) {
      chunk[i * LINE + d] = 0x30 + (v % 10);
      v = Math.floor(v / 10);
    }
  }
  writeAll(n === PER_CHUNK ? chunk : chunk.subarray(0, n * LINE));
}
fs.appendFileSync(stampFile, `${wall()}\n`);
setInterval(() => {}, 1 << 30);
