// Each transition's reason says why that transition happened (issue 10 §6): through a start, a
// crash, a rollout step and a stop, every transition is listed with its reason, none repeating the
// event before it (`inactive → starting: exited …` was the bug).
import t from 'tap';
import { createFleet } from '../../daemon/core/fleet.js';
import type { FleetEffect } from '../../daemon/core/fleet.js';
import { exited, ofKind, runUntil, send, topology, unitSpec } from './helpers.js';

const transitions = (out: FleetEffect[]): string[] =>
  ofKind(out, 'transition').map((e) => `${e.unit}: ${e.from} → ${e.to}: ${e.reason}`);

t.test('start, crash, rollout step and stop: every reason names the cause of its own transition', async (t) => {
  const specs = [unitSpec('vdp'), unitSpec('aux_1', { requires: ['vdp'], safeStop: { signal: 'SIGUSR1' } })];
  const f = createFleet(specs, topology(specs), 0);
  const seen: string[] = [];

  seen.push(...transitions(send(f, 0, { type: 'start', units: ['aux_1'], job: null, by: 'supctl' })));
  seen.push(...transitions(runUntil(f, 5000)));
  seen.push(...transitions(exited(f, 'aux_1', 6000, 1)));
  seen.push(...transitions(runUntil(f, 10_000)));
  seen.push(...transitions(send(f, 20_000, { type: 'restart', units: ['aux_1'], safe: true, withDependents: false, strictLb: true, job: null, by: 'rollout r1' })));
  seen.push(...transitions(exited(f, 'aux_1', 20_100, 0)));
  seen.push(...transitions(runUntil(f, 25_000)));
  seen.push(...transitions(send(f, 30_000, { type: 'stop', units: ['vdp'], safe: false, job: null, by: 'supctl' })));
  seen.push(...transitions(exited(f, 'aux_1', 30_100, 0)));
  seen.push(...transitions(exited(f, 'vdp', 30_200, 0)));

  t.same(seen, [
    'vdp: inactive → starting: start requested by supctl (required by aux_1)',
    'aux_1: inactive → waiting: start requested by supctl; waiting for vdp',
    'vdp: starting → ready: ready: running for 1s',
    'aux_1: waiting → starting: requirement vdp ready',
    'aux_1: starting → ready: ready: running for 1s',
    'aux_1: ready → backoff: exited with code 1; restart 1 in 1s',
    'aux_1: backoff → starting: restart after crash (attempt 1)',
    'aux_1: starting → ready: ready: running for 1s',
    'aux_1: ready → draining: safe restart requested by rollout r1',
    'aux_1: draining → inactive: exited with code 0 while draining',
    'aux_1: inactive → starting: safe restart requested by rollout r1',
    'aux_1: starting → ready: ready: running for 1s',
    'aux_1: ready → stopping: stop requested by supctl (requires vdp)',
    'aux_1: stopping → inactive: stopped (exited with code 0)',
    'vdp: ready → stopping: stop requested by supctl, after its dependents stopped',
    'vdp: stopping → inactive: stopped (exited with code 0)',
  ]);
  t.match(f.units.get('vdp'), { reason: 'stopped (exited with code 0)' }, 'status shows the last transition\'s reason');
});

t.test('a remote requirement that answers is the reason its unit starts', async (t) => {
  const specs = [unitSpec('proxy', { requires: ['tcp://archive:9000'] })];
  const f = createFleet(specs, topology(specs), 0);
  const out = send(f, 0, { type: 'start', units: ['proxy'], job: null, by: 'supctl' });
  out.push(...runUntil(f, 0));
  const gen = f.units.get('proxy')?.gen ?? -1;
  out.push(...send(f, 10, { type: 'unit', unit: 'proxy', event: { type: 'remoteResult', gen, raw: 'tcp://archive:9000', ok: true, message: 'connected' } }));
  t.same(transitions(out), [
    'proxy: inactive → waiting: start requested by supctl; waiting for tcp://archive:9000',
    'proxy: waiting → starting: requirement tcp://archive:9000 answered',
  ]);
});

t.test('a unit stopped for missing its ready timeout backs off and restarts, each step saying so', async (t) => {
  // A tcp check whose probe results never come in: the ready timeout fires.
  const specs = [unitSpec('db', { ready: { check: { kind: 'tcp', host: '127.0.0.1', port: 1 }, timeout: 2000 }, restart: { delay: 500 } })];
  const f = createFleet(specs, topology(specs), 0);
  const out = send(f, 0, { type: 'start', units: ['db'], job: null, by: 'supctl' });
  out.push(...runUntil(f, 2000));
  out.push(...exited(f, 'db', 2100, null, 'SIGTERM'));
  out.push(...runUntil(f, 2600));
  t.same(transitions(out), [
    'db: inactive → starting: start requested by supctl',
    'db: starting → stopping: not ready after 2s',
    'db: stopping → backoff: not ready after 2s; restart 1 in 500ms',
    'db: backoff → starting: restart after failure (attempt 1)',
  ]);
});
