// The fast path (cli/fast.ts) must be invisible: every command line it takes prints the same, exits
// the same and sends the same requests as the full commander program; every other line goes there.
import t from 'tap';
import { parseFast, type FastCommand } from '../../cli/fast.js';
import { COMMAND_FLAGS, switchValue, words, type Flag } from '../../cli/flags.js';
import { runFull } from '../../cli/full.js';
import type { Io } from '../../cli/context.js';
import { cli, daemon } from './helpers.js';

async function full(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; }, env, cwd: process.cwd(), version: '1.2.3' };
  const code = await runFull(args, io);
  return { code, stdout, stderr };
}

t.test('the everyday lines print, exit and send exactly what the full program does', async (t) => {
  const d = await daemon(t);
  const lines: string[][] = [
    ['--socket', d.socket, 'status'],
    ['--json', `--socket=${d.socket}`, 'status', 'web'],
    ['--socket', d.socket, 'status', 'nope'],
    ['--socket', d.socket, '--json', 'health', 'db'],
    ['--socket', d.socket, 'health'],
    ['--socket', d.socket, 'start', '--no-wait', 'db', 'web'],
    ['--socket', d.socket, 'stop', 'all'],
    ['--socket', d.socket, 'stop', '--safe', '--no-wait', 'web'],
    ['--socket', d.socket, 'restart', '--rolling', 'half-by-half', '--with-dependents', '--safe', 'web'],
    ['--socket', d.socket, 'restart', '--rolling=one-by-one', 'web'],
  ];
  for (const args of lines) {
    t.not(parseFast(args), null, `fast: ${args.join(' ')}`);
    const before = d.control.commands.length;
    const fast = await cli(args);
    const fastCommands = d.control.commands.slice(before);
    const slow = await full(args);
    t.same(fast, slow, args.join(' '));
    t.same(fastCommands, d.control.commands.slice(before + fastCommands.length), `requests of ${args.join(' ')}`);
  }
});

t.test('the socket still comes from SUPD_SOCKET, and an unreachable one still exits 3', async (t) => {
  const d = await daemon(t);
  t.equal((await cli(['status'], { SUPD_SOCKET: d.socket })).code, 0);
  const gone = await cli(['--socket', `${d.dir}/nothing.sock`, 'status']);
  t.equal(gone.code, 3);
  t.same(gone, await full(['--socket', `${d.dir}/nothing.sock`, 'status']));
});

t.test('help, version, usage errors and unknown options are left to the full program', async (t) => {
  for (const args of [
    [], ['--version'], ['-h'], ['status', '--help'], ['help', 'status'], ['start'], ['stop', '--sfe', 'web'],
    ['restart', '--rolling', 'sideways', 'web'], ['restart', '--rolling'], ['--socket'], ['--socket', '--json', 'status'],
    ['--json', '--json', 'status'], ['stop', '--safe=yes', 'web'], ['logs', 'web'], ['show', 'web'], ['status', '--', 'web'],
    ['--bogus', 'status'],
  ]) {
    t.equal(parseFast(args), null, args.join(' ') || '(nothing)');
  }
  const usage = await cli(['restart', '--rolling', 'sideways', 'web']);
  t.equal(usage.code, 2);
  t.match(usage.stderr, /argument 'sideways' is invalid/);
});

t.test('the fast path takes every switch and choice of cli/flags.ts, the table commander registers too', async (t) => {
  for (const [command, flags] of Object.entries(COMMAND_FLAGS) as [FastCommand, readonly Flag[]][]) {
    for (const flag of flags) {
      for (const word of words(flag)) {
        const args = flag.kind === 'choice' ? [command, word, flag.choices[0] ?? '', 'web'] : [command, word, 'web'];
        const line = parseFast(args);
        if (flag.kind === 'value') {
          t.equal(line, null, `${args.join(' ')}: left to commander`);
          continue;
        }
        t.same(line?.opts, { [flag.key]: flag.kind === 'choice' ? flag.choices[0] : switchValue(flag) }, args.join(' '));
      }
    }
  }
});
