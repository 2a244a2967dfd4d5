// A steady, bounded HTTP load for the e2e tests: N clients, each sending one request at a time with
// keep-alive off (a new connection per request), until stopped. Every outcome is counted: a status
// other than 200 or a connection error is a failure, with its message kept for the report.
import http from 'node:http';

/** One answered request, with what the server stamped on it (see fixtures/bin/http-server.js). */
export interface Served {
  unit: string;
  pid: number;
  /** ms since the epoch when the server received the request, and when it answered. */
  arrived: number;
  done: number;
}

export interface Load {
  readonly served: Served[];
  readonly failures: string[];
  readonly concurrency: number;
  readonly startedAt: number;
  /** Requests answered with 200 plus failures so far. */
  total(): number;
  /** Stops the clients and waits for the requests in flight to finish. */
  stop(): Promise<void>;
}

export function startLoad(url: string, concurrency: number, timeoutMs = 10_000): Load {
  const served: Served[] = [];
  const failures: string[] = [];
  let stopping = false;
  const once = (): Promise<void> =>
    new Promise((resolve) => {
      const req = http.get(url, { agent: false, headers: { connection: 'close' }, timeout: timeoutMs }, (res) => {
        res.resume();
        res.on('error', (e) => {
          failures.push(`response error: ${e.message}`);
          resolve();
        });
        res.on('end', () => {
          if (res.statusCode !== 200) failures.push(`status ${res.statusCode ?? '?'}`);
          else {
            const h = res.headers;
            served.push({ unit: String(h['x-unit']), pid: Number(h['x-pid']), arrived: Number(h['x-arrived']), done: Number(h['x-done']) });
          }
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs}ms`)));
      req.on('error', (e) => {
        failures.push(`request error: ${e.message}`);
        resolve();
      });
    });
  const client = async (): Promise<void> => {
    while (!stopping) await once();
  };
  const clients = Array.from({ length: concurrency }, client);
  return {
    served, failures, concurrency, startedAt: Date.now(),
    total: () => served.length + failures.length,
    async stop() {
      stopping = true;
      await Promise.all(clients);
    },
  };
}
