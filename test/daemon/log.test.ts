import { Writable } from 'node:stream';
import t from 'tap';
import { createLogger, unitLogger } from '../../daemon/log.js';

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
