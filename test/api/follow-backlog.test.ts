// logs?follow=1 under a flood: the log writer hands a follower whole batches of up to 4 MB at once;
// a reader that keeps up must not be cut off by one such batch, and one that stops reading still is.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { IncomingMessage } from 'node:http';
import { buildServer } from '../../daemon/api/server.js';
import { MAX_BUFFERED_BYTES } from '../../daemon/api/routes/deps.js';
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

async function listening(t: TapTest): Promise<{ socket: string; control: FakeControl }> {
  const control = fleet();
  const app = buildServer(control, { auth: null, logger: false, version: '1' });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'supd-api-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const socket = path.join(dir, 'supd.sock');
  await app.listen({ path: socket });
  t.teardown(() => app.close());
  return { socket, control };
}

function follow(socket: string): Promise<{ res: IncomingMessage; bytes: () => number; tail: () => string; ended: Promise<void>; closed: () => boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath: socket, path: '/v1/units/db/logs?lines=0&follow=1', agent: false }, (res) => {
      let bytes = 0;
      let tail = '';
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        tail = (tail + chunk.toString('latin1')).slice(-200);
      });
      let closed = false;
      const ended = new Promise<void>((r) => res.on('close', () => {
        closed = true;
        r();
      }));
      resolve({ res, bytes: () => bytes, tail: () => tail, ended, closed: () => closed });
    });
    req.on('error', reject);
  });
}

/** One writer batch: `bytes` in 64 KB chunks, handed over synchronously as the log writer does. */
function batch(control: FakeControl, bytes: number): void {
  const chunk = `${'x'.repeat(64 * 1024 - 1)}\n`;
  for (let sent = 0; sent < bytes; sent += chunk.length) control.write('db', chunk);
  control.logText.set('db', '');
}

t.test('a reader that keeps up gets a batch larger than the buffer limit whole', async (t) => {
  const { socket, control } = await listening(t);
  const stream = await follow(socket);
  await waitFor(() => control.following('db') === 1, 'the follow');
  const size = MAX_BUFFERED_BYTES + 1024 * 1024;
  batch(control, size);
  await waitFor(() => stream.bytes() >= size || stream.closed(), 'the whole batch');
  batch(control, 64 * 1024);
  await waitFor(() => stream.bytes() >= size + 64 * 1024 || stream.closed(), 'the next batch');
  t.notMatch(stream.tail(), /fell too far behind/, 'the stream was not cut');
  t.equal(control.following('db'), 1, 'still following');
});

t.test('a reader that stops reading is cut off once it is behind by more than the limit', async (t) => {
  const { socket, control } = await listening(t);
  const stream = await follow(socket);
  await waitFor(() => control.following('db') === 1, 'the follow');
  stream.res.pause();
  batch(control, MAX_BUFFERED_BYTES + 2 * 1024 * 1024);
  await new Promise((r) => setImmediate(r));
  batch(control, 64 * 1024);
  await waitFor(() => control.following('db') === 0, 'the follow to be dropped');
  stream.res.resume();
  await stream.ended;
  t.match(stream.tail(), /this reader fell too far behind; the stream is closed\n$/, 'the reader is told why');
});
