// `node bench/hostile.mjs` (after `npm run build`): supd under hostile input.
// 1. Each hostile unit file (test/fixtures/hostile-units.js) through `supctl validate` and through
//    `supctl reload` of a running supd: the wall time and the first line of the answer.
// 2. 10,000 hostile HTTP requests (malformed, deep, oversized, unauthorised bodies over TCP and the
//    unix socket) against one supd: its RSS after every 1,000, to see whether memory stays flat.
// Prints a markdown report; --requests N changes the count.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as hostile from '../test/fixtures/hostile-units.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SUPD = path.join(root, 'dist', 'daemon', 'main.js');
const SUPCTL = path.join(root, 'dist', 'cli', 'main.js');
const argv = process.argv.slice(2);
const REQUESTS = Number(argv[argv.indexOf('--requests') + 1] || 10_000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'supd-hostile-'));
const units = path.join(dir, 'units');
const state = path.join(dir, 'state');
fs.mkdirSync(units);
fs.writeFileSync(path.join(units, 'good.yaml'), 'command: sleep 3600\n');
fs.writeFileSync(path.join(dir, 'tokens.json'), JSON.stringify({ 'bench-admin': 'admin', 'bench-viewer': 'viewer' }));

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function rssKb(pid) {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

function timed(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [SUPCTL, ...args], { encoding: 'utf8', timeout: 120_000 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const first = `${r.stdout}${r.stderr}`.split('\n').find((l) => l.trim() !== '') ?? '';
  return { ms, status: r.status, first };
}

const port = await freePort();
const socket = path.join(state, 'supd.sock');
const supd = spawn(process.execPath, ['--max-semi-space-size=1', SUPD, '--units-dir', units, '--state-dir', state, '--listen', `127.0.0.1:${port}`, '--tokens-file', path.join(dir, 'tokens.json'), '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
const cleanup = () => {
  if (supd.exitCode === null) supd.kill('SIGTERM');
};
process.on('exit', cleanup);
for (let i = 0; i < 600 && !fs.existsSync(socket); i++) await new Promise((r) => setTimeout(r, 100));

const out = [];
out.push('## Hostile unit files', '', '| file | validate | reload | answer |', '| --- | --- | --- | --- |');
const files = {
  '100 MB file': () => hostile.bigFile(),
  '100,000-deep flow lists': () => hostile.deepFlowList(),
  '100,000-deep flow maps': () => hostile.deepFlowMap(),
  '100,000-deep block lists': () => hostile.deepBlockList(),
  'alias bomb (10^10 nodes)': () => hostile.aliasBomb(),
  '60,000 env keys': () => hostile.manyEnvKeys(),
};
for (const [name, make] of Object.entries(files)) {
  const vdir = path.join(dir, 'v');
  fs.rmSync(vdir, { recursive: true, force: true });
  fs.mkdirSync(vdir);
  const text = make();
  fs.writeFileSync(path.join(vdir, 'h.yaml'), text);
  const v = timed(['validate', vdir]);
  fs.writeFileSync(path.join(units, 'h.yaml'), text);
  const r = timed(['--socket', socket, 'reload']);
  fs.rmSync(path.join(units, 'h.yaml'));
  out.push(`| ${name} | ${v.ms.toFixed(0)} ms (exit ${v.status}) | ${r.ms.toFixed(0)} ms (exit ${r.status}) | ${v.first.replace(dir, '…').replaceAll('|', '\\|')} |`);
}

// ---- memory under abuse ------------------------------------------------------------------------
const deep = (n) => `{"wait": ${'['.repeat(n)}${']'.repeat(n)}}`;
const kinds = [
  { path: '/v1/units/good/start', body: deep(10_000), type: 'application/json' },
  { path: '/v1/units/good/restart', body: '{"safe": tru', type: 'application/json' },
  { path: '/v1/units/good/stop', body: `{"x": "${'a'.repeat(70_000)}"}`, type: 'application/json' },
  { path: '/v1/reload', body: 'safe=1', type: 'application/x-www-form-urlencoded' },
  { path: '/v1/units/good/start', body: '{"__proto__": {"a": 1}}', type: 'application/json' },
  { path: `/v1/units/${'x'.repeat(250)}/start`, body: '{}', type: 'application/json' },
  { path: '/v1/units/good/logs?lines=abc', body: undefined, type: undefined, method: 'GET' },
  { path: '/v2/nothing', body: '{}', type: 'application/json' },
];
const agentTcp = new http.Agent({ keepAlive: true, maxSockets: 8 });
const agentUnix = new http.Agent({ keepAlive: true, maxSockets: 8 });
function send(i) {
  const k = kinds[i % kinds.length];
  const overTcp = i % 2 === 0;
  const token = i % 3 === 0 ? 'nope' : i % 3 === 1 ? 'bench-viewer' : 'bench-admin';
  return new Promise((resolve) => {
    const req = http.request({
      ...(overTcp ? { host: '127.0.0.1', port, agent: agentTcp } : { socketPath: socket, agent: agentUnix }),
      method: k.method ?? 'POST', path: k.path,
      headers: { ...(k.type ? { 'content-type': k.type } : {}), ...(overTcp ? { authorization: `Bearer ${token}` } : {}) },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(0));
    if (k.body !== undefined) req.end(k.body);
    else req.end();
  });
}
const curve = [{ n: 0, rss: rssKb(supd.pid) }];
const statuses = new Map();
for (let done = 0; done < REQUESTS;) {
  const batch = Math.min(1000, REQUESTS - done);
  for (let j = 0; j < batch; j += 8) {
    const got = await Promise.all(Array.from({ length: Math.min(8, batch - j) }, (_, x) => send(done + j + x)));
    for (const s of got) statuses.set(s, (statuses.get(s) ?? 0) + 1);
  }
  done += batch;
  curve.push({ n: done, rss: rssKb(supd.pid) });
}
out.push('', `## RSS of supd over ${REQUESTS.toLocaleString('en-US')} hostile requests`, '', '| requests | RSS (MB) | since 1,000 |', '| --- | --- | --- |');
const at1000 = curve.find((c) => c.n === 1000)?.rss ?? curve[0].rss;
for (const c of curve) out.push(`| ${c.n.toLocaleString('en-US')} | ${(c.rss / 1024).toFixed(1)} | ${c.n >= 1000 ? `${((c.rss - at1000) / 1024).toFixed(1)} MB` : ''} |`);
out.push('', `Statuses: ${[...statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(', ')}`);
const alive = await new Promise((resolve) => http.get({ socketPath: socket, path: '/healthz' }, (res) => resolve(res.statusCode)).on('error', () => resolve(0)));
out.push(`supd answers /healthz after the abuse: ${alive}`);
console.log(out.join('\n'));
agentTcp.destroy();
agentUnix.destroy();
cleanup();
await new Promise((r) => supd.once('exit', r));
fs.rmSync(dir, { recursive: true, force: true });
