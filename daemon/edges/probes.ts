// One-shot checks for readiness and health probes (tcp connect, http GET, exec), and for
// remote requirements. The `log` kind is a watch on the unit's output: see logs.watchFor.
import net from 'node:net';
import type { Check, Requirement } from '../../units/types.js';
import { runCommand } from './commands.js';
import { httpRequest } from './http.js';
import { plainRunAs, type RunAs } from './runas.js';

export interface ProbeResult {
  ok: boolean;
  message: string;
}

export interface Prober {
  /** An exec check runs `as` the unit (default: as supd, in its environment). */
  check(check: Check, timeoutMs: number, as?: RunAs): Promise<ProbeResult>;
  checkRequirement(req: Requirement, timeoutMs?: number): Promise<ProbeResult>;
}

export function createProber(): Prober {
  return { check, checkRequirement };
}

/** Never rejects. */
export async function check(c: Check, timeoutMs: number, as?: RunAs): Promise<ProbeResult> {
  switch (c.kind) {
    case 'tcp':
      return tcpCheck(c.host, c.port, timeoutMs);
    case 'http': {
      const r = await httpRequest('GET', c.url, timeoutMs);
      return { ok: r.status !== null && r.status >= 200 && r.status < 400, message: r.message };
    }
    case 'exec': {
      const r = await runCommand(c.argv, { timeoutMs, as: as ?? plainRunAs(process.env as Record<string, string>) });
      if (r.error !== null) return { ok: false, message: r.error };
      if (r.timedOut) return { ok: false, message: `${c.argv.join(' ')}: no result within ${timeoutMs}ms` };
      const tail = lastLine(r.output);
      const how = r.signal !== null ? `killed by ${r.signal}` : `exit ${String(r.code)}`;
      return { ok: r.code === 0, message: `${c.argv.join(' ')}: ${how}${tail ? `: ${tail}` : ''}` };
    }
    case 'log':
      return { ok: false, message: 'a log check is a watch on the output (logs.watchFor), not a one-shot check' };
    default:
      return assertNever(c);
  }
}

/** Remote requirements only; a unit requirement is the core's business. Never rejects. */
export function checkRequirement(r: Requirement, timeoutMs = 2000): Promise<ProbeResult> {
  switch (r.kind) {
    case 'tcp':
      return check({ kind: 'tcp', host: r.host, port: r.port }, timeoutMs);
    case 'http':
      return check({ kind: 'http', url: r.url }, timeoutMs);
    case 'unit':
      return Promise.resolve({ ok: false, message: `unit requirement ${r.name} is not a remote check` });
    default:
      return assertNever(r);
  }
}

function tcpCheck(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const sock = net.connect({ host, port });
    const settle = (r: ProbeResult): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => settle({ ok: false, message: `tcp ${where}: no connection within ${timeoutMs}ms` }), timeoutMs);
    sock.once('connect', () => settle({ ok: true, message: `tcp ${where}: connected` }));
    sock.once('error', (e) => settle({ ok: false, message: `tcp ${where}: ${e.message}` }));
  });
}

function lastLine(output: string): string {
  const lines = output.trimEnd().split('\n');
  return (lines[lines.length - 1] ?? '').slice(0, 200);
}

function assertNever(x: never): never {
  throw new Error(`unhandled check ${JSON.stringify(x)}`);
}
