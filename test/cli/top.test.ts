// supctl top without a terminal: the model fed by events, the keys, and the rendered screen
// (size, colour, unit-supplied text made harmless). The tmux test (test/e2e/top.test.ts) drives
// the real thing.
import t from 'tap';
import type { RolloutView, SupdEvent, UnitStatus } from '../../daemon/api/contract.js';
import { parseSse } from '../../cli/top/feed.js';
import { onKey } from '../../cli/top/keys.js';
import type { Key } from '../../cli/top/keys.js';
import { emptyModel, withEvent, withLogText, withLogUnit, withStatus } from '../../cli/top/model.js';
import type { TopModel } from '../../cli/top/model.js';
import { printable, renderTop } from '../../cli/top/view.js';

const NOW = Date.parse('2026-01-01T12:00:00.000Z');

function unit(name: string, over: Partial<UnitStatus> = {}): UnitStatus {
  return {
    name, state: 'ready', goal: 'up', pid: 100, restarts: 0, reason: 'ready: tcp 127.0.0.1:7000', since: new Date(NOW - 5000).toISOString(),
    uptime: 65_000, stale: false, cpu: 1.5, memory: 20_000_000, lastExit: null, groups: ['web'], connections: null,
    lbDisabled: false, forced: false, rollout: null, logError: null, retryIn: null, changed: false, ...over,
  };
}

const FLEET = [unit('vdp', { pid: 10 }), unit('aux_1', { pid: 11, groups: ['slaves'] }), unit('aux_2', { pid: 12, groups: ['slaves'] })];

function model(units = FLEET): TopModel {
  return { ...withStatus(emptyModel(), units, NOW), connection: { kind: 'live' } };
}

