// The unit loader's child process (unit-loader.ts): `unit-loader-child DIR HOST` loads the
// directory and sends the LoadResult to its parent over the IPC channel, then exits.
import { loadUnits } from '../../units/load.js';

const [dir, host] = process.argv.slice(2);
if (dir === undefined || host === undefined || process.send === undefined) {
  process.stderr.write('unit-loader-child: run by supd with DIR HOST and an IPC channel\n');
  process.exit(2);
}
// supd gone (killed, or shut down mid-load): nothing would take the result.
process.on('disconnect', () => process.exit(1));
const result = await loadUnits(dir, { host });
process.send(result, () => process.exit(0));
