// Finds the baselines (supervisord, pm2) and, only when asked with --install, installs them:
// supervisor from Debian's packages, pm2 from npm into bench/.cache (never into the project).
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const cacheDir = path.join(here, '..', '.cache');

export function which(cmd) {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir === '') continue;
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not in this dir
    }
  }
  return undefined;
}

/** The pm2 entry script: the bench's cache first, then a pm2 on PATH. */
export function pm2Bin() {
  const cached = path.join(cacheDir, 'node_modules', 'pm2', 'bin', 'pm2');
  if (fs.existsSync(cached)) return cached;
  const onPath = which('pm2');
  return onPath === undefined ? undefined : fs.realpathSync(onPath);
}

function run(cmd, args) {
  process.stdout.write(`bench: $ ${[cmd, ...args].join(' ')}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return r.status === 0;
}

function installSupervisor() {
  if (which('supervisord')) return 'supervisord already installed';
  const asRoot = process.getuid?.() === 0;
  if (!asRoot && !which('sudo')) return 'cannot install supervisor: not root and no sudo';
  const apt = (args) => (asRoot ? run('apt-get', args) : run('sudo', ['apt-get', ...args]));
  // An image with no package lists fails the first install; refresh them once and retry.
  const ok = apt(['install', '-y', 'supervisor']) || (apt(['update']) && apt(['install', '-y', 'supervisor']));
  return ok ? 'installed supervisor' : 'apt-get install supervisor failed';
}

function installPm2() {
  if (pm2Bin()) return 'pm2 already installed';
  fs.mkdirSync(cacheDir, { recursive: true });
  const npm = which('npm') ?? 'npm';
  const ok = run(npm, ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', cacheDir, 'pm2@7']);
  return ok ? `installed pm2 into ${cacheDir}` : 'npm install pm2 failed';
}

export function installBaselines() {
  return [installSupervisor(), installPm2()];
}
