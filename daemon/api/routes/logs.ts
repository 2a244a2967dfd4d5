// `GET /v1/units/:name/logs`: the last lines of a unit's captured output as text/plain, and with
// follow=1 everything written after them, until the client goes away or supd closes.
import type { FastifyInstance } from 'fastify';
import { SupdError } from '../../errors.js';
import { DEFAULT_LOG_LINES } from '../limits.js';
import { LogsQuery, UnitNameParams } from '../schemas.gen.js';
import { MAX_BUFFERED_BYTES } from './deps.js';
import type { OpenStream, RouteDeps } from './deps.js';

const TEXT = 'text/plain; charset=utf-8';

export function logRoutes(app: FastifyInstance, { control, streams }: RouteDeps): void {
  app.get<{ Params: UnitNameParams; Querystring: LogsQuery }>(
    '/v1/units/:name/logs',
    { schema: { params: UnitNameParams, querystring: LogsQuery } },
    async (req, reply) => {
      const { name } = req.params;
      if (control.get(name) === null) throw new SupdError('SUPD_UNKNOWN_TARGET', `no unit named "${name}"`);
      const lines = req.query.lines ?? DEFAULT_LOG_LINES;
      const follow = req.query.follow === '1' || req.query.follow === 'true';
      if (!follow) return reply.type(TEXT).send(await control.logs(name, lines));

      // Follow before reading the tail, so nothing written in between is lost; a line written
      // in that instant may show twice, which beats a silent gap.
      const raw = reply.raw;
      const early: Buffer[] = [];
      let live = false;
      let done = false;
      // The log writer hands over a whole batch (up to its 4 MB high-water mark) in one go, so
      // the backlog is judged once per batch, before it: a reader that had caught up is never cut
      // off by one large batch, and the buffer stays bounded by the limit plus one batch.
      let judged = false;
      const write = (chunk: Buffer | string): void => {
        if (done) return;
        if (!judged) {
          judged = true;
          setImmediate(() => (judged = false));
          if (raw.writableLength > MAX_BUFFERED_BYTES) {
            raw.end('\nsupd: this reader fell too far behind; the stream is closed\n');
            finish();
            return;
          }
        }
        raw.write(chunk);
      };
      const handle = control.followLogs(name, (chunk) => {
        if (live) write(chunk);
        else early.push(chunk);
      });
      const stream: OpenStream = { end: () => { raw.end(); finish(); } };
      function finish(): void {
        if (done) return;
        done = true;
        handle.close();
        streams.delete(stream);
      }
      let tail: string;
      try {
        tail = await control.logs(name, lines);
      } catch (e) {
        finish();
        throw e;
      }
      reply.hijack();
      raw.on('close', finish);
      if (raw.destroyed) {
        finish();
        return reply;
      }
      streams.add(stream);
      raw.writeHead(200, { 'content-type': TEXT, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
      write(tail);
      for (const chunk of early) write(chunk);
      early.length = 0;
      live = true;
      return reply;
    },
  );
}
