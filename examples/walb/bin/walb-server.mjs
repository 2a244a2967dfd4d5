#!/usr/bin/env node
// A stand-in for WalB's servers, for the supd examples:
//   walb-server.mjs walb-archive -p PORT -b BASEDIR -id ID -l LOGPATH
//   walb-server.mjs walb-proxy   -p PORT -b BASEDIR -id ID -l LOGPATH -archive HOST:PORT
//   walb-server.mjs walb-storage -p PORT -b BASEDIR -id ID -l LOGPATH -archive HOST:PORT -proxy HOST:PORT
// It refuses to start when a peer it needs does not answer, then keeps checking its peers and
// logs when one goes away or comes back (it reconnects on its own, as WalB's servers do).
// Protocol on PORT, one line each: `ping`, `status`, `shutdown [graceful|force]`. SIGTERM: graceful.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const KINDS = { 'walb-archive': [], 'walb-proxy': ['archive'], 'walb-storage': ['archive', 'proxy'] };
const USAGE = 'usage: walb-server.mjs walb-archive|walb-proxy|walb-storage -p PORT -b BASEDIR -id ID -l LOGPATH [-archive HOST:PORT] [-proxy HOST:PORT]';

function die(message, code = 1) {
  process.stderr.write(`${kind ?? 'walb-server'}: ${message}\n`);
  process.exit(code);
}

const [kind, ...rest] = process.argv.slice(2);
if (kind === undefined || !(kind in KINDS)) die(USAGE, 2);
const flags = {};
for (let i = 0; i < rest.length; i += 2) {
  const name = rest[i];
  const value = rest[i + 1];
  if (!name?.startsWith('-') || value === undefined) die(`bad argument ${JSON.stringify(name)}\n${USAGE}`, 2);
  flags[name.slice(1)] = value;
}
for (const required of ['p', 'b', 'id', 'l', ...KINDS[kind]]) {
  if (flags[required] === undefined) die(`-${required} is required\n${USAGE}`, 2);
}
const port = Number(flags.p);
if (!Number.isInteger(port) || port < 1 || port > 65535) die(`-p must be a port, got ${JSON.stringify(flags.p)}`, 2);

const peers = KINDS[kind].map((name) => {
  const m = /^(.+):(\d+)$/.exec(flags[name]);
  if (!m) die(`-${name} must be HOST:PORT, got ${JSON.stringify(flags[name])}`, 2);
  return { name, host: m[1], port: Number(m[2]), up: true };
});

let logFile = null;
if (flags.l !== '-') {
  fs.mkdirSync(path.dirname(path.resolve(flags.l)), { recursive: true });
  logFile = fs.openSync(flags.l, 'a');
}
function log(line) {
  const text = `${new Date().toISOString()} ${kind}[${flags.id}] ${line}\n`;
  process.stdout.write(text);
  if (logFile !== null) fs.writeSync(logFile, text);
}

const started = Date.now();
fs.mkdirSync(flags.b, { recursive: true });
log(`starting pid=${process.pid} port=${port} basedir=${path.resolve(flags.b)}${peers.map((p) => ` ${p.name}=${p.host}:${p.port}`).join('')}`);

/** Resolves true when a walb server answers `ping` at the peer's address. */
function ping(peer) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: peer.host, port: peer.port });
    let buf = '';
    const done = (ok) => { sock.destroy(); resolve(ok); };
    sock.setTimeout(2000, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => sock.write('ping\n'));
    sock.on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) done(buf.startsWith('ok'));
    });
  });
}

for (const peer of peers) {
  if (!(await ping(peer))) die(`the ${peer.name} at ${peer.host}:${peer.port} is not reachable; start walb-${peer.name} first`);
  log(`connected to the ${peer.name} at ${peer.host}:${peer.port}`);
}

const clients = new Set();
let stopping = false;

const server = net.createServer((socket) => {
  clients.add(socket);
  socket.on('close', () => clients.delete(socket));
  socket.on('error', () => {});
  socket.setEncoding('utf8');
  let buf = '';
  socket.on('data', (d) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const words = buf.slice(0, nl).trim().split(/\s+/);
      buf = buf.slice(nl + 1);
      if (words[0] === 'ping') socket.write(`ok ${kind} ${flags.id}\n`);
      else if (words[0] === 'status') {
        const peerText = peers.map((p) => ` ${p.name}=${p.up ? 'up' : 'down'}`).join('');
        socket.write(`ok ${kind} id=${flags.id} uptime=${Math.round((Date.now() - started) / 1000)}s${peerText}\n`);
      } else if (words[0] === 'shutdown') {
        const mode = words[1] === 'force' ? 'force' : 'graceful';
        socket.write('ok\n', () => stop(`shutdown ${mode} requested`));
      } else if (words[0] !== '') socket.write(`err unknown command ${JSON.stringify(words.join(' '))}\n`);
    }
  });
});

function stop(reason) {
  if (stopping) return;
  stopping = true;
  log(`${reason}: closing port ${port}`);
  clearInterval(watch);
  server.close();
  for (const s of clients) s.end();
  log('stopped');
  if (logFile !== null) fs.closeSync(logFile);
  process.exit(0);
}

server.once('error', (e) => die(`cannot listen on 127.0.0.1:${port}: ${e.code ?? e.message}`));
server.listen({ host: '127.0.0.1', port }, () => log(`listening on 127.0.0.1:${port}`));

const watch = setInterval(async () => {
  for (const peer of peers) {
    const up = await ping(peer);
    if (up !== peer.up) log(up ? `the ${peer.name} is back; reconnected` : `lost the ${peer.name} at ${peer.host}:${peer.port}; retrying`);
    peer.up = up;
  }
}, 1000);

process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
