#!/usr/bin/env node
// A stand-in for a VDP database-virtualisation server (master or slave), for the supd examples.
// SQL port: a line protocol (`QUERY <ms>` answers `OK <ms>` after that long, `PING` -> `PONG`).
// Control port: `shutdown safe` (stop accepting, finish running queries, exit 0), `shutdown force`, `status`.
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';

const USAGE = 'usage: vdp-server.mjs --role master|slave --port N --control-port N [--master-port N] [--jvm OPTS] [--metadata FILE] [--host H]';

function die(message, code = 1) {
  process.stderr.write(`vdp-server: ${message}\n`);
  process.exit(code);
}

// A hand-rolled parser: every option takes the next argument as is, so `--jvm -Xmx2g` works
// (node:util parseArgs refuses a value that starts with a dash).
const KNOWN = ['role', 'port', 'control-port', 'master-port', 'jvm', 'metadata', 'host'];
const opts = { jvm: '', host: '127.0.0.1' };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i];
  const eq = arg.indexOf('=');
  const name = arg.startsWith('--') ? arg.slice(2, eq < 0 ? undefined : eq) : null;
  if (name === null || !KNOWN.includes(name)) die(`unknown argument ${JSON.stringify(arg)}\n${USAGE}`, 2);
  const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
  if (value === undefined) die(`--${name} needs a value\n${USAGE}`, 2);
  opts[name] = value;
}

const role = opts.role;
if (role !== 'master' && role !== 'slave') die(`--role must be master or slave\n${USAGE}`, 2);
const port = Number(opts.port);
const controlPort = Number(opts['control-port']);
if (!Number.isInteger(port) || !Number.isInteger(controlPort)) die(`--port and --control-port are required\n${USAGE}`, 2);
const masterPort = opts['master-port'] === undefined ? null : Number(opts['master-port']);
if (role === 'slave' && !Number.isInteger(masterPort)) die(`a slave needs --master-port\n${USAGE}`, 2);
const host = opts.host;
const tag = `vdp-${role}:${port}`;
const say = (line) => process.stdout.write(`${tag} ${line}\n`);

say(`starting pid=${process.pid} role=${role} port=${port} control-port=${controlPort}` +
  `${masterPort === null ? '' : ` master-port=${masterPort}`} jvm=${JSON.stringify(opts.jvm)}`);

if (opts.metadata !== undefined) {
  let text;
  try {
    text = fs.readFileSync(opts.metadata);
  } catch (e) {
    die(`cannot read the metadata file ${opts.metadata}: ${e.code ?? e.message}`);
  }
  const hash = crypto.createHash('sha256').update(text).digest('hex').slice(0, 16);
  say(`metadata ${opts.metadata} sha256=${hash}`);
}

/** Resolves when something at host:port answers PING with PONG. */
function pingMaster(p) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port: p });
    let buf = '';
    const fail = (why) => { sock.destroy(); reject(new Error(why)); };
    sock.setTimeout(3000, () => fail('timed out'));
    sock.on('error', (e) => fail(e.code ?? e.message));
    sock.on('connect', () => sock.write('PING\n'));
    sock.on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) {
        sock.end();
        if (buf.startsWith('PONG')) resolve();
        else fail(`unexpected answer ${JSON.stringify(buf.trim())}`);
      }
    });
  });
}

if (role === 'slave') {
  try {
    await pingMaster(masterPort);
  } catch (e) {
    die(`cannot reach the master at ${host}:${masterPort} (${e.message}); is the master running?`);
  }
  say(`connected to the master at ${host}:${masterPort}`);
}

let draining = false;
let running = 0;
const clients = new Set();
const pending = new Set();

function lines(socket, onLine) {
  let buf = '';
  socket.setEncoding('utf8');
  socket.on('data', (d) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line !== '') onLine(line);
    }
  });
  socket.on('error', () => {});
}

const sql = net.createServer((socket) => {
  clients.add(socket);
  socket.on('close', () => clients.delete(socket));
  lines(socket, (line) => {
    const [cmd, arg] = line.split(/\s+/);
    switch (cmd?.toUpperCase()) {
      case 'PING': socket.write('PONG\n'); break;
      case 'QUIT': socket.end('BYE\n'); break;
      case 'QUERY': {
        if (draining) { socket.write('ERR shutting down\n'); break; }
        const ms = Math.max(0, Number(arg) || 0);
        running++;
        const job = { socket, timer: null };
        job.timer = setTimeout(() => {
          pending.delete(job);
          running--;
          if (!socket.destroyed) socket.write(`OK ${ms}\n`);
          maybeFinishDrain();
        }, ms);
        pending.add(job);
        break;
      }
      default: socket.write(`ERR unknown command ${JSON.stringify(line)}\n`);
    }
  });
});

function exit(reason) {
  say(`exiting: ${reason}`);
  for (const s of clients) s.destroy();
  process.exit(0);
}

function maybeFinishDrain() {
  if (draining && running === 0) exit('drained, no query running');
}

function shutdown(mode) {
  if (mode === 'force') {
    for (const job of pending) {
      clearTimeout(job.timer);
      if (!job.socket.destroyed) job.socket.write('ERR aborted\n');
    }
    exit('forced shutdown');
  }
  if (draining) return;
  draining = true;
  sql.close(); // no new connections; the open ones may finish their queries
  say(`draining: no new connections, waiting for ${running} running quer${running === 1 ? 'y' : 'ies'}`);
  setImmediate(maybeFinishDrain);
}

const control = net.createServer((socket) => {
  lines(socket, (line) => {
    const words = line.toLowerCase().split(/\s+/);
    if (words[0] === 'status') {
      socket.write(`OK role=${role} running=${running} connections=${clients.size} draining=${draining}\n`);
    } else if (words[0] === 'shutdown' && (words[1] === 'safe' || words[1] === 'force' || words[1] === undefined)) {
      const mode = words[1] ?? 'safe';
      socket.write(mode === 'safe' ? `OK draining, ${running} running\n` : 'OK stopping\n', () => shutdown(mode));
    } else {
      socket.write(`ERR unknown command ${JSON.stringify(line)} (status, shutdown safe, shutdown force)\n`);
    }
  });
});

function listen(server, p, what) {
  return new Promise((resolve) => {
    server.once('error', (e) => die(`cannot listen on ${host}:${p} (${what}): ${e.code ?? e.message}`));
    server.listen({ host, port: p }, resolve);
  });
}

await listen(sql, port, 'sql');
await listen(control, controlPort, 'control');
say(`ready: sql on ${host}:${port}, control on ${host}:${controlPort}`);

process.on('SIGTERM', () => shutdown('force'));
process.on('SIGINT', () => shutdown('force'));
