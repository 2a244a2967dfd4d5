// The README's tour, run from the README's own text: the first `sh` block under "A ten-minute
// tour", line by line in one bash (so its exports and its background supd carry over), in a copy
// of the clone's examples with the example fleet's fixed ports moved to free ones (other runs of
// the suite use them). Two things stand in for the typist: `npm ci && npm run build` is not re-run
// (npm test has built, and the test checks that npm ci's links exist), and after a line ending in
// `&` the script waits until supd's socket exists, as a person would before typing on.
import t from 'tap';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alive, descendants, freePorts, ROOT } from '../e2e/harness.js';

const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const EXAMPLE_PORTS = [7101, 7102, 7111, 7112, 7121, 7122];

/** The lines of the first ```sh block after the tour's heading. */
export function tourLines(readme: string): string[] {
  const at = readme.indexOf('## A ten-minute tour');
  if (at < 0) throw new Error('README has no "## A ten-minute tour" section');
  const m = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  if (m === null) throw new Error('the tour has no ```sh block');
  return (m[1] ?? '').split('\n').filter((l) => l.trim() !== '');
}

t.setTimeout(300_000);

t.test('the tour block runs as written, each command exiting 0', async (t) => {
  const lines = tourLines(README);
  t.match(lines[0] ?? '', /^npm ci && npm run build\b/, 'the tour starts from a fresh clone');
  const bins = path.join(ROOT, 'node_modules', '.bin');
  for (const b of ['supd', 'supctl']) {
    t.ok(fs.existsSync(path.join(bins, b)), `node_modules/.bin/${b} exists after npm ci (package.json links supd into itself; run npm ci if it is missing)`);
    t.equal(fs.realpathSync(path.join(bins, b)), path.join(ROOT, 'bin', `${b}.js`), `${b} runs this clone's bin/${b}.js, no npx, no build`);
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'supd-tour-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const clone = path.join(dir, 'clone');
  fs.mkdirSync(path.join(clone, 'examples'), { recursive: true });
  fs.cpSync(path.join(ROOT, 'examples', 'vdp'), path.join(clone, 'examples', 'vdp'), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'));
  const ports = new Map<number, number>();
  const free = await freePorts(EXAMPLE_PORTS.length);
  EXAMPLE_PORTS.forEach((p, i) => ports.set(p, free[i] as number));
  const unitsDir = path.join(clone, 'examples', 'vdp', 'units');
  for (const f of fs.readdirSync(unitsDir)) {
    const file = path.join(unitsDir, f);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/\b71[0-2][12]\b/g, (p) => String(ports.get(Number(p)) ?? p)));
  }

  const pidFile = path.join(dir, 'supd.pid');
  const script = ['set -e', `trap 'kill %1 2>/dev/null && wait; true' EXIT`];
  lines.forEach((line, i) => {
    if (i === 0) return; // npm ci && npm run build: done by npm test, checked above
    script.push(`echo '@@@ ${i}' >&2`, line);
    if (/&\s*(#.*)?$/.test(line) && !/&&\s*(#.*)?$/.test(line)) {
      script.push(`echo $! > ${pidFile}`,
        'for _ in $(seq 600); do [ -S "$SUPD_STATE_DIR/supd.sock" ] && break; kill -0 $! 2>/dev/null || break; sleep 0.1; done');
    }
  });
  script.push(`echo '@@@ end' >&2`);

  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: dir, PATH: process.env['PATH'] ?? '/usr/bin:/bin' };
  for (const k of ['SUPD_SOCKET', 'SUPD_STATE_DIR', 'SUPD_API_SOCKET', 'SUPD_UNITS_DIR', 'SUPD_CONFIG']) delete env[k];
  const bash = spawn('bash', ['-c', script.join('\n')], { cwd: clone, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  bash.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  bash.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  t.teardown(async () => {
    if (!fs.existsSync(pidFile)) return;
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    if (!alive(pid)) return;
    const left = descendants(pid);
    process.kill(pid, 'SIGKILL');
    for (const p of left) if (alive(p)) process.kill(p, 'SIGKILL');
  });
  const code = await new Promise<number | null>((resolve) => bash.on('exit', (c) => resolve(c)));

  // What each command printed, by the line it ran.
  const sections = new Map<string, string>();
  const parts = out.split(/^@@@ /m);
  for (const part of parts.slice(1)) {
    const nl = part.indexOf('\n');
    const key = part.slice(0, nl);
    sections.set(key === 'end' ? 'end' : (lines[Number(key)] ?? key).replace(/\s+#.*$/, ''), part.slice(nl + 1));
  }
  t.equal(code, 0, 'every line exited 0', { lastRun: [...sections.keys()].pop() ?? '', output: out });
  t.ok(sections.has('end'), 'the whole block ran');
  const after = (cmd: string): string => sections.get(cmd) ?? '';
  t.match(after('supctl validate examples/vdp/units'), 'examples/vdp/units: 3 unit(s) OK');
  t.match(after('supctl status'), /^UNIT\s+STATE\s+PID\s+UPTIME\s+RESTARTS\s+CPU\s+MEM\s+LAST-EXIT\s+REASON/m);
  // Typed by a person, status comes seconds after supd; here it may come while the master is still
  // starting (CI saw this on a loaded machine). Its readiness is asserted by `start aux_1`, which
  // waits until aux_1 is ready, and aux_1 requires vdp.
  t.match(after('supctl status'), /^vdp\s+(starting|ready)\s/m);
  t.match(after('supctl start aux_1'), /^start aux_1: ok/m);
  t.match(after('supctl start aux_1'), /^\s*vdp\s+(started|already ready) \(required\)/m);
  t.match(after('supctl show aux_2'), /command: node bin\/vdp-server\.mjs --role slave/);
  t.match(after('supctl reload'), /reloaded/);
  if (fs.existsSync(pidFile)) t.notOk(alive(Number(fs.readFileSync(pidFile, 'utf8'))), 'supd has exited');
});
