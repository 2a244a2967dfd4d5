// The journal replay, the boot targets and the survivors' stop order, without processes; and the
// survivor search over a synthetic process table.
import t from 'tap';
import { bootTargets, stopWaves } from '../../daemon/core/recovery.js';
import { replay } from '../../daemon/edges/journal.js';
import { findSurvivors } from '../../daemon/recovery.js';
import type { ProcInfo } from '../../daemon/edges/proctree.js';

const line = (r: object): string => `${JSON.stringify(r)}\n`;

t.test('replay: a run without its exit may still live; the last hand-set goal wins; torn lines are counted', async (t) => {
  const text = [
    line({ t: 'run', unit: 'a', pid: 10, start: 100 }),
    line({ t: 'run', unit: 'b', pid: 11, start: 101 }),
    line({ t: 'exit', unit: 'a', pid: 10 }),
    line({ t: 'run', unit: 'a', pid: 12, start: 150 }),
    line({ t: 'goal', unit: 'c', goal: 'down' }),
    line({ t: 'goal', unit: 'c', goal: 'up' }),
    line({ t: 'goal', unit: 'd', goal: 'down' }),
    line({ t: 'run', unit: 'x', pid: 'nope', start: 1 }),
    '{"t":"run","unit":"e","pi',
  ].join('');
  const r = replay(text);
  t.same([...r.runs].sort(([x], [y]) => x.localeCompare(y)), [['a', [{ pid: 12, start: 150 }]], ['b', [{ pid: 11, start: 101 }]]]);
  t.same([...r.goals], [['c', 'up'], ['d', 'down']]);
  t.equal(r.bad, 2, 'the malformed record and the torn last line');
  t.same(replay(''), { runs: new Map(), goals: new Map(), bad: 0 }, 'no journal: a first boot');
});

t.test('bootTargets: hand-set goals override autostart both ways', async (t) => {
  const units = [
    { name: 'auto', autostart: true },
    { name: 'stoppedByHand', autostart: true },
    { name: 'manual', autostart: false },
    { name: 'startedByHand', autostart: false },
  ];
  const goals = new Map<string, 'up' | 'down'>([['stoppedByHand', 'down'], ['startedByHand', 'up'], ['gone', 'up']]);
  t.same(bootTargets(units, goals), ['auto', 'startedByHand']);
});

t.test('stopWaves: dependents before what they depend on; unrelated units together', async (t) => {
  // db <- app <- web; cache alone.
  const deps: Record<string, string[]> = { db: ['app', 'web'], app: ['web'], web: [], cache: [] };
  const closure = (names: readonly string[]): string[] => [...new Set(names.flatMap((n) => [n, ...(deps[n] ?? [])]))];
  t.same(stopWaves(['db', 'app', 'web', 'cache'], closure), [['web', 'cache'], ['app'], ['db']]);
  t.same(stopWaves(['db', 'web'], closure), [['web'], ['db']], 'a dependent that is not a survivor does not hold anything');
  t.same(stopWaves(['db'], closure), [['db']]);
});

t.test('findSurvivors: same process, an orphaned group, a reused pid', async (t) => {
  const p = (pid: number, ppid: number, pgrp: number, start: number): ProcInfo => ({ pid, ppid, pgrp, session: pgrp, state: 'S', start });
  const procs = [
    p(1, 0, 1, 0),
    p(100, 1, 100, 500), // a's main process, still the same one
    p(101, 100, 100, 510), // its child
    p(205, 1, 200, 620), // b's main (200) is gone; its grandchild lives on in group 200
    p(300, 1, 300, 999), // c's pid 300 now names another process (started later)
    p(301, 300, 300, 1000),
  ];
  const runs = new Map([
    ['a', [{ pid: 100, start: 500 }]],
    ['b', [{ pid: 200, start: 600 }]],
    ['c', [{ pid: 300, start: 700 }]],
    ['d', [{ pid: 400, start: 800 }]],
  ]);
  const found = findSurvivors({ runs, goals: new Map(), bad: 0 }, procs);
  t.same(found.map((s) => ({ unit: s.unit, pid: s.pid, members: [...s.members].sort() })), [
    { unit: 'a', pid: 100, members: [100, 101] },
    { unit: 'b', pid: null, members: [205] },
  ], 'c (pid reused) and d (gone) are left alone');
});