const SGR = /\x1b\[[0-9;]*m/g;
const plain = (lines: string[]): string[] => lines.map((l) => l.replace(SGR, ''));

function screen(m: TopModel, width = 80, height = 24, color = false): string[] {
  return renderTop(m, { width, height, color, now: NOW, where: '/run/supd.sock' });
}

function transition(u: string, from: UnitStatus['state'], to: UnitStatus['state'], pid: number | null, at = NOW): SupdEvent {
  return { type: 'transition', unit: u, from, to, reason: `${from} → ${to}`, at: new Date(at).toISOString(), pid };
}

t.test('server-sent events: whole blocks parsed, the :ok comment seen, a partial block kept', async (t) => {
  const e = transition('vdp', 'ready', 'stopping', 10);
  const text = `:ok\n\nevent: transition\ndata: ${JSON.stringify(e)}\n\n:keepalive\n\nevent: transition\ndata: {"ty`;
  const r = parseSse(text);
  t.ok(r.ok);
  t.same(r.events, [e]);
  t.equal(r.rest, 'event: transition\ndata: {"ty');
  t.same(parseSse(r.rest + 'pe":"stale","unit":"a","stale":true,"reason":"x","at":"2026-01-01T00:00:00Z"}\n\n').events.length, 1);
});

t.test('a transition moves the unit at once; a respawn restarts its uptime', async (t) => {
  let m = model();
  let r = withEvent(m, transition('aux_1', 'ready', 'backoff', null, NOW + 1000));
  t.notOk(r.refresh);
  m = r.model;
  const aux = m.units.find((u) => u.status.name === 'aux_1');
  t.equal(aux?.status.state, 'backoff');
  t.equal(aux?.status.pid, null);
  t.equal(aux?.spawnedAt, null);
  r = withEvent(m, transition('aux_1', 'backoff', 'starting', 99, NOW + 2000));
  t.equal(r.model.units.find((u) => u.status.name === 'aux_1')?.spawnedAt, NOW + 2000, 'uptime counts from the spawn');
  t.ok(withEvent(m, transition('newcomer', 'inactive', 'starting', 5)).refresh, 'an unknown unit asks for a status read');
});

t.test('a spawned event (the unit still starting) gives the row its pid and starts its uptime', async (t) => {
  const m = withEvent(model(), transition('aux_1', 'ready', 'backoff', null, NOW + 1000)).model;
  const up = withEvent(m, transition('aux_1', 'backoff', 'starting', null, NOW + 2000)).model;
  const spawned: SupdEvent = { type: 'spawned', unit: 'aux_1', pid: 4242, at: new Date(NOW + 2100).toISOString() };
  const row = withEvent(up, spawned).model.units.find((u) => u.status.name === 'aux_1');
  t.equal(row?.status.state, 'starting');
  t.equal(row?.status.pid, 4242);
  t.equal(row?.spawnedAt, NOW + 2100);
});

t.test('a reload marks running units whose file changed until their next spawn', async (t) => {
  const reload: SupdEvent = { type: 'reload', at: new Date(NOW).toISOString(), result: { ok: true, added: [], changed: ['vdp'], removed: [], diagnostics: [] } };
  let r = withEvent(model(), reload);
  t.ok(r.refresh);
  t.ok(r.model.units[0]?.changed);
  t.match(plain(screen(r.model)).join('\n'), /vdp\s+ready,changed/);
  r = withEvent(r.model, transition('vdp', 'stopping', 'starting', 777));
  t.notOk(r.model.units[0]?.changed, 'the new process runs the new file');
});

t.test('the screen: exact size, every unit with its state, the selection, the log tail', async (t) => {
  for (const [w, h] of [[80, 24], [200, 50], [40, 10]] as const) {
    const lines = plain(screen(withLogText(withLogUnit(model(), 'vdp'), 'vdp', 'one\ntwo\n'), w, h));
    t.equal(lines.length, h, `${w}×${h}: ${h} lines`);
    t.ok(lines.every((l) => [...l].length === w), `${w}×${h}: every line exactly ${w} wide`);
    for (const u of FLEET) t.match(lines.join('\n'), new RegExp(`${u.name}\\s+ready`), `${w}×${h}: ${u.name} ready`);
  }
  const lines = plain(screen(withLogText(withLogUnit(model(), 'vdp'), 'vdp', 'one\ntwo\n')));
  t.match(lines.find((l) => l.includes('vdp ')), /^>/, 'the first unit is selected');
  t.ok(lines.some((l) => l.startsWith('two')), 'the selected unit\'s log tail');
  t.match(lines[0], /live · 3 units: 3 ready/);
  t.match(lines.join('\n'), /1m05s/, 'uptime');
});

t.test('colour only when asked, and unit-supplied text cannot drive the terminal', async (t) => {
  const evil = unit('vdp', { reason: 'boom \x1b[2J\x1b]0;pwned\x07 done\r' });
  const m = withLogText(withLogUnit(model([evil]), 'vdp'), 'vdp', '<script>\x1b[31mred\x1b[0m\x07\n');
  const mono = screen(m);
  t.notOk(mono.some((l) => l.includes('\x1b')), 'no escape at all without colour');
  const colour = screen(m, 80, 24, true);
  t.ok(colour.some((l) => /\x1b\[32m/.test(l) || /\x1b\[7m/.test(l)), 'states in colour');
  t.notOk(colour.some((l) => /\x1b\[2J|\x1b\]|\x07|\r/.test(l)), 'nothing from the unit reaches the terminal as a control sequence');
  t.ok(plain(colour).some((l) => l.startsWith('<script>red')), 'the text itself is shown');
  t.equal(printable('a\tb\x00c\x9bd'), 'a  bcd');
});

t.test('supd gone: a banner with the reason and the retry; rollouts with their steps', async (t) => {
  const rollout: RolloutView = {
    id: 'r1', target: 'slaves', strategy: 'one-by-one', maxUnavailable: null, budget: 1, canary: null, state: 'running', trigger: 'api', safe: true, created: new Date(NOW).toISOString(),
    finished: null, error: null,
    steps: [{ unit: 'aux_1', batch: 0, action: 'restart', state: 'ok', reason: null }, { unit: 'aux_2', batch: 1, action: 'restart', state: 'in-progress', reason: null }],
  };
  let m = withEvent(model(), { type: 'rollout', rollout, at: new Date(NOW).toISOString() }).model;
  let text = plain(screen(m)).join('\n');
  t.match(text, /rollout r1 slaves one-by-one running/);
  t.match(text, /aux_1 ok\s+aux_2 in-progress/);
  m = { ...m, connection: { kind: 'down', reason: 'connection refused', retryAt: NOW + 2000, since: NOW - 3000 } };
  text = plain(screen(m)).join('\n');
  t.match(text, /supd unreachable · retry in 2s · data 3s old · connection refused/);
  t.match(text, /OFFLINE/);
});

const key = (sequence: string, name?: string): Key => ({ sequence, name: name ?? sequence.toLowerCase() });

t.test('keys: move, stop asks first, X drains, / filters, l shows the log, q quits', async (t) => {
  let m = model();
  m = onKey(m, key('j'), 10).model;
  t.equal(m.selected, 'aux_1');
  m = onKey(m, { name: 'down' }, 10).model;
  t.equal(m.selected, 'aux_2');
  m = onKey(m, key('k'), 10).model;
  t.equal(m.selected, 'aux_1');

  let r = onKey(m, key('x'), 10);
  t.same(r.effect, { kind: 'none' }, 'x does not stop yet');
  t.match(plain(screen(r.model))[23], /stop aux_1\? y\/n/);
  t.same(onKey(r.model, key('n'), 10).effect, { kind: 'none' }, 'n cancels');
  t.same(onKey(r.model, key('y'), 10).effect, { kind: 'act', action: 'stop', unit: 'aux_1' });
  r = onKey(m, { sequence: 'X', name: 'x' }, 10);
  t.same(onKey(r.model, key('y'), 10).effect, { kind: 'act', action: 'safe-stop', unit: 'aux_1' }, 'X is the safe stop');
  t.same(onKey(m, key('s'), 10).effect, { kind: 'act', action: 'start', unit: 'aux_1' }, 's starts without asking');
  t.same(onKey(onKey(m, key('r'), 10).model, key('y'), 10).effect, { kind: 'act', action: 'restart', unit: 'aux_1' });

  m = onKey(m, key('/'), 10).model;
  for (const ch of 'vd') m = onKey(m, key(ch), 10).model;
  t.same(plain(screen(m)).filter((l) => /^[> ][ *](vdp|aux)/.test(l)).length, 1, 'the filter applies as it is typed');
  m = onKey(m, { name: 'return' }, 10).model;
  t.equal(m.filter, 'vd');
  t.equal(m.selected, 'vdp', 'the selection moves to a visible unit');
  m = onKey(m, { name: 'escape' }, 10).model;
  t.equal(m.filter, '');

  m = onKey(m, key('l'), 10).model;
  t.ok(m.fullLog !== null);
  t.match(plain(screen(m))[1], /log: /);
  m = onKey(m, { name: 'escape' }, 10).model;
  t.equal(m.fullLog, null);
  t.same(onKey(m, key('q'), 10).effect, { kind: 'quit' });
  t.same(onKey(m, { name: 'c', ctrl: true }, 10).effect, { kind: 'quit' });
});
