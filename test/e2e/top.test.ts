// supctl top in a real terminal (tmux): the example fleet at 80×24 and 200×50, a crash-restart
// shown as it happens, keys that stop and start units, supd going away and coming back, q
// restoring the terminal, NO_COLOR, --host with tokens, and the refusal when not on a terminal.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import { vdpFleet } from './fleet-copy.js';
import { assertBuilt, NODE, runCli, Supd, SUPCTL } from './harness.js';
import { Tmux, tmuxAvailable } from './tmux.js';

assertBuilt();
// A real fleet started, stopped and started again, on two cores shared with the rest of the suite.
t.setTimeout(300_000);

const UNITS = ['vdp', 'aux_1', 'aux_2'];
const COLOUR = /\x1b\[[0-9;]*3[1-7]m/;

function tempDir(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'supd-top-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The screen row of a unit: `[>][*]name  state  pid …`. */
function row(screen: string, unit: string): string[] | null {
  const line = screen.split('\n').find((l) => new RegExp(`^[> ][ *]${unit} `).test(l));
  return line === undefined ? null : line.slice(2).trim().split(/\s+/);
}

function allReady(screen: string): boolean {
  return UNITS.every((u) => row(screen, u)?.[1] === 'ready');
}

async function fleet(t: Test, args: (port: number) => string[] = () => []): Promise<Supd & { port: number }> {
  const { units, ports: [port = 0] } = await vdpFleet(tempDir(t), 1);
  const supd = Object.assign(new Supd(t, { unitsDir: units, args: args(port) }), { port });
  await supd.start();
  for (const u of UNITS) await supd.waitState(u, 'ready');
  return supd;
}

t.test('supctl top', { skip: tmuxAvailable() ? false : 'tmux is not installed (Debian package tmux)' }, async (t) => {
  t.test('80×24 in colour: every unit, a crash-restart as it happens, supd away and back, q restores the terminal', async (t) => {
    const supd = await fleet(t);
    const tmux = new Tmux(t, tempDir(t));
    tmux.start([NODE, SUPCTL, '--socket', supd.socket, 'top', '--interval', '1'], 80, 24, { TERM: 'xterm-256color', NO_COLOR: '' });
    const first = await tmux.waitScreen((s) => allReady(s) && s.includes('· live ·'), 'every unit ready on screen, the event stream live');
    t.match(first, /supd top · live · 3 units: 3 ready/);
    t.equal(first.split('\n').filter((l) => l !== '').length <= 24, true);
    t.match(tmux.capture(true), COLOUR, 'states are coloured');
    t.equal(tmux.display('#{alternate_on}'), '1', 'on the alternate screen');

    // A crash: SIGKILL to aux_1. supd's event says it crashed; the screen follows.
    const old = await supd.unit('aux_1');
    const from = supd.events.length;
    process.kill(old.pid ?? -1, 'SIGKILL');
    const crashed = await supd.waitEvent((e) => e.type === 'transition' && e.unit === 'aux_1' && e.from === 'ready', 'aux_1 crash event', from);
    const seenAt = Date.now();
    await tmux.waitScreen((s) => {
      const r = row(s, 'aux_1');
      return r !== null && (r[1] === 'backoff' || r[2] !== String(old.pid));
    }, 'the crash on screen');
    t.comment(`crash on screen ${Date.now() - seenAt} ms after the test saw supd's event`);
    const back = await supd.waitState('aux_1', 'ready', crashed);
    t.ok(back > crashed);
    const pid = String((await supd.unit('aux_1')).pid);
    const restarted = await tmux.waitScreen((s) => row(s, 'aux_1')?.[2] === pid && row(s, 'aux_1')?.[4] === '1', 'aux_1 ready again with its new pid and 1 restart');
    t.match(row(restarted, 'aux_1'), ['aux_1', 'ready', pid]);

    // supd goes away: a banner, the last known rows kept; it comes back: live again by itself.
    await supd.stop();
    const down = await tmux.waitScreen((s) => s.includes('supd unreachable'), 'the banner');
    t.match(down, /OFFLINE/);
    t.match(down, /retry in \d+s/);
    await supd.start();
    for (const u of UNITS) await supd.waitState(u, 'ready');
    const again = await tmux.waitScreen((s) => s.includes('top · live') && !s.includes('unreachable') && allReady(s), 'live again');
    t.equal(row(again, 'vdp')?.[2], String((await supd.unit('vdp')).pid), 'the new supd\'s pids');

    // A resize redraws at the new size.
    tmux.resize(120, 30);
    const header = (s: string): string => s.split('\n')[0] ?? '';
    const wide = await tmux.waitScreen((s) => /\d\d:\d\d:\d\d\s*$/.test(header(s)) && header(s).trimEnd().length >= 115, 'the header spans 120 columns');
    t.ok(allReady(wide), 'every unit still shown after the resize');

    tmux.keys('q');
    const after = await tmux.waitScreen((s) => /exited \d+\s*\n-?icanon/.test(s), 'top exits and the shell reads the terminal mode');
    t.match(after, /exited 0/, 'q exits 0');
    t.match(after, /(^|\s)icanon(\s|$)/m, 'the terminal is back in line mode');
    t.match(after, /(^|\s)echo(\s|$)/m, 'with echo on');
    t.notMatch(after, /supd top/, 'top\'s screen is gone');
    t.equal(tmux.display('#{alternate_on}'), '0', 'off the alternate screen');
    t.equal(tmux.display('#{cursor_flag}'), '1', 'the cursor is visible');
  });

  t.test('200×50 over --host with NO_COLOR: the keys of an operator stop and start a unit, a viewer is refused visibly', async (t) => {
    const dir = tempDir(t);
    const tokens = path.join(dir, 'tokens.json');
    fs.writeFileSync(tokens, JSON.stringify({ 'op-token-top': 'operator', 'view-token-top': 'viewer' }), { mode: 0o600 });
    const supd = await fleet(t, (p) => ['--listen', `127.0.0.1:${p}`, '--tokens-file', tokens]);
    const port = supd.port;
    const tmux = new Tmux(t, dir);
    tmux.start([NODE, SUPCTL, '--host', `http://127.0.0.1:${port}`, 'top'], 200, 50, { NO_COLOR: '1', SUPCTL_TOKEN: 'op-token-top', TERM: 'xterm-256color' });
    const first = await tmux.waitScreen(allReady, 'every unit ready on screen');
    t.match(first, new RegExp(`http://127.0.0.1:${port}`));
    t.notMatch(tmux.capture(true), COLOUR, 'NO_COLOR: no colour');
    t.ok(first.split('\n').some((l) => l.length > 150), 'the wide terminal is used');

    // The selection starts on the first unit; move to aux_1, stop it (asks), then start it.
    const order = first.split('\n').filter((l) => /^[> ][ *](vdp|aux_\d) /.test(l)).map((l) => l.slice(2).split(/\s+/)[0]);
    for (let i = 0; i < order.indexOf('aux_1'); i++) tmux.keys('j');
    await tmux.waitScreen((s) => /^>.aux_1 /m.test(s), 'aux_1 selected');
    const from = supd.events.length;
    tmux.keys('x');
    await tmux.waitScreen((s) => s.includes('stop aux_1? y/n'), 'the question');
    tmux.keys('y');
    await supd.waitState('aux_1', 'inactive', from);
    await tmux.waitScreen((s) => row(s, 'aux_1')?.[1] === 'inactive', 'aux_1 inactive on screen');
    tmux.keys('s');
    await supd.waitState('aux_1', 'ready', from);
    await tmux.waitScreen((s) => row(s, 'aux_1')?.[1] === 'ready', 'aux_1 ready on screen');
    tmux.keys('q');
    t.match(await tmux.waitScreen((s) => /exited \d+/.test(s), 'top exits'), /exited 0/);

    const viewer = new Tmux(t, dir, 'viewer');
    viewer.start([NODE, SUPCTL, '--host', `127.0.0.1:${port}`, '--token', 'view-token-top', 'top'], 80, 24, { NO_COLOR: '' });
    await viewer.waitScreen(allReady, 'every unit ready on the viewer\'s screen');
    viewer.keys('x');
    await viewer.waitScreen((s) => /stop \S+\? y\/n/.test(s), 'the question');
    viewer.keys('y');
    const refused = await viewer.waitScreen((s) => /role viewer may not/.test(s), 'the refusal');
    t.match(refused, /stop \S+: role viewer may not POST/);
    t.same((await supd.status()).map((u) => u.state), ['ready', 'ready', 'ready'], 'nothing stopped');
    viewer.keys('q');
    t.match(await viewer.waitScreen((s) => /exited \d+/.test(s), 'top exits'), /exited 0/);
  });
});

t.test('supctl top refuses plainly when its output is not a terminal', async (t) => {
  const r = await runCli(['--socket', '/nonexistent/supd.sock', 'top']);
  t.equal(r.code, 2);
  t.match(r.stderr, /supctl top needs a terminal/);
  t.match(r.stderr, /supctl status/);
  t.equal(r.stdout, '');
});
