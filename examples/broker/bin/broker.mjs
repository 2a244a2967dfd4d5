#!/usr/bin/env node
// A small TCP pub/sub message broker, for the supd examples:
//   broker.mjs --port N [--host H]
// One line per command: `SUB topic` -> `OK subscribed topic`; `PUB topic message…` delivers
// `MSG topic message…` to every other subscriber of the topic and answers `OK delivered N`;
// `PING` -> `PONG`. SIGTERM: close every connection and exit 0.
import net from 'node:net';
import { parseArgs } from 'node:util';

function die(message, code = 1) {
  process.stderr.write(`broker: ${message}\n`);
  process.exit(code);
}

let values;
try {
  values = parseArgs({ options: { port: { type: 'string' }, host: { type: 'string', default: '127.0.0.1' } } }).values;
} catch (e) {
  die(`${e.message}\nusage: broker.mjs --port N [--host H]`, 2);
}
const port = Number(values.port);
if (!Number.isInteger(port)) die('--port is required\nusage: broker.mjs --port N [--host H]', 2);
const say = (line) => process.stdout.write(`broker ${line}\n`);

/** topic -> sockets subscribed to it */
const topics = new Map();
const clients = new Set();
let nextId = 1;

const server = net.createServer((socket) => {
  const id = nextId++;
  clients.add(socket);
  socket.setEncoding('utf8');
  socket.on('error', () => {});
  socket.on('close', () => {
    clients.delete(socket);
    for (const subs of topics.values()) subs.delete(socket);
    say(`client #${id} left`);
  });
  say(`client #${id} connected from ${socket.remoteAddress}:${socket.remotePort}`);
  let buf = '';
  socket.on('data', (d) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).replace(/\r$/, '');
      buf = buf.slice(nl + 1);
      handle(socket, id, line);
    }
  });
});

function handle(socket, id, line) {
  const m = /^(\S+)(?:\s+(\S+))?(?:\s(.*))?$/.exec(line);
  const cmd = m?.[1]?.toUpperCase();
  const topic = m?.[2];
  if (cmd === 'PING') {
    socket.write('PONG\n');
  } else if (cmd === 'SUB' && topic) {
    if (!topics.has(topic)) topics.set(topic, new Set());
    topics.get(topic).add(socket);
    socket.write(`OK subscribed ${topic}\n`);
    say(`client #${id} subscribed to ${topic}`);
  } else if (cmd === 'PUB' && topic) {
    let delivered = 0;
    for (const sub of topics.get(topic) ?? []) {
      if (sub === socket || sub.destroyed) continue;
      sub.write(`MSG ${topic} ${m[3] ?? ''}\n`);
      delivered++;
    }
    socket.write(`OK delivered ${delivered}\n`);
  } else if (line.trim() !== '') {
    socket.write(`ERR unknown command ${JSON.stringify(line)} (SUB topic, PUB topic message, PING)\n`);
  }
}

function stop(reason) {
  say(`${reason}: closing ${clients.size} connection(s)`);
  server.close();
  for (const s of clients) s.end();
  process.exit(0);
}

server.once('error', (e) => die(`cannot listen on ${values.host}:${port}: ${e.code ?? e.message}`));
server.listen({ host: values.host, port }, () => say(`listening on ${values.host}:${port}`));
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
