// Remote control over TCP with bearer tokens: every mutating route refuses a missing or unknown
// token (401) and a viewer (403); a viewer reads, an operator stops; supctl --host with --token
// or SUPCTL_TOKEN; tokens never reach supd's log; the unix socket is mode 0660.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import t from 'tap';
import { buildServer } from '../../daemon/api/server.js';
import { fleet } from '../api/helpers.js';
import { Supd, assertBuilt, fixture, freePort, runCli } from './harness.js';

assertBuilt();

/** Every route of the API as [method, url], read from the server's own route table. */
async function routeTable(): Promise<[string, string][]> {
  const app = buildServer(fleet(), { auth: null, logger: false, version: '0' });
  await app.ready();
  const tree = app.printRoutes({ commonPrefix: false });
  await app.close();
  const out: [string, string][] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^([│├└─\s]*)(\S+)(?: \(([^)]+)\))?$/.exec(line);
    if (m === null || m[2] === undefined) continue;
    const depth = Math.round((m[1] ?? '').length / 4);
    stack.length = depth;
    stack.push(m[2]);
    for (const method of (m[3] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) out.push([method, stack.join('')]);
  }
  return out;
}

/** A concrete URL for a route pattern: unit `one`, a rollout id that does not exist. */
function concrete(pattern: string): string {
  return pattern.replace(/:name\|:target|:target|:name/g, 'one').replace(/:id/g, 'r-none');
}

function tcp(port: number, method: string, url: string, token?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
    const req = http.request({ host: '127.0.0.1', port, method, path: url, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

t.test('TCP API with tokens: refusals, roles, supctl --host, nothing logged, socket mode', async (t) => {
  const tok = (role: string): string => `${role}-${randomBytes(16).toString('hex')}`;
  const viewer = tok('viewer');
  const operator = tok('operator');
  const admin = tok('admin');
  const bad = tok('nobody');
  const port = await freePort();
  const tokensFile = path.join(t.testdir(), 'tokens.json');
  fs.writeFileSync(tokensFile, JSON.stringify({ [viewer]: 'viewer', [operator]: 'operator', [admin]: 'admin' }), { mode: 0o600 });
  const supd = new Supd(t, {
    units: {
      one: `command: ${fixture('sleeper.js')}\nready: {grace: 100ms}\n`,
      two: `command: ${fixture('sleeper.js')}\nready: {grace: 100ms}\n`,
    },
    args: ['--listen', `127.0.0.1:${port}`, '--tokens-file', tokensFile, '--log-level', 'debug'],
  });
  await supd.start();
  await supd.waitState('one', 'ready');
  await supd.waitState('two', 'ready');

  t.equal(fs.statSync(supd.socket).mode & 0o777, 0o660, 'the unix socket is mode 0660');

  const routes = await routeTable();
  const mutating = routes.filter(([m]) => m !== 'GET' && m !== 'HEAD');
  t.ok(
    ['/v1/units/:name|:target/start', '/v1/units/:name|:target/stop', '/v1/units/:name|:target/restart', '/v1/reload', '/v1/rollouts/:id/cancel']
      .every((u) => mutating.some(([, p]) => p === u)),
    `the route table lists the mutating routes (${mutating.map(([m, u]) => `${m} ${u}`).join(', ')})`,
  );
  const seen: string[] = [];
  for (const [method, pattern] of mutating) {
    const url = concrete(pattern);
    const none = await tcp(port, method, url);
    const unknown = await tcp(port, method, url, bad);
    const low = await tcp(port, method, url, viewer);
    t.equal(none.status, 401, `${method} ${url} without a token: 401`);
    t.equal(unknown.status, 401, `${method} ${url} with an unknown token: 401`);
    t.equal(low.status, 403, `${method} ${url} with a viewer token: 403`);
    t.match(JSON.parse(low.text), { error: { code: String } }, 'refusals have the error shape');
    seen.push(none.text, unknown.text, low.text);
  }
  t.notOk(seen.some((s) => s.includes(bad) || s.includes(viewer)), 'no refusal echoes the token');
  const units = await supd.status();
  t.same(units.map((u) => [u.name, u.state, u.restarts]), [['one', 'ready', 0], ['two', 'ready', 0]], 'nothing refused had any effect');

  // Reads: a viewer may; nobody may without a token, except health and metrics.
  const read = await tcp(port, 'GET', '/v1/units', viewer);
  t.equal(read.status, 200, 'a viewer reads status');
  t.same((JSON.parse(read.text) as { units: { name: string }[] }).units.map((u) => u.name), ['one', 'two']);
  t.equal((await tcp(port, 'GET', '/v1/units')).status, 401, 'status needs a token');
  t.equal((await tcp(port, 'GET', '/v1/units/one/logs', bad)).status, 401, 'logs need a valid token');
  for (const open of ['/healthz', '/v1/units/one/health', '/metrics']) t.equal((await tcp(port, 'GET', open)).status, 200, `${open} is open`);

  // An operator stops; an admin reloads.
  const stopped = await tcp(port, 'POST', '/v1/units/one/stop', operator);
  t.equal(stopped.status, 200, 'an operator stops a unit');
  t.equal((await supd.unit('one')).state, 'inactive');
  t.equal((await tcp(port, 'POST', '/v1/reload', admin)).status, 200, 'an admin reloads');

  // supctl over TCP.
  const host = `http://127.0.0.1:${port}`;
  const st = await runCli(['--host', host, '--token', viewer, 'status']);
  t.equal(st.code, 0, `supctl --host --token status ${st.stderr}`);
  t.match(st.stdout, /two\s+ready/);
  const env = await runCli(['--host', host, 'status', 'two'], { SUPCTL_TOKEN: viewer });
  t.equal(env.code, 0, `SUPCTL_TOKEN=… supctl --host status ${env.stderr}`);
  t.match(env.stdout, /two\s+ready/);
  const refused = await runCli(['--host', host, '--token', viewer, 'stop', 'two']);
  t.equal(refused.code, 4, 'supctl exits 4 when a viewer tries to stop');
  const anon = await runCli(['--host', host, 'status'], { SUPCTL_TOKEN: '' });
  t.equal(anon.code, 4, 'supctl exits 4 without a token');
  const start = await runCli(['--host', host, 'start', 'one'], { SUPCTL_TOKEN: operator });
  t.equal(start.code, 0, `an operator starts through supctl ${start.stderr}`);
  t.equal((await supd.unit('one')).state, 'ready');

  t.equal(await supd.stop(), 0);
  for (const [role, token] of [['viewer', viewer], ['operator', operator], ['admin', admin], ['unknown', bad]] as const) {
    t.notOk(supd.output.includes(token), `the ${role} token is not in supd's log`);
  }
  t.ok(supd.output.length > 0, 'supd did log (at debug level)');
});
