// `GET /v1/events`: server-sent events, one `event: <type>` per SupdEvent, a `:keepalive`
// comment now and then so proxies keep the connection, and the subscription dropped on close.
// `GET /v1/fleet/events` is the same stream over the fleet's watched copy of etcd.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FleetEvent, SupdEvent } from '../../control.js';
import { SupdError } from '../../errors.js';
import { MAX_BUFFERED_BYTES } from './deps.js';
import type { OpenStream, RouteDeps } from './deps.js';

export function sseFrame(e: SupdEvent | FleetEvent): string {
  return `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
}

/** Opens an event stream on the reply: `:ok` once subscribed, then what `subscribe` writes. */
function openStream(
  req: FastifyRequest, reply: FastifyReply, { streams, keepaliveMs }: RouteDeps,
  subscribe: (write: (text: string) => void) => () => void,
): void {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  let done = false;
  const write = (text: string): void => {
    if (done) return;
    if (raw.writableLength > MAX_BUFFERED_BYTES) {
      req.log.warn('an events reader fell too far behind; closing its stream');
      stream.end();
      return;
    }
    raw.write(text);
  };
  // Tells a reader the subscription is in place, so it can act and wait for the events.
  const unsubscribe = subscribe(write);
  const timer = setInterval(() => write(':keepalive\n\n'), keepaliveMs);
  const finish = (): void => {
    if (done) return;
    done = true;
    clearInterval(timer);
    unsubscribe();
    streams.delete(stream);
  };
  const stream: OpenStream = { end: () => { raw.end(); finish(); } };
  streams.add(stream);
  raw.on('close', finish);
}

export function eventRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.get('/v1/events', (req, reply) => {
    openStream(req, reply, deps, (write) => {
      const unsubscribe = deps.control.subscribe((e) => write(sseFrame(e)));
      write(':ok\n\n');
      return unsubscribe;
    });
  });

  // The fleet's first event is its snapshot (from the watched copy, so it answers while etcd is
  // down, with `etcd.reachable` false); the changes follow.
  app.get('/v1/fleet/events', (req, reply) => {
    const fleet = deps.fleet;
    if (fleet === null) {
      throw new SupdError('SUPD_NO_FLEET', 'this supd is not part of a fleet (fleet.etcd is not set)', {
        hint: 'set fleet.etcd (--fleet-etcd URLS) to join hosts through etcd',
      });
    }
    openStream(req, reply, deps, (write) => {
      const unsubscribe = fleet.subscribe((e) => write(sseFrame(e)));
      write(':ok\n\n');
      write(sseFrame({ type: 'fleet', at: new Date().toISOString(), ...fleet.snapshot() }));
      return unsubscribe;
    });
  });
}
