import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import t from 'tap';
import { createLogStore, type LogStore, type LogStoreOptions } from '../../daemon/edges/logs.js';
import { findCut } from '../../daemon/edges/logfiles.js';
import { createReaper, fixture, waitFor, type TapTest } from './helpers.js';

function store(t: TapTest, opts: Partial<LogStoreOptions> = {}) {
  const dir = t.testdir();
  const errors: string[] = [];
  const logs = createLogStore({ logDir: dir, maxSize: 0, keep: 5, onError: (_u, m) => errors.push(m), ...opts });
  t.teardown(() => logs.closeAll());
  return { dir, logs, errors };
}

/** Every capture file of a unit, oldest first, concatenated. */
function allOutput(dir: string, unit: string): { text: Buffer; files: string[] } {
  const files = readdirSync(dir)
    .filter((f) => f === `${unit}.log` || f.startsWith(`${unit}.log.`))
    .sort((a, b) => rank(b) - rank(a));
  return { text: Buffer.concat(files.map((f) => readFileSync(path.join(dir, f)))), files };
}
const rank = (f: string): number => (f.endsWith('.log') ? 0 : Number(f.slice(f.lastIndexOf('.') + 1)));

/** Waits until the unit's file holds `bytes` bytes in all (the stream delivers asynchronously). */
function written(logs: LogStore, unit: string, bytes: number): Promise<boolean> {
  return waitFor(() => logs.counters(unit).written >= bytes, `${bytes} bytes written`);
}

function lines(from: number, to: number): string {
  let s = '';
  for (let i = from; i <= to; i++) s += `line ${i}\n`;
  return s;
}

