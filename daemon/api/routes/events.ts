// `GET /v1/events`: server-sent events, one `event: <type>` per SupdEvent, a `:keepalive`
// comment now and then so proxies keep the connection, and the subscription dropped on close.
import type { FastifyInstance } from 'fastify';
import type { SupdEvent } from '../../control.js';
import { MAX_BUFFERED_BYTES } from './deps.js';
import type { OpenStream, RouteDeps } from './deps.js';

export function sseFrame(e: SupdEvent): string {
  return `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
}

export function eventRoutes(app: FastifyInstance, { control, streams, keepaliveMs }: RouteDeps): void {
  app.get('/v1/events', (req, reply) => {
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
    const unsubscribe = control.subscribe((e) => write(sseFrame(e)));
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
    // Tells a reader the subscription is in place, so it can act and wait for the events.
    raw.write(':ok\n\n');
  });
}
