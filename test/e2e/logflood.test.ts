// A unit flooding its log: supd rotates by size at line boundaries, keeps every byte and every
// line exactly once and in order, answers its API throughout, and `supctl logs -f` follows the
// output across rotations without a gap.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { FIXTURES, NODE, SUPCTL, Supd, assertBuilt, waitUntil } from './harness.js';

assertBuilt();

const LINES = 400_000; // flood.js writes 100-byte lines: 40 MB
const BYTES = LINES * 100;
const MAX_SIZE = 2 * 1024 * 1024;
const KEEP = 30; // room for every rotated file: nothing of the flood is deleted

/** The unit's log files, oldest first (<unit>.log.N … <unit>.log.1, then <unit>.log). */
function logFiles(supd: Supd, unit: string): string[] {
  const dir = path.dirname(supd.logFile(unit));
  const rotated = fs.readdirSync(dir)
    .map((f) => /^(.+)\.log\.(\d+)$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null && m[1] === unit)
    .map((m) => Number(m[2]))
    .sort((a, b) => b - a)
    .map((n) => `${supd.logFile(unit)}.${n}`);
  return fs.existsSync(supd.logFile(unit)) ? [...rotated, supd.logFile(unit)] : rotated;
}

function totalSize(files: string[]): number {
  let n = 0;
  for (const f of files) {
    try {
      n += fs.statSync(f).size;
    } catch {
      // renamed meanwhile; the next poll sees it under its new name
    }
  }
  return n;
}

/** The sequence numbers of flood.js's lines in `text`, in order. */
function seqs(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(/^(\d{12})x+$/gm)) out.push(Number(m[1]));
  return out;
}

t.test('a 40 MB flood: rotation, every byte and line kept in order, API answering, logs -f across rotations', async (t) => {
  const dir = t.testdir();
  const gate = path.join(dir, 'gate');
  // The unit says hello, then floods once the test has its follower in place.
  const command = `echo hello; while [ ! -f ${gate} ]; do sleep 0.05; done; exec ${NODE} ${path.join(FIXTURES, 'flood.js')} --bytes ${BYTES} --seq --stay`;
  const supd = await new Supd(t, {
    units: { flood: `command: ${JSON.stringify(command)}\nready: {grace: 100ms}\nrestart: {policy: never}\n` },
    args: ['--logs-max-size', String(MAX_SIZE), '--logs-keep', String(KEEP)],
  }).start();
  await supd.waitState('flood', 'ready');
  await waitUntil(() => fs.existsSync(supd.logFile('flood')) && fs.readFileSync(supd.logFile('flood'), 'utf8') === 'hello\n', 'hello in the log');

  // supctl logs -f, started before the flood: "hello" (its tail) shows it is attached.
  const follow = spawn(NODE, [SUPCTL, '--socket', supd.socket, 'logs', '-f', '-n', '1', 'flood'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (follow.exitCode === null && follow.signalCode === null) follow.kill('SIGKILL');
  });
  const followed: Buffer[] = [];
  let followedBytes = 0;
  let followErr = '';
  follow.stdout.on('data', (d: Buffer) => {
    followed.push(d);
    followedBytes += d.length;
  });
  follow.stderr.on('data', (d: Buffer) => (followErr += d.toString()));
  await waitUntil(() => Buffer.concat(followed).toString().startsWith('hello\n') || follow.exitCode !== null, 'logs -f to print the tail');
  t.equal(follow.exitCode, null, `logs -f is following ${followErr}`);

  fs.writeFileSync(gate, '');
  // The API answers all through the flood.
  let polls = 0;
  let midFlood = 0;
  const failed: string[] = [];
  const expected = 'hello\n'.length + BYTES;
  const end = Date.now() + 30_000;
  while (Date.now() < end) {
    const before = totalSize(logFiles(supd, 'flood'));
    const r = await supd.api('GET', '/v1/units');
    polls++;
    if (r.status !== 200) failed.push(`${r.status} ${r.text}`);
    if (before > 6 && before < expected) midFlood++;
    if (polls >= 20 && before >= expected) break;
  }
  t.same(failed, [], `GET /v1/units answered 200 every time (${polls} polls)`);
  t.comment(`${polls} API polls, ${midFlood} of them while the log was growing`);
  t.equal((await supd.unit('flood')).state, 'ready', 'the flooding unit is still ready');

  await waitUntil(() => totalSize(logFiles(supd, 'flood')) >= expected, 'the whole flood on disk', 30_000);
  // The follower gets what was written, or is cut off if it falls far behind; give it the rest.
  await waitUntil(() => followedBytes >= expected || follow.exitCode !== null, 'logs -f to catch up', 30_000);
  follow.kill('SIGTERM');

  const files = logFiles(supd, 'flood');
  t.ok(files.length >= 10, `the log rotated into several files (${files.length})`);
  t.equal(totalSize(files), expected, 'byte count preserved exactly across the files');
  const oversized: string[] = [];
  const cutInLine: string[] = [];
  for (const f of files.slice(0, -1)) {
    const size = fs.statSync(f).size;
    if (size > MAX_SIZE) oversized.push(path.basename(f));
    const fd = fs.openSync(f, 'r');
    const last = Buffer.alloc(1);
    fs.readSync(fd, last, 0, 1, size - 1);
    fs.closeSync(fd);
    if (last.toString() !== '\n') cutInLine.push(path.basename(f));
  }
  t.same(oversized, [], 'no rotated file is larger than logs.maxSize');
  t.same(cutInLine, [], 'every rotated file ends at a line boundary');

  // Every numbered line once, in order, and where each rotated file begins.
  const starts: number[] = [];
  let all: number[] = [];
  for (const f of files) {
    const s = seqs(fs.readFileSync(f, 'latin1'));
    if (s[0] !== undefined && all.length > 0) starts.push(s[0]);
    all = all.concat(s);
  }
  t.equal(all.length, LINES, 'every line is in the log');
  t.ok(all.every((n, i) => n === i), 'each line once, in order');

  // The follower: a contiguous run of lines (no gap, no repeat) that spans a rotation.
  const got = seqs(Buffer.concat(followed).toString('latin1'));
  t.ok(got.length > 0, 'logs -f received flood lines');
  const first = got[0] ?? -1;
  const last = got[got.length - 1] ?? -1;
  const gap = got.findIndex((n, i) => n !== first + i);
  t.equal(gap, -1, gap < 0 ? 'logs -f output is contiguous' : `logs -f output jumps at ${got[gap - 1]} → ${got[gap]}`);
  const crossed = starts.filter((s) => s > first && s <= last);
  t.ok(crossed.length > 0, `logs -f followed across a rotation (lines ${first}..${last}, ${crossed.length} rotations)`);
  const tail = Buffer.concat(followed).subarray(-200).toString('latin1');
  const cut = /fell too far behind/.test(tail);
  t.comment(`logs -f received ${got.length} of ${LINES} lines${cut ? ' (then supd cut the slow reader off, as designed)' : ''}`);
});