t.test('a fast writer is captured byte-exact across many rotations', async (t) => {
  const { dir, logs, errors } = store(t, { maxSize: 256 * 1024, keep: 100 });
  const reaper = createReaper();
  const total = 20 * 1024 * 1024;
  const [cmd, ...args] = fixture('flood.js', '--bytes', String(total), '--seq');
  const child = spawn(cmd as string, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  reaper.track(child.pid);
  logs.attach('flood', child.stdout, child.stderr);
  await new Promise((r) => child.once('close', r));
  await logs.closeAll();
  const { text, files } = allOutput(dir, 'flood');
  t.equal(text.length, total, 'every byte is in exactly one file');
  t.ok(files.length > 50, `rotated many times (${files.length} files)`);
  let expected = 0;
  let bad = -1;
  for (let off = 0; off < text.length; off += 100) {
    if (Number(text.subarray(off, off + 12).toString('latin1')) !== expected++) {
      bad = off;
      break;
    }
  }
  t.equal(bad, -1, 'lines are in order with none lost or doubled');
  for (const f of files.filter((f) => f !== 'flood.log')) {
    const size = statSync(path.join(dir, f)).size;
    if (size > 256 * 1024 || size % 100 !== 0) t.fail(`${f} has ${size} bytes`);
  }
  t.pass('each rotated file fits maxSize and ends on a line boundary');
  t.same(errors, []);
  t.same(await reaper.killAll(), []);
});

t.test('rotation keeps only `keep` rotated files, newest as .1', async (t) => {
  const { dir, logs } = store(t, { maxSize: 100, keep: 2 });
  const s = new PassThrough();
  logs.attach('k', s);
  for (let i = 0; i < 5; i++) s.write(`${String(i).repeat(59)}\n${String(i).repeat(39)}\n`); // 100 bytes each
  s.end();
  await logs.close('k');
  t.same(readdirSync(dir).sort(), ['k.log', 'k.log.1', 'k.log.2']);
  t.equal(readFileSync(path.join(dir, 'k.log.1'), 'utf8')[0], '3');
  t.equal(readFileSync(path.join(dir, 'k.log'), 'utf8')[0], '4');
});

t.test('tail reads back across rotated files when the current one is short', async (t) => {
  const { logs } = store(t, { maxSize: 64, keep: 20 });
  const s = new PassThrough();
  logs.attach('t', s);
  s.write(lines(1, 40));
  await written(logs, 't', lines(1, 40).length);
  t.equal(await logs.tail('t', 3), lines(38, 40));
  t.equal(await logs.tail('t', 25), lines(16, 40), 'spans several files');
  t.equal(await logs.tail('t', 1000), lines(1, 40), 'everything when fewer lines exist');
  s.write('partial');
  await written(logs, 't', lines(1, 40).length + 7);
  t.equal(await logs.tail('t', 2), 'line 40\npartial', 'an unfinished last line counts');
  t.equal(await logs.tail('nothing-here', 5), '', 'a unit without a log has an empty tail');
});

t.test('follow delivers new data as written, continuing across rotations', async (t) => {
  const { logs } = store(t, { maxSize: 50, keep: 3 });
  const s = new PassThrough();
  logs.attach('f', s);
  s.write('before follow\n');
  await written(logs, 'f', 14);
  const got: Buffer[] = [];
  const f = logs.follow('f', (c) => got.push(c));
  const text = lines(1, 30);
  s.write(text);
  await waitFor(() => Buffer.concat(got).length >= text.length, 'followed data');
  t.equal(Buffer.concat(got).toString(), text);
  f.close();
  s.write('after close\n');
  await written(logs, 'f', 14 + text.length + 12);
  t.equal(Buffer.concat(got).toString(), text, 'nothing after close');
});

t.test('follow with lines starts with the tail, stitched to live data', async (t) => {
  const { logs } = store(t, { maxSize: 40, keep: 5 });
  const s = new PassThrough();
  logs.attach('fl', s);
  s.write(lines(1, 5));
  await written(logs, 'fl', lines(1, 5).length);
  const got: Buffer[] = [];
  logs.follow('fl', (c) => got.push(c), { lines: 2 });
  s.write(lines(6, 8));
  await waitFor(() => Buffer.concat(got).toString().endsWith('line 8\n'), 'followed data');
  t.equal(Buffer.concat(got).toString(), lines(4, 8));
});

t.test('watchFor finds a match split across chunks', async (t) => {
  const { logs } = store(t);
  const s = new PassThrough();
  logs.attach('w', s);
  const matches: string[] = [];
  logs.watchFor('w', /ready on port \d+/, (m) => matches.push(m));
  s.write('starting\nrea');
  s.write('dy on po');
  s.write('rt 8080\n');
  await waitFor(() => matches.length > 0, 'a match');
  t.same(matches, ['ready on port 8080']);
  s.write('ready on port 9090\n');
  await written(logs, 'w', 47);
  t.same(matches, ['ready on port 8080'], 'a watch fires once');
});

t.test('watchFor anchors ^ and $ at lines, however the output was cut', async (t) => {
  const { logs } = store(t);
  const s = new PassThrough();
  logs.attach('anchors', s);
  const matches: string[] = [];
  logs.watchFor('anchors', /^Listening on \d+$/, (m) => matches.push(m));
  s.write('booting\nnot Listening on 1\nListening on 2\nmore\n'); // one chunk, several lines
  await waitFor(() => matches.length > 0, 'a match');
  t.same(matches, ['Listening on 2']);
});

t.test('watchFor decodes UTF-8 split inside a character', async (t) => {
  const { logs } = store(t);
  const s = new PassThrough();
  logs.attach('u8', s);
  const matches: string[] = [];
  logs.watchFor('u8', /prêt/, (m) => matches.push(m));
  const bytes = Buffer.from('prêt\n');
  s.write(bytes.subarray(0, 3)); // splits the two bytes of ê
  s.write(bytes.subarray(3));
  await waitFor(() => matches.length > 0, 'a match');
  t.same(matches, ['prêt']);
});

t.test('watchFor armed late still sees what the current process already wrote', async (t) => {
  const { logs } = store(t);
  const old = new PassThrough();
  logs.attach('late', old);
  old.write('ready from the old process\n');
  old.end();
  await written(logs, 'late', 27);
  const cur = new PassThrough();
  logs.attach('late', cur);
  cur.write('booting\n');
  const matches: string[] = [];
  await written(logs, 'late', 27 + 8);
  const w = logs.watchFor('late', /ready.*/, (m) => matches.push(m));
  await Promise.resolve(); // a match found while arming is delivered in a microtask
  t.same(matches, [], "the previous process's output does not count");
  cur.write('ready now\n');
  await waitFor(() => matches.length > 0, 'a match');
  t.same(matches, ['ready now']);
  w.cancel();
});

t.test("output still draining from the previous process does not satisfy the new one's watch", async (t) => {
  const { logs } = store(t);
  const old = new PassThrough();
  logs.attach('drain', old);
  const cur = new PassThrough();
  logs.attach('drain', cur); // respawned while the old pipe still delivers
  const matches: string[] = [];
  logs.watchFor('drain', /ready/, (m) => matches.push(m));
  old.write('ready (old)\n');
  cur.write('booting\n');
  await written(logs, 'drain', 20);
  await Promise.resolve();
  t.same(matches, []);
  cur.write('ready\n');
  await waitFor(() => matches.length > 0, 'a match');
  t.same(matches, ['ready']);
  t.match(await logs.tail('drain', 3), 'ready (old)', 'the old output is still in the file');
});

t.test('watchFor on a real child that writes in pieces', async (t) => {
  const { logs } = store(t);
  const reaper = createReaper();
  const [cmd, ...args] = fixture('chunks.js', 'serv', 'er lis', 'tening\\n', '--gap', '20');
  const child = spawn(cmd as string, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  reaper.track(child.pid);
  logs.attach('c', child.stdout, child.stderr);
  const match = await new Promise<string>((r) => logs.watchFor('c', /server listening/, r));
  t.equal(match, 'server listening');
  t.same(await reaper.killAll(), []);
});

t.test('a writer faster than the disk is paused, and nothing is lost', async (t) => {
  const { dir, logs } = store(t, { highWaterMark: 64 * 1024, maxSize: 100_000, keep: 50 });
  const s = new PassThrough({ highWaterMark: 16 * 1024 });
  let pauses = 0;
  s.on('pause', () => pauses++);
  logs.attach('bp', s);
  const block = Buffer.from(lines(1, 3000));
  let written = 0;
  for (let i = 0; i < 40; i++) {
    // Respect the stream's own backpressure, as a child's pipe does.
    if (!s.write(block)) await new Promise((r) => s.once('drain', r));
    written += block.length;
  }
  s.end();
  await logs.close('bp');
  t.ok(pauses > 0, 'the source was paused');
  t.equal(allOutput(dir, 'bp').text.length, written);
});

t.test('findCut cuts after the last newline that fits, or rotates first', async (t) => {
  const b = [Buffer.from('aaa\nbb'), Buffer.from('b\ncc')];
  t.equal(findCut(b, 9, true), 8, 'after the newline inside the second buffer');
  t.equal(findCut(b, 7, true), 4, 'after the newline inside the first buffer');
  t.equal(findCut([Buffer.from('xxxxxx')], 3, true), 0, 'no newline: rotate first');
  t.equal(findCut([Buffer.from('xxxxxx')], 3, false), 3, 'no newline, empty file: cut at the limit');
});
