// Port facts read from /proc/net/tcp{,6}: which ports listen, and how many established
// connections a server holds. No binding and no cooperation from the server.
import { readFile } from 'node:fs/promises';

export interface Net {
  /** Every local port in state LISTEN, IPv4 and IPv6. */
  listeningPorts(): Promise<Set<number>>;
  isPortFree(port: number): Promise<boolean>;
  /** ESTABLISHED connections whose local port is one of `ports` (the server's side only). */
  establishedCount(ports: number[]): Promise<number>;
}

const LISTEN = '0A';
const ESTABLISHED = '01';

export function createNet(procNet = '/proc/net'): Net {
  const tables = [`${procNet}/tcp`, `${procNet}/tcp6`];

  async function readTables(): Promise<string[]> {
    const texts = await Promise.all(
      tables.map((file) =>
        readFile(file, 'latin1').catch((e: unknown) => {
          // A kernel without IPv6 has no tcp6 table; that is not an error.
          if (isErrno(e, 'ENOENT')) return '';
          throw e;
        }),
      ),
    );
    return texts;
  }

  async function listeningPorts(): Promise<Set<number>> {
    const ports = new Set<number>();
    for (const text of await readTables()) {
      forEachSocket(text, (port, state) => {
        if (state === LISTEN) ports.add(port);
      });
    }
    return ports;
  }

  return {
    listeningPorts,
    async isPortFree(port) {
      return !(await listeningPorts()).has(port);
    },
    async establishedCount(ports) {
      if (ports.length === 0) return 0;
      const wanted = new Set(ports);
      let n = 0;
      for (const text of await readTables()) {
        forEachSocket(text, (port, state) => {
          if (state === ESTABLISHED && wanted.has(port)) n++;
        });
      }
      return n;
    },
  };
}

/** Calls `fn(localPort, state)` for each row of a /proc/net/tcp table. Rows look like
 * `  12: 0100007F:1F90 00000000:0000 0A …`; scanning by position avoids splitting every
 * row into fields, which matters on hosts with tens of thousands of sockets. */
export function forEachSocket(text: string, fn: (port: number, state: string) => void): void {
  let pos = text.indexOf('\n') + 1; // skip the header
  while (pos > 0 && pos < text.length) {
    const end = text.indexOf('\n', pos);
    const lineEnd = end < 0 ? text.length : end;
    const colon = text.indexOf(':', pos); // after the slot number
    if (colon > 0 && colon < lineEnd) {
      let i = colon + 1;
      while (text.charCodeAt(i) === 32) i++;
      const localEnd = text.indexOf(' ', i);
      const portSep = text.lastIndexOf(':', localEnd);
      if (localEnd > 0 && portSep > i) {
        const port = parseInt(text.slice(portSep + 1, localEnd), 16);
        let j = localEnd;
        while (text.charCodeAt(j) === 32) j++;
        const remoteEnd = text.indexOf(' ', j);
        let k = remoteEnd;
        while (text.charCodeAt(k) === 32) k++;
        if (remoteEnd > 0 && k + 2 <= lineEnd) fn(port, text.slice(k, k + 2));
      }
    }
    pos = end < 0 ? -1 : end + 1;
  }
}

function isErrno(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}
