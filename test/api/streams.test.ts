// Streams over a real unix socket: server-sent events and `logs?follow=1`, including what
// happens when the reader goes away and when the server closes under an open stream.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { IncomingMessage } from 'node:http';
import { buildServer } from '../../daemon/api/server.js';
import { fleet } from './helpers.js';
import type { TapTest } from './helpers.js';
import type { FakeControl } from '../fakes/control.js';

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function listening(t: TapTest, keepaliveMs?: number): Promise<{ socket: string; control: FakeControl; close: () => Promise<void> }> {
  const control = fleet();
  const app = buildServer(control, { auth: null, logger: false, version: '1', ...(keepaliveMs === undefined ? {} : { keepaliveMs }) });
  // Not t.testdir(): its long paths overflow the ~108 bytes a unix socket path may have.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'supd-api-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const socket = path.join(dir, 'supd.sock');
  await app.listen({ path: socket });
  let closed = false;
  const close = async (): Promise<void> => {
    if (!closed) await app.close();
    closed = true;
  };
  t.teardown(close);
  return { socket, control, close };
}

/** Opens a streaming GET and collects its body as it arrives. */
function open(socket: string, url: string): Promise<{ res: IncomingMessage; text: () => string; ended: Promise<void>; destroy: () => void }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath: socket, path: url, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      const ended = new Promise<void>((r) => res.on('close', () => r()));
      resolve({ res, text: () => body, ended, destroy: () => req.destroy() });
    });
    req.on('error', (e) => { if ((e as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(e); });
  });
}

t.test('/v1/events delivers an event as `event: type` and `data: json`', async (t) => {
  const { socket, control } = await listening(t);
  const stream = await open(socket, '/v1/events');
  t.equal(stream.res.statusCode, 200);
  t.match(stream.res.headers['content-type'], /^text\/event-stream/);
  await waitFor(() => stream.text().includes(':ok\n\n'), 'the subscription');
  const event = { type: 'transition', unit: 'db', from: 'starting', to: 'ready', reason: 'ready check passed', at: 'now', pid: 7 } as const;
  control.emit(event);
  await waitFor(() => stream.text().includes('event: transition'), 'the event');
  t.match(stream.text(), `event: transition\ndata: ${JSON.stringify(event)}\n\n`);
  stream.destroy();
  await waitFor(() => control.subscribers === 0, 'the unsubscribe');
  t.pass('the subscription is dropped when the reader goes away');
});

t.test('/v1/events sends a :keepalive comment while idle', async (t) => {
  const { socket } = await listening(t, 10);
  const stream = await open(socket, '/v1/events');
  await waitFor(() => stream.text().includes(':keepalive\n\n'), 'a keepalive');
  t.pass('keepalive seen');
  stream.destroy();
});

t.test('closing the server ends open event and log streams instead of hanging', async (t) => {
  const { socket, control, close } = await listening(t);
  const events = await open(socket, '/v1/events');
  const logs = await open(socket, '/v1/units/db/logs?follow=1');
  await waitFor(() => control.subscribers === 1 && control.following('db') === 1, 'both streams');
  await close();
  await events.ended;
  await logs.ended;
  t.equal(control.subscribers, 0);
  t.equal(control.following('db'), 0);
});

t.test('logs?follow=1 sends the tail, then new output, until the reader disconnects', async (t) => {
  const { socket, control } = await listening(t);
  control.write('db', 'old 1\nold 2\nold 3\n');
  const stream = await open(socket, '/v1/units/db/logs?lines=2&follow=1');
  t.equal(stream.res.statusCode, 200);
  t.match(stream.res.headers['content-type'], /^text\/plain/);
  await waitFor(() => stream.text() === 'old 2\nold 3\n', 'the tail');
  control.write('db', 'new 1\n');
  control.write('db', 'new 2\n');
  await waitFor(() => stream.text().endsWith('new 2\n'), 'the new lines');
  t.equal(stream.text(), 'old 2\nold 3\nnew 1\nnew 2\n');
  stream.destroy();
  await waitFor(() => control.following('db') === 0, 'the follow to close');
  t.pass('following stopped when the reader went away');
});

t.test('follow on an unknown unit is an ordinary 404, not a stream', async (t) => {
  const { socket, control } = await listening(t);
  const stream = await open(socket, '/v1/units/ghost/logs?follow=1');
  await stream.ended;
  t.equal(stream.res.statusCode, 404);
  t.match(JSON.parse(stream.text()), { error: { code: 'SUPD_UNKNOWN_TARGET' } });
  t.equal(control.following('ghost'), 0);
});
