// Install on a host, as the README says: `npm pack` (its prepack builds dist/), then
// `npm install -g` of the tarball into a fresh prefix with --offline and an empty npm cache (the
// dependencies travel inside the tarball), then the installed `supd` runs the shipped example
// unit and the installed `supctl` reports it ready. The source tree is copied first, so the build
// at pack time does not rewrite the dist/ other tests are running.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { alive, freePort, ROOT, waitUntil } from '../e2e/harness.js';

const SOURCES = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'tsconfig.ui.json', 'README.md', 'LICENSE', 'bin', 'cli', 'config', 'contrib', 'daemon', 'man', 'scripts', 'units'];

function run(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/' }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => resolve(body));
    }).on('error', reject);
  });
}

// Packing builds (tsc) and installing unpacks ~6,000 files: a minute on a loaded 2-core machine.
t.setTimeout(600_000);

t.test('npm pack, npm install -g --offline into a prefix, then supd and supctl from it run a unit', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'supd-pack-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const src = path.join(dir, 'src');
  fs.mkdirSync(src);
  for (const entry of SOURCES) fs.cpSync(path.join(ROOT, entry), path.join(src, entry), { recursive: true });
  // A real folder (hard links: no copy of the bytes): through a symlinked node_modules npm bundles
  // only the direct dependencies, not theirs, and the installed package cannot start.
  const linked = spawnSync('cp', ['-al', path.join(ROOT, 'node_modules'), path.join(src, 'node_modules')]);
  if (linked.status !== 0) fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(src, 'node_modules'));

  // An npm with nothing cached and no registry it may reach.
  const env = { ...process.env, npm_config_cache: path.join(dir, 'npm-cache'), npm_config_registry: 'http://127.0.0.1:9/', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
  const pack = run('npm', ['pack', '--pack-destination', dir], { cwd: src, env });
  t.equal(pack.code, 0, `npm pack: ${pack.stderr}`);
  t.ok(fs.existsSync(path.join(src, 'dist', 'daemon', 'main.js')), 'prepack built dist/');
  // The tarball's name from the folder, not from npm's stdout, which the prepack script's own
  // output shares (under `npm test`, in an order that varies).
  const tgz = path.join(dir, fs.readdirSync(dir).find((f) => /^supd-.*\.tgz$/.test(f)) ?? 'no tarball');

  const listing = run('tar', ['tzf', tgz], { cwd: dir }).stdout.split('\n').filter((l) => l !== '');
  const own = listing.filter((l) => !l.startsWith('package/node_modules/'));
  for (const f of ['LICENSE', 'README.md', 'bin/supd.js', 'bin/supctl.js', 'bin/package.json', 'dist/daemon/main.js', 'dist/cli/main.js', 'dist/cli/supctl.cjs', 'contrib/systemd/supd.service',
    'contrib/supd.yaml', 'contrib/units/hello.yaml', 'man/supd.1', 'man/supctl.1']) {
    t.ok(own.includes(`package/${f}`), `the package holds ${f}`);
  }
  t.same(own.filter((l) => l.endsWith('.map') || l.endsWith('.ts')), [], 'no source maps, no TypeScript sources');
  t.ok(listing.some((l) => l.startsWith('package/node_modules/fastify/')), 'dependencies bundled: nothing to fetch at install');
  t.notOk(listing.some((l) => l.startsWith('package/node_modules/typescript/') || l.startsWith('package/node_modules/tap/')), 'no dev dependencies');

  const prefix = path.join(dir, 'prefix');
  const install = run('npm', ['install', '-g', '--offline', '--prefix', prefix, tgz], { cwd: dir, env });
  t.equal(install.code, 0, `npm install -g: ${install.stderr}`);
  const supd = path.join(prefix, 'bin', 'supd');
  const supctl = path.join(prefix, 'bin', 'supctl');
  const pkg = path.join(prefix, 'lib', 'node_modules', 'supd');
  t.ok(fs.existsSync(path.join(prefix, 'share', 'man', 'man1', 'supctl.1')), 'man supctl is installed');
  t.ok(fs.existsSync(path.join(prefix, 'share', 'man', 'man1', 'supd.1')), 'man supd is installed');
  t.notOk(fs.existsSync(path.join(pkg, 'tsconfig.json')), 'no build inputs installed');

  const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  t.equal(run(supd, ['--version'], { cwd: dir }).stdout, `supd ${version.version}\n`);
  t.equal(run(supctl, ['--version'], { cwd: dir }).stdout, `supctl ${version.version}\n`);

  // The shipped example unit, on a free port, validated then run by the installed supd.
  const units = path.join(dir, 'units');
  const state = path.join(dir, 'state');
  fs.mkdirSync(units);
  const port = await freePort();
  fs.writeFileSync(path.join(units, 'hello.yaml'), fs.readFileSync(path.join(pkg, 'contrib', 'units', 'hello.yaml'), 'utf8').replace('http: 8080', `http: ${port}`));
  const validate = run(supctl, ['validate', units], { cwd: dir });
  t.equal(validate.code, 0, validate.stderr);

  const daemon = spawn(supd, ['--units-dir', units, '--state-dir', state, '--listen', ''], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  daemon.stdout.on('data', (d: Buffer) => { output += d.toString(); });
  daemon.stderr.on('data', (d: Buffer) => { output += d.toString(); });
  const exited = new Promise<number | null>((resolve) => daemon.on('exit', (code) => resolve(code)));
  t.teardown(async () => {
    if (daemon.exitCode === null && daemon.pid !== undefined && alive(daemon.pid)) {
      daemon.kill('SIGKILL');
      await exited;
    }
  });
  const status = await waitUntil(() => {
    if (daemon.exitCode !== null) throw new Error(`supd exited ${daemon.exitCode}: ${output}`);
    const r = run(supctl, ['--socket', path.join(state, 'supd.sock'), 'status'], { cwd: dir });
    return /^hello\s+ready\s/m.test(r.stdout) ? r.stdout : null;
  }, 'hello ready in supctl status', 30_000);
  t.match(status, /^UNIT\s+STATE\s+PID/);
  t.equal(await get(port), 'hello\n', 'the unit serves');

  daemon.kill('SIGTERM');
  t.equal(await exited, 0, 'supd stops its unit and exits 0');
});
