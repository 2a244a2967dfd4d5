// The keys that make a unit a real server on a host: envFile, preStart, limits and reload, as
// resolved, and their errors at file:line:col.
import t from 'tap';
import { lines, load, messages, unit } from './_helpers.js';

t.test('envFile paths are absolute from the unit file; a leading - makes one optional', async (t) => {
  const r = load({
    'a.yaml': lines('command: run', 'envFile: [conf/a.env, -/etc/default/a, /srv/b.env]'),
    'b.yaml': lines('command: run', 'envFile: -b.env'),
  });
  t.same(messages(r), []);
  t.same(unit(r, 'a').envFile, [
    { path: `${process.cwd()}/units/conf/a.env`, optional: false },
    { path: '/etc/default/a', optional: true },
    { path: '/srv/b.env', optional: false },
  ]);
  t.same(unit(r, 'b').envFile, [{ path: `${process.cwd()}/units/b.env`, optional: true }]);
});

t.test('preStart is a list of commands, each with its own timeout (30s by default)', async (t) => {
  const r = load({
    'a.yaml': lines(
      'command: run',
      'preStart:',
      '  - mkdir -p /run/a',
      '  - [/usr/bin/install, -d, /var/lib/a]',
      '  - {command: "a-migrate --to ${unit}", timeout: 2m}',
    ),
    'b.yaml': lines('command: run', 'preStart: "test -r /etc/b.conf"'),
  });
  t.same(messages(r), []);
  t.same(unit(r, 'a').preStart, [
    { argv: ['/bin/sh', '-c', 'exec mkdir -p /run/a'], timeout: 30_000 },
    { argv: ['/usr/bin/install', '-d', '/var/lib/a'], timeout: 30_000 },
    { argv: ['/bin/sh', '-c', 'exec a-migrate --to a'], timeout: 120_000 },
  ]);
  t.same(unit(r, 'b').preStart, [{ argv: ['/bin/sh', '-c', 'exec test -r /etc/b.conf'], timeout: 30_000 }]);
});

t.test('limits: a number or infinity sets soft and hard; {soft, hard} sets each', async (t) => {
  const r = load({
    'a.yaml': lines('command: run', 'limits: {nofile: 65536, core: infinity, memlock: {soft: 65536, hard: infinity}, stack: {soft: 8388608, hard: 16777216}}'),
  });
  t.same(messages(r), []);
  t.same(unit(r, 'a').limits, {
    nofile: { soft: 65536, hard: 65536 },
    core: { soft: 'infinity', hard: 'infinity' },
    memlock: { soft: 65536, hard: 'infinity' },
    stack: { soft: 8388608, hard: 16777216 },
  });
});

t.test('reload is a signal or a command', async (t) => {
  const r = load({
    'a.yaml': lines('command: run', 'reload: {signal: HUP}'),
    'b.yaml': lines('command: run', 'reload: {command: "b-ctl reload", timeout: 5s}'),
  });
  t.same(messages(r), []);
  t.same(unit(r, 'a').reload, { signal: 'SIGHUP', command: null, timeout: 30_000 });
  t.same(unit(r, 'b').reload, { signal: null, command: ['/bin/sh', '-c', 'exec b-ctl reload'], timeout: 5_000 });
});

t.test('bad values of the new keys are reported where they are written', async (t) => {
  const r = load({
    'a.yaml': lines(
      'command: run',
      'limits:',
      '  nofile: {soft: 4096, hard: 1024}',
      '  nproc: lots',
      '  fsize: 10',
      'reload: {signal: HUP, command: x}',
      'preStart:',
      '  - {command: x, timeout: soon}',
      '  - {timeout: 1s}',
      'envFile: 3',
    ),
  });
  t.same(messages(r), [
    'units/a.yaml:4:10: limits.nproc: expected a number, infinity, or {soft, hard}, got "lots"',
    'units/a.yaml:5:3: limits: unknown key "fsize" (known: nofile, nproc, core, memlock, stack)',
    'units/a.yaml:8:27: preStart[0].timeout: expected a duration with a unit, like 250ms, 2s, 5m or 1h, got "soon"',
    'units/a.yaml:9:5: preStart[1]: missing key "command"',
    'units/a.yaml:10:10: envFile: expected a file, or a list of files (a leading - makes one optional), got 3',
  ]);
  const b = load({ 'b.yaml': lines('command: run', 'limits:', '  nofile: {soft: 4096, hard: 1024}', 'reload: {signal: HUP, command: x}') });
  t.same(messages(b), [
    'units/b.yaml:3:18: limits.nofile: soft limit 4096 is above the hard limit 1024',
    'units/b.yaml:4:1: reload: give one of signal or command (found both)',
  ]);
});
