#!/usr/bin/env node
// The control client of the fake VDP server: what supd runs as `stop.command` and `safeStop.command`.
//   vdp-ctl.mjs shutdown [--force] [--if-running] --port N [--host H]   safe (drain) by default;
//     --if-running: nothing listening counts as done (the server drained and exited by itself)
//   vdp-ctl.mjs status --port N [--host H]
// Prints the server's answer; exits 0 when it starts with OK, 1 otherwise or when unreachable.
import net from 'node:net';
import { parseArgs } from 'node:util';

const USAGE = 'usage: vdp-ctl.mjs shutdown [--force] [--if-running] --port N [--host H] | vdp-ctl.mjs status --port N [--host H]';

function die(message, code = 1) {
  process.stderr.write(`vdp-ctl: ${message}\n`);
  process.exit(code);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      force: { type: 'boolean', default: false },
      'if-running': { type: 'boolean', default: false },
    },
  });
} catch (e) {
  die(`${e.message}\n${USAGE}`, 2);
}
const { values, positionals } = parsed;
const port = Number(values.port);
if (!Number.isInteger(port)) die(`--port is required\n${USAGE}`, 2);
const verb = positionals[0];
let line;
if (verb === 'shutdown') line = `shutdown ${values.force ? 'force' : 'safe'}`;
else if (verb === 'status') line = 'status';
else die(USAGE, 2);

const sock = net.connect({ host: values.host, port });
let buf = '';
sock.setTimeout(5000, () => die(`no answer from ${values.host}:${port} within 5s`));
sock.on('error', (e) => {
  if (e.code === 'ECONNREFUSED' && verb === 'shutdown' && values['if-running']) {
    process.stdout.write(`nothing listens on ${values.host}:${port}: already stopped\n`);
    process.exit(0);
  }
  die(`cannot reach the control port ${values.host}:${port}: ${e.code ?? e.message}`);
});
sock.on('connect', () => sock.write(`${line}\n`));
sock.setEncoding('utf8');
sock.on('data', (d) => {
  buf += d;
  const nl = buf.indexOf('\n');
  if (nl < 0) return;
  const answer = buf.slice(0, nl);
  process.stdout.write(`${answer}\n`);
  sock.destroy();
  process.exit(answer.startsWith('OK') ? 0 : 1);
});
