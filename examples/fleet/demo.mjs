// `npm run demo -- fleet`: a private 3-member etcd and three supd "hosts" (h1, h2, h3) on loopback;
// shows WalB's archive (h1) → proxy (h2) → storage (h3) chain starting in order across hosts, a
// stop of archive stopping storage then proxy then archive, and a fleet rollout of web on every
// host. `--once` runs the script and exits; otherwise it stays up until Ctrl-C for you to try
// supctl. Skips with a message when etcd is not installed.
import { BIN_DIR, ETCD, startFleet, supctl } from './cluster.mjs';

const once = process.argv.includes('--once');
if (ETCD === null) {
  process.stdout.write('demo fleet: skipped: etcd is not installed (apt-get install etcd-server etcd-client)\n');
  process.exit(0);
}

const sleeper = (extra = '') => `command: ["sleep", "infinity"]\nready: {grace: 500ms}\n${extra}`;
const say = (text) => process.stdout.write(`\n== ${text}\n`);
const show = (r) => process.stdout.write(r.stdout + r.stderr);

process.stdout.write('demo fleet: starting a private 3-member etcd and supd on h1, h2, h3 (loopback)…\n');
const fleet = await startFleet({
  h1: { archive: sleeper('autostart: false\n'), web: sleeper() },
  h2: { proxy: sleeper('requires: [h1/archive]\n'), web: sleeper() },
  h3: { storage: sleeper('requires: [h2/proxy]\n'), web: sleeper() },
}, {
  onLog: (host, line) => {
    try {
      const rec = JSON.parse(line);
      if (rec.from !== undefined || /fleet/.test(rec.msg ?? '')) process.stdout.write(`   [${host}] ${rec.msg}\n`);
    } catch {
      // not a log record
    }
  },
});
const [h1, h2, h3] = fleet.hosts;
let stopping = false;
const end = async (code) => {
  if (stopping) return;
  stopping = true;
  process.stdout.write('\ndemo fleet: stopping the three supd and etcd…\n');
  await fleet.stop();
  process.exit(code);
};
process.on('SIGINT', () => void end(0));
process.on('SIGTERM', () => void end(0));

try {
  await new Promise((r) => setTimeout(r, 1500));
  say('supctl --fleet status (asked of h3: every host\'s units, from etcd)');
  show(await supctl(h3, '--fleet', 'status'));
  say('supctl start archive on h1: proxy (h2) and storage (h3) were waiting for it through etcd');
  show(await supctl(h1, 'start', 'archive'));
  await new Promise((r) => setTimeout(r, 1500));
  show(await supctl(h2, '--fleet', 'status', 'archive', 'proxy', 'storage'));
  say('supctl --fleet restart --rolling one-by-one h1/web h2/web h3/web (one at a time, under an etcd lock)');
  show(await supctl(h1, '--fleet', 'restart', '--rolling', 'one-by-one', 'h1/web', 'h2/web', 'h3/web'));
  say('supctl stop archive on h1: storage (h3) stops first, then proxy (h2), then archive');
  show(await supctl(h1, 'stop', 'archive'));
  show(await supctl(h1, '--fleet', 'status'));
  if (!once) {
    process.stdout.write([
      '',
      'Try it (another terminal):',
      `  export PATH="${BIN_DIR}:$PATH"   # supctl of this clone (npx in a clone trips on npm 11, see README)`,
      ...fleet.hosts.map((h) => `  supctl --socket ${h.socket} --fleet status      # ${h.name}`),
      `  supctl --socket ${h3.socket} start h1/archive`,
      `  supctl --socket ${h2.socket} --fleet rollouts`,
      `  etcdctl --endpoints ${fleet.endpoints} get --prefix /supd --keys-only`,
      'Ctrl-C stops everything.',
      '',
    ].join('\n'));
    await new Promise(() => {});
  }
  await end(0);
} catch (e) {
  process.stderr.write(`demo fleet: ${e instanceof Error ? e.message : String(e)}\n`);
  await end(1);
}
