// How many of a fleet rollout's servers are out of service at once, counted two ways while it
// runs: etcd's view (what a rollout's budget counts), polled through one host's API, and every
// host's own transitions merged in the order of their times (one clock: the hosts share loopback).
// A server counts as out while it is not ready.
import fs from 'node:fs';
import type { FleetView } from '../../daemon/control.js';
import { ADMIN_TOKEN, type FleetHost } from './fleet-hosts.js';

/** The fleet's units as etcd shows them, asked of `host`; null if it did not answer. */
export async function fleetUnits(host: FleetHost): Promise<FleetView['units'] | null> {
  const res = await fetch(`${host.url}/v1/fleet/units`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }).catch(() => null);
  return res?.ok === true ? ((await res.json()) as FleetView).units : null;
}

export interface OutCount {
  /** How many times etcd's view was read. */
  polls: number;
  /** The most servers out at once in etcd's view. */
  maxPolled: number;
  /** The most servers out at once across the hosts' transitions. */
  maxEvents: number;
}

/** Starts counting `servers` (`HOST/UNIT`, every one ready now) out of service; `done()` stops and
 * tells the most seen at once. Polls etcd's view through `viewer` every `intervalMs` (one poll at
 * a time: a slow answer is not piled on). */
export function watchOutOfService(hosts: readonly FleetHost[], servers: readonly string[], viewer: FleetHost, intervalMs = 40): { done(): Promise<OutCount> } {
  const from = hosts.map((h) => h.supd.events.length);
  let polls = 0;
  let maxPolled = 0;
  let inFlight: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (inFlight !== null) return;
    inFlight = fleetUnits(viewer).then((units) => {
      if (units === null) return;
      polls++;
      maxPolled = Math.max(maxPolled, units.filter((u) => servers.includes(`${u.host}/${u.name}`) && !u.ready).length);
    }).finally(() => {
      inFlight = null;
    });
  }, intervalMs);
  return {
    async done(): Promise<OutCount> {
      clearInterval(timer);
      await inFlight;
      const state = new Map(servers.map((n) => [n, 'ready']));
      let maxEvents = 0;
      const merged = hosts.flatMap((h, i) => h.supd.events.slice(from[i]).map((e) => ({ h: h.name, e })))
        .sort((a, b) => Date.parse(a.e.at) - Date.parse(b.e.at));
      for (const { h, e } of merged) {
        if (e.type !== 'transition' || !servers.includes(`${h}/${e.unit}`)) continue;
        state.set(`${h}/${e.unit}`, e.to);
        maxEvents = Math.max(maxEvents, [...state.values()].filter((s) => s !== 'ready').length);
      }
      return { polls, maxPolled, maxEvents };
    },
  };
}

/** Out of the load balancer by its `lb` hooks' log (lines `disable SERVER ...` and `enable SERVER
 * ...`, appended by each hook once done, in the order they ran): the most servers disabled at once
 * and the ones still disabled (no enable after their last disable) at the end of `lines`. */
export function lbOut(lines: readonly string[]): { max: number; disabled: string[] } {
  const out = new Set<string>();
  let max = 0;
  for (const line of lines) {
    const [verb, server] = line.split(' ');
    if (server === undefined) continue;
    if (verb === 'disable') out.add(server);
    else if (verb === 'enable') out.delete(server);
    max = Math.max(max, out.size);
  }
  return { max, disabled: [...out] };
}

/** The lines an lb-hook log holds so far (none before the first hook ran). */
export function hookLines(file: string): string[] {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : [];
}
