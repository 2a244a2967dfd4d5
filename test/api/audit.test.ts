// Every mutating request leaves one audit entry (route, target, role, a token id that is not the
// token, the unix peer's uid where the kernel tells it, the outcome); reads leave none; tokens are
// never in supd's log.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { buildServer, type AuditEntry } from '../../daemon/api/server.js';
import { tokenId } from '../../daemon/api/auth.js';
import { createPeerLookup } from '../../daemon/edges/peercred.js';
import { TOKENS, bearer, fleet } from './helpers.js';

t.test('over TCP: one entry per mutating request, named by token id, refusals included', async (t) => {
  const entries: AuditEntry[] = [];
  const lines: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _e, cb) { lines.push(chunk.toString()); cb(); } });
  const app = buildServer(fleet(), { auth: { tokens: TOKENS }, logger: pino({ level: 'trace' }, sink), version: '1', audit: (e) => entries.push(e) });
  t.teardown(() => app.close());
  await app.inject({ method: 'GET', url: '/v1/units', headers: bearer('viewer-token') });
  await app.inject({ method: 'POST', url: '/v1/units/web/restart', payload: {}, headers: bearer('operator-token') });
  await app.inject({ method: 'POST', url: '/v1/units/db/stop', payload: {}, headers: bearer('viewer-token') });
  await app.inject({ method: 'POST', url: '/v1/reload', headers: bearer('not-a-token') });
  await app.inject({ method: 'POST', url: '/v1/units/db/start', payload: '{"safe": tru', headers: { ...bearer('admin-token'), 'content-type': 'application/json' } });
  t.same(entries, [
    { route: 'POST /v1/units/:target/restart', target: 'web', role: 'operator', tokenId: tokenId('operator-token'), peerUid: null, status: 200, code: null, outcome: 'ok' },
    { route: 'POST /v1/units/:target/stop', target: 'db', role: 'viewer', tokenId: tokenId('viewer-token'), peerUid: null, status: 403, code: 'SUPD_FORBIDDEN', outcome: 'refused' },
    { route: 'POST /v1/reload', target: null, role: null, tokenId: null, peerUid: null, status: 401, code: 'SUPD_UNAUTHORIZED', outcome: 'refused' },
    { route: 'POST /v1/units/:target/start', target: 'db', role: 'admin', tokenId: tokenId('admin-token'), peerUid: null, status: 400, code: 'SUPD_BAD_REQUEST', outcome: 'failed' },
  ]);
  t.match(tokenId('operator-token'), /^tok-[0-9a-f]{8}$/);
  const logged = lines.join('') + JSON.stringify(entries);
  for (const token of ['viewer-token', 'operator-token', 'admin-token', 'not-a-token']) t.notOk(logged.includes(token), `${token} is never logged`);
});

t.test('over the unix socket: the entry names the peer\'s uid, as the kernel reports it', async (t) => {
  const entries: AuditEntry[] = [];
  const peers = createPeerLookup();
  const app = buildServer(fleet(), { auth: null, logger: false, version: '1', audit: (e) => entries.push(e), peer: (s) => peers.uid(s) });
  t.teardown(() => app.close());
  // Short: a unix socket path must fit in 108 bytes.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'supd-audit-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const socket = path.join(dir, 's');
  await app.listen({ path: socket });
  const status = await new Promise<number>((resolve, reject) => {
    const req = http.request({ socketPath: socket, method: 'POST', path: '/v1/units/web/start', headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end('{}');
  });
  t.equal(status, 200);
  for (let i = 0; i < 200 && entries.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  t.equal(entries.length, 1);
  t.match(entries[0], { route: 'POST /v1/units/:target/start', target: 'web', role: 'admin', tokenId: null, outcome: 'ok' });
  if (entries[0]?.peerUid === null) t.fail(`no peer uid: ${entries[0]?.peerNote ?? ''}`);
  else t.equal(entries[0]?.peerUid, process.getuid?.());
});

t.test('closing the peer lookup (supd exiting) leaves no ss behind', async (t) => {
  const peers = createPeerLookup();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'supd-audit-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const socket = path.join(dir, 's');
  const asked: Promise<unknown>[] = [];
  const server = net.createServer((conn) => {
    // Several lookups at once, then close at once: some are still running ss.
    for (let i = 0; i < 5; i++) asked.push(peers.uid(conn));
    void waitForSs().then(() => peers.close()).then(() => {
      const ssLeft = childrenOfSelf().filter((pid) => comm(pid) === 'ss');
      t.same(ssLeft, [], 'no ss child once close() resolved');
      conn.destroy();
      server.close();
    });
  });
  await new Promise<void>((r) => server.listen(socket, r));
  const client = net.connect(socket);
  client.on('error', () => {});
  await new Promise<void>((r) => server.on('close', r));
  const answers = await Promise.all(asked);
  t.equal(answers.length, 5, 'every lookup answered (a uid, or why not)');
  t.match(await peers.uid(client), { uid: null }, 'a lookup after close runs no ss');
});

/** Until one of this process's children is an ss (a lookup is under way), at most 2 s. */
async function waitForSs(): Promise<void> {
  for (let i = 0; i < 400 && !childrenOfSelf().some((pid) => comm(pid) === 'ss'); i++) await new Promise((r) => setTimeout(r, 5));
}

function childrenOfSelf(): number[] {
  return fs.readdirSync('/proc/self/task').flatMap((tid) => fs.readFileSync(`/proc/self/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter((p) => p !== '').map(Number));
}

function comm(pid: number): string | null {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
}
