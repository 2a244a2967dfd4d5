// `GET /metrics`: Prometheus text exposition, as the Control renders it. Open, for scrapers.
import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from './deps.js';

export const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

export function metricsRoutes(app: FastifyInstance, { control }: RouteDeps): void {
  app.get('/metrics', { config: { open: true } }, async (_req, reply) =>
    reply.type(PROMETHEUS_TEXT).send(await control.metrics()));
}
