// A unit of the dependency-chain workload: listens on 127.0.0.1:PORT (argv[2]) and does nothing else.
import net from 'node:net';

const port = Number(process.argv[2]);
net.createServer((sock) => sock.end()).listen(port, '127.0.0.1');
