// A private tmux server (its own socket in a temp dir, no user config) to run a full-screen
// program at a given size, type keys into it and read its screen. Teardown kills that server and
// the pane's process by pid.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { alive, descendants, waitUntil } from './harness.js';

type Tap = { teardown(fn: () => unknown): void };

export function tmuxAvailable(): boolean {
  return spawnSync('tmux', ['-V']).status === 0;
}

export class Tmux {
  private readonly socket: string;
  private panePid = 0;

  constructor(t: Tap, dir: string, private readonly name = 'top') {
    this.socket = path.join(dir, `tmux-${name}.sock`);
    t.teardown(() => this.kill());
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-S', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  }

  /** Runs `argv` in a new session of width × height, with `env` added; when the program ends,
   * the pane's shell prints `exited N` and the terminal's mode (`stty`), then waits. */
  start(argv: readonly string[], width: number, height: number, env: Record<string, string> = {}): void {
    const quoted = argv.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
    const script = `${quoted}; echo "exited $?"; stty -a | tr ' ' '\\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\\n' ' '; echo; exec cat`;
    const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    this.tmux('new-session', '-d', '-s', this.name, '-x', String(width), '-y', String(height), ...envArgs, '--', 'sh', '-c', script);
    this.panePid = Number(this.display('#{pane_pid}'));
  }

  display(format: string): string {
    return this.tmux('display-message', '-p', '-t', this.name, format).trim();
  }

  /** The visible screen as text; with `escapes`, colours and attributes as escape sequences. */
  capture(escapes = false): string {
    return this.tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', this.name);
  }

  resize(width: number, height: number): void {
    this.tmux('resize-window', '-t', this.name, '-x', String(width), '-y', String(height));
  }

  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.name, ...keys);
  }

  /** Waits until the screen matches; returns that screen. */
  async waitScreen(pred: (screen: string) => boolean, what: string, timeoutMs = 20_000): Promise<string> {
    let last = '';
    try {
      return await waitUntil(() => {
        last = this.capture();
        return pred(last) ? last : null;
      }, what, timeoutMs);
    } catch (e) {
      throw new Error(`${(e as Error).message}; the screen was:\n${last}`);
    }
  }

  kill(): void {
    const pids = this.panePid > 0 ? [this.panePid, ...descendants(this.panePid)] : [];
    if (fs.existsSync(this.socket)) spawnSync('tmux', ['-S', this.socket, 'kill-server']);
    for (const pid of pids.filter(alive)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    fs.rmSync(this.socket, { force: true });
  }
}
