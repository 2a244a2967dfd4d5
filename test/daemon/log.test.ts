import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import t from 'tap';
import { createLogger, logFormat, prettyLine, unitLogger, useColor } from '../../daemon/log.js';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const lines = (): Record<string, unknown>[] =>
    chunks.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
  return { stream, lines };
}

t.test('unit lines are JSON carrying the unit name', async (t) => {
  const out = capture();
  const root = createLogger({ level: 'info', destination: out.stream });
  unitLogger(root, 'aux_1').info({ from: 'starting', to: 'ready' }, 'transition');
  const [line] = out.lines();
  t.match(line, { unit: 'aux_1', msg: 'transition', from: 'starting', to: 'ready', name: 'supd', level: 30 });
});

t.test('lines below the level are dropped', async (t) => {
  const out = capture();
  const root = createLogger({ level: 'warn', destination: out.stream });
  root.info('quiet');
  root.warn('loud');
  t.same(out.lines().map((l) => l['msg']), ['loud']);
});

t.test('bearer tokens never reach the log', async (t) => {
  const out = capture();
  const root = createLogger({ level: 'info', destination: out.stream });
  root.info({ req: { headers: { authorization: 'Bearer s3cret' } }, token: 's3cret' }, 'request');
  const text = JSON.stringify(out.lines());
  t.notMatch(text, 's3cret');
  t.match(text, '[redacted]');
});

t.test('journal form: each JSON line carries its syslog priority, so journald keeps the level', async (t) => {
  const chunks: string[] = [];
  const root = createLogger({ level: 'trace', format: 'journal', destination: { write: (s: string) => { chunks.push(s); } } });
  root.fatal('f');
  root.error('e');
  root.warn('w');
  root.info('i');
  root.debug('d');
  t.same(chunks.map((c) => c.slice(0, 3)), ['<2>', '<3>', '<4>', '<6>', '<7>']);
  t.match(JSON.parse(chunks[1]?.slice(3) ?? '') as unknown, { level: 50, msg: 'e' }, 'the rest is the JSON line');
});

t.test('logFormat: journal only when JOURNAL_STREAM is that very fd, pretty on a terminal, JSON otherwise', async (t) => {
  const dir = t.testdir({ out: '' });
  const fd = fs.openSync(path.join(dir, 'out'), 'a');
  t.teardown(() => fs.closeSync(fd));
  const st = fs.fstatSync(fd);
  t.equal(logFormat({ JOURNAL_STREAM: `${st.dev}:${st.ino}` }, fd), 'journal');
  t.equal(logFormat({ JOURNAL_STREAM: `${st.dev}:${st.ino + 1}` }, fd), 'json', 'another stream (stdout redirected away from the journal)');
  t.equal(logFormat({}, fd), 'json');
  t.equal(useColor({}, fd), false, 'no colour into a file');
});

t.test('pretty form: time, level, message, then only the keys the message does not say', async (t) => {
  const line = JSON.stringify({ level: 50, time: new Date(2026, 0, 2, 3, 4, 5, 6).getTime(), pid: 1, hostname: 'h', name: 'supd', unit: 'aux_1', from: 'starting', to: 'failed', reason: 'exit 1; giving up', unitPid: 42, msg: 'aux_1: starting → failed: exit 1; giving up' });
  t.equal(prettyLine(line, false), '03:04:05.006 ERROR aux_1: starting → failed: exit 1; giving up  unitPid=42\n');
  const colored = prettyLine(line, true);
  t.match(colored, '\u001b[31mERROR');
  t.equal(colored.replace(/\u001b\[[0-9;]*m/g, ''), prettyLine(line, false), 'colour adds escapes only');
  const err = JSON.stringify({ level: 60, time: 0, msg: 'supd: boom', err: { type: 'TypeError', message: 'boom', stack: 'TypeError: boom\n    at f (x.js:1:1)' } });
  t.match(prettyLine(err, false), /FATAL supd: boom\n {2} {4}at f \(x\.js:1:1\)\n$/, 'a bug keeps its stack');
  const supdErr = JSON.stringify({ level: 60, time: 0, msg: 'supd: bad', err: { type: 'SupdError', message: 'bad', stack: 'SupdError: bad\n    at g' } });
  t.notMatch(prettyLine(supdErr, false), 'at g', 'supd\'s own errors need no stack');
  t.equal(prettyLine('not json\n', false), 'not json\n');
});

t.test('pretty logger end to end: one readable line per call', async (t) => {
  const chunks: string[] = [];
  const root = createLogger({ level: 'info', format: 'pretty', destination: { write: (s: string) => { chunks.push(s); } } });
  unitLogger(root, 'web').warn({ attempt: 2 }, 'web: ready → backoff: exited with code 1');
  t.match(chunks.join(''), /^\d\d:\d\d:\d\d\.\d{3} WARN {2}web: ready → backoff: exited with code 1 {2}attempt=2\n$/);
});
