#!/usr/bin/env node
// A replica of a tiny key-value datastore, for the supd examples:
//   replica.mjs --name NAME --http-port N --broker HOST:PORT [--topic changes]
// It subscribes to the topic on the broker and applies the changes other replicas publish.
// HTTP: `POST /set?key=K&value=V` stores and publishes, `GET /get?key=K`, `GET /data`,
// `GET /health` (200 while connected to the broker, 503 otherwise). It refuses to start when the
// broker does not answer; later it reconnects by itself. SIGTERM: exit 0.
import http from 'node:http';
import net from 'node:net';
import { parseArgs } from 'node:util';

const USAGE = 'usage: replica.mjs --name NAME --http-port N --broker HOST:PORT [--topic changes]';
let values;
try {
  values = parseArgs({
    options: {
      name: { type: 'string' },
      'http-port': { type: 'string' },
      broker: { type: 'string' },
      topic: { type: 'string', default: 'changes' },
    },
  }).values;
} catch (e) {
  process.stderr.write(`replica: ${e.message}\n${USAGE}\n`);
  process.exit(2);
}
const name = values.name ?? 'replica';
function die(message, code = 1) {
  process.stderr.write(`${name}: ${message}\n`);
  process.exit(code);
}
const httpPort = Number(values['http-port']);
const m = /^(.+):(\d+)$/.exec(values.broker ?? '');
if (!Number.isInteger(httpPort) || !m) die(`--http-port and --broker HOST:PORT are required\n${USAGE}`, 2);
const broker = { host: m[1], port: Number(m[2]) };
const topic = values.topic;
const say = (line) => process.stdout.write(`${name} ${line}\n`);

const data = new Map();
let link = null; // the broker connection while it is up
let stopping = false;

/** Connects and subscribes; resolves once the broker acknowledged the subscription. */
function connect() {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: broker.host, port: broker.port });
    sock.setEncoding('utf8');
    let buf = '';
    let subscribed = false;
    sock.on('error', (e) => { if (!subscribed) reject(new Error(e.code ?? e.message)); });
    sock.on('connect', () => sock.write(`SUB ${topic}\n`));
    sock.on('close', () => {
      if (!subscribed) return reject(new Error('closed by the broker'));
      if (link === sock) link = null;
      if (!stopping) {
        say(`lost the broker at ${broker.host}:${broker.port}; reconnecting`);
        setTimeout(reconnect, 500);
      }
    });
    sock.on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!subscribed && line.startsWith(`OK subscribed ${topic}`)) {
          subscribed = true;
          link = sock;
          resolve();
        } else if (line.startsWith(`MSG ${topic} `)) {
          apply(line.slice(`MSG ${topic} `.length));
        }
      }
    });
  });
}

function reconnect() {
  if (stopping) return;
  connect().then(
    () => say(`reconnected to the broker at ${broker.host}:${broker.port}`),
    () => setTimeout(reconnect, 500),
  );
}

function apply(payload) {
  let change;
  try {
    change = JSON.parse(payload);
  } catch {
    return say(`ignored a malformed change: ${payload}`);
  }
  if (change.origin === name || typeof change.key !== 'string') return;
  data.set(change.key, String(change.value));
  say(`applied ${change.key}=${JSON.stringify(change.value)} from ${change.origin}`);
}

function reply(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(`${JSON.stringify(body)}\n`);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://replica');
  const route = `${req.method} ${url.pathname}`;
  if (route === 'GET /health') {
    return reply(res, link ? 200 : 503, { name, broker: link ? 'connected' : 'disconnected', keys: data.size });
  }
  if (route === 'GET /data') return reply(res, 200, Object.fromEntries(data));
  if (route === 'GET /get') {
    const key = url.searchParams.get('key') ?? '';
    return data.has(key) ? reply(res, 200, { key, value: data.get(key) }) : reply(res, 404, { error: `no key ${JSON.stringify(key)}` });
  }
  if (route === 'POST /set') {
    const key = url.searchParams.get('key');
    const value = url.searchParams.get('value') ?? '';
    if (!key) return reply(res, 400, { error: 'POST /set?key=K&value=V' });
    if (!link) return reply(res, 503, { error: 'the broker is unreachable; not accepting writes' });
    data.set(key, value);
    link.write(`PUB ${topic} ${JSON.stringify({ origin: name, key, value })}\n`);
    say(`set ${key}=${JSON.stringify(value)}`);
    return reply(res, 200, { ok: true, key, value });
  }
  return reply(res, 404, { error: `no route ${route}` });
});

try {
  await connect();
} catch (e) {
  die(`cannot reach the broker at ${broker.host}:${broker.port} (${e.message}); start the broker first`);
}
say(`subscribed to ${topic} on ${broker.host}:${broker.port}`);
server.once('error', (e) => die(`cannot listen on 127.0.0.1:${httpPort}: ${e.code ?? e.message}`));
server.listen({ host: '127.0.0.1', port: httpPort }, () => say(`http on 127.0.0.1:${httpPort}`));

function stop(reason) {
  stopping = true;
  say(`${reason}: stopping`);
  link?.destroy();
  server.close();
  process.exit(0);
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
