#!/usr/bin/env node
// A stand-in for WalB's controller: sends one command to a server and prints its answer.
//   walbc.mjs -a HOST -p PORT ping | status | shutdown [graceful|force]
// Exits 0 when the answer starts with `ok`, 1 otherwise or when the server is unreachable.
import net from 'node:net';

function die(message, code = 1) {
  process.stderr.write(`walbc: ${message}\n`);
  process.exit(code);
}

const args = process.argv.slice(2);
let host = '127.0.0.1';
let port = NaN;
const words = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '-a') host = args[++i] ?? '';
  else if (args[i] === '-p') port = Number(args[++i]);
  else words.push(args[i]);
}
if (!Number.isInteger(port) || words.length === 0) die('usage: walbc.mjs -a HOST -p PORT ping|status|shutdown [graceful|force]', 2);

const sock = net.connect({ host, port });
let buf = '';
sock.setTimeout(5000, () => die(`no answer from ${host}:${port} within 5s`));
sock.on('error', (e) => die(`cannot reach ${host}:${port}: ${e.code ?? e.message}`));
sock.on('connect', () => sock.write(`${words.join(' ')}\n`));
sock.setEncoding('utf8');
sock.on('data', (d) => {
  buf += d;
  const nl = buf.indexOf('\n');
  if (nl < 0) return;
  const answer = buf.slice(0, nl);
  process.stdout.write(`${answer}\n`);
  sock.destroy();
  process.exit(answer.startsWith('ok') ? 0 : 1);
});
