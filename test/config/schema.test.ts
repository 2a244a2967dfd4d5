import t from 'tap';
import { parseHostPort, parseSize } from '../../config/schema.js';

t.test('sizes are bytes with binary multiples', async (t) => {
  const rows: [string, number | null][] = [
    ['64MB', 64 * 1024 ** 2], ['512KB', 512 * 1024], ['512kb', 512 * 1024], ['1G', 1024 ** 3], ['2GiB', 2 * 1024 ** 3],
    ['4096', 4096], ['100B', 100], ['1.5MB', 1.5 * 1024 ** 2],
    ['MB', null], ['12XB', null], ['-1MB', null],
  ];
  for (const [text, bytes] of rows) t.equal(parseSize(text), bytes, JSON.stringify(text));
});

t.test('host:port needs both parts and a port in range', async (t) => {
  t.same(parseHostPort('127.0.0.1:7878'), { host: '127.0.0.1', port: 7878 });
  t.same(parseHostPort('localhost:0'), { host: 'localhost', port: 0 });
  t.same(parseHostPort('[::1]:80'), { host: '::1', port: 80 });
  for (const bad of ['nope', '7878', ':7878', '127.0.0.1:', '127.0.0.1:70000', '::1:80', 'a b:1']) {
    t.equal(parseHostPort(bad), null, bad);
  }
});
