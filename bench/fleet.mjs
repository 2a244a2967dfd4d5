// `npm run build && node bench/fleet.mjs [--units 500] [--cycles 30]`: the fleet's own row, on a
// private 3-member etcd and three supd hosts on loopback (examples/fleet/cluster.mjs):
// `--fleet status` of 3 hosts × N units (API and supctl), and cross-host readiness latency: the
// time from a unit turning ready on h1 to the unit on h2 that requires it starting (etcd put →
// watch event on h2 → spawn), p50/p99 over the cycles. `--json`: one JSON object on stdout
// (what `npm run bench` puts in its table, workload `hosts`).
import os from 'node:os';
import { ETCD, startFleet, supctl, TOKEN } from '../examples/fleet/cluster.mjs';

const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('--units', 500);
const CYCLES = arg('--cycles', 30);
const JSON_OUT = process.argv.includes('--json');

if (ETCD === null) {
  process.stdout.write(JSON_OUT ? `${JSON.stringify({ skipped: 'etcd is not installed' })}\n` : 'bench fleet: skipped: etcd is not installed\n');
  process.exit(0);
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const idle = (i) => `command: ["sleep", "infinity"]\nautostart: false\n# ${i}\n`;
const many = (extra) => {
  const u = {};
  for (let i = 0; i < N; i++) u[`u${i}`] = idle(i);
  return { ...u, ...extra };
};

// Transition times from each supd's own log (pino `time`, ms): one clock, one machine.
const transitions = [];
const fleet = await startFleet({
  h1: many({ a: 'command: ["sleep", "infinity"]\nautostart: false\nready: {grace: 100ms}\n' }),
  h2: many({ b: 'command: ["sleep", "infinity"]\nrequires: [h1/a]\nautostart: false\nready: {grace: 100ms}\n' }),
  h3: many({}),
}, {
  onLog: (host, line) => {
    try {
      const r = JSON.parse(line);
      if (r.from !== undefined) transitions.push({ host, unit: r.unit, to: r.to, time: r.time });
    } catch {
      // not JSON
    }
  },
});
const [h1, h2] = fleet.hosts;
const wait = async (cond, what) => {
  const end = Date.now() + 60_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};
const last = (host, unit, to) => transitions.filter((t) => t.host === host && t.unit === unit && t.to === to).at(-1);

try {
  // Every host's records are in etcd once the full view holds 3 × (N + extras) units.
  const want = 3 * N + 2;
  for (;;) {
    // The TCP API listens a moment after the socket: refused until then.
    const r = await fetch(`${h1.url}/v1/fleet/units`, { headers: { authorization: `Bearer ${TOKEN}` } }).then((x) => x.json(), () => ({}));
    if (Array.isArray(r.units) && r.units.length >= want) break;
    await new Promise((res) => setTimeout(res, 200));
  }
  const api = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    const r = await fetch(`${h2.url}/v1/fleet/units`, { headers: { authorization: `Bearer ${TOKEN}` } });
    await r.text();
    api.push(performance.now() - t0);
  }
  const cli = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const r = await supctl(h2, '--fleet', 'status');
    if (r.code !== 0) throw new Error(r.stderr);
    cli.push(performance.now() - t0);
  }
  // b (h2) is started and waits for h1/a; a is started; the latency is a ready → b starting.
  const lat = [];
  for (let c = 0; c < CYCLES; c++) {
    await supctl(h2, 'start', '--no-wait', 'b');
    await wait(() => last('h2', 'b', 'waiting') !== undefined && transitions.filter((t) => t.unit === 'b' && t.to === 'waiting').length > c, 'b waiting');
    await supctl(h1, 'start', 'a');
    await wait(() => transitions.filter((t) => t.host === 'h2' && t.unit === 'b' && t.to === 'starting').length > c, 'b starting');
    lat.push(last('h2', 'b', 'starting').time - last('h1', 'a', 'ready').time);
    await supctl(h1, 'stop', 'a');
  }
  const f = (x) => `${x.toFixed(1)} ms`;
  const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  if (JSON_OUT) {
    process.stdout.write(`${JSON.stringify({
      units: N, cycles: lat.length, load,
      api: { p50: pct(api, 50), p99: pct(api, 99), n: api.length },
      cli: { p50: pct(cli, 50), p99: pct(cli, 99), n: cli.length },
      readiness: { p50: pct(lat, 50), p99: pct(lat, 99), n: lat.length },
    })}\n`);
  } else process.stdout.write([
    `fleet: 3 hosts × ${N} units (+2), a private 3-member etcd on loopback, ${new Date().toISOString()}, load ${load}`,
    `| workload | p50 | p99 |`,
    `|---|---|---|`,
    `| --fleet status, API (GET /v1/fleet/units, ${3 * N + 2} units) | ${f(pct(api, 50))} | ${f(pct(api, 99))} |`,
    `| supctl --fleet status | ${f(pct(cli, 50))} | ${f(pct(cli, 99))} |`,
    `| cross-host readiness (h1 ready → h2 starting, ${lat.length} cycles) | ${f(pct(lat, 50))} | ${f(pct(lat, 99))} |`,
    '',
  ].join('\n'));
} finally {
  await fleet.stop();
}
