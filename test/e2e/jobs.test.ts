// One job for many targets, end to end: `supctl start a b c` is one request; a fails at once, b
// and c are slow and start in parallel (both are starting before either is ready), every target is
// attempted, and the output and exit code name all three outcomes plus the requirement the job
// started on the way (b requires r).
import t from 'tap';
import type { SupdEvent } from '../../daemon/control.js';
import { Supd, assertBuilt, fixture } from './harness.js';

assertBuilt();

type Transition = Extract<SupdEvent, { type: 'transition' }>;

t.test('start a b c: a fails, b and c start in parallel, every outcome is reported', async (t) => {
  const slow = `command: ${fixture('sleeper.js')}\nautostart: false\nready: {grace: 1500ms}\n`;
  const supd = await new Supd(t, {
    units: {
      a: 'command: [/bin/sh, -c, "echo cannot start; exit 1"]\nautostart: false\nrestart: {burst: 0}\n',
      r: `command: ${fixture('sleeper.js')}\nautostart: false\nready: {grace: 100ms}\n`,
      b: `${slow}requires: [r]\n`,
      c: slow,
    },
  }).start();
  const from = supd.events.length;
  const res = await supd.ctl('start', 'a', 'b', 'c');
  t.equal(res.code, 1, 'a failed: exit 1');
  const lines = res.stdout.trim().split('\n');
  t.equal(lines[0], 'start a b c: 1 of 4 failed', res.stdout + res.stderr);
  t.match(res.stdout, /\n {2}a {2}FAILED: exited with code 1 before ready/);
  t.match(res.stdout, /\n {2}b {2}started\n/);
  t.match(res.stdout, /\n {2}c {2}started\n/);
  t.match(res.stdout, /\n {2}r {2}started \(required\)\n/, 'the requirement it started is named');
  t.match(res.stderr, /a: exited with code 1 before ready/);
  t.match(res.stderr, /cannot start/, "a's last log lines");

  const tr = supd.events.slice(from).filter((e): e is Transition => e.type === 'transition');
  const at = (unit: string, to: string): number => tr.findIndex((e) => e.unit === unit && e.to === to);
  for (const u of ['b', 'c']) t.ok(at(u, 'ready') >= 0, `${u} became ready`);
  const firstReady = Math.min(at('b', 'ready'), at('c', 'ready'));
  t.ok(at('b', 'starting') < firstReady && at('c', 'starting') < firstReady, 'b and c were both starting before either was ready');
  t.ok(at('r', 'ready') < at('b', 'starting'), 'b waited for r');
  t.match(await supd.unit('a'), { state: 'failed' });

  // The same with --json: one CommandResult holding every unit's outcome.
  await supd.ctl('stop', 'b', 'c', 'r');
  const json = await supd.ctl('--json', 'start', 'b', 'c');
  t.equal(json.code, 0, json.stderr);
  const body = JSON.parse(json.stdout) as { outcomes: { unit: string; role: string; outcome: string }[] };
  t.same(body.outcomes.map((o) => `${o.unit} ${o.role} ${o.outcome}`).sort(), ['b target done', 'c target done', 'r requirement done']);
});
