// The terminal edge of `supctl top`: the alternate screen, raw keys, resizes, and frames written
// as the lines that changed since the last one. Everything it sets up, restore() undoes: the
// terminal is left as it was found whether top quits, fails or is sent SIGTERM/SIGHUP.
import readline from 'node:readline';
import type { Key } from './keys.js';

const ENTER = '\x1b[?1049h\x1b[?25l\x1b[?7l\x1b[2J';
const LEAVE = '\x1b[0m\x1b[?7h\x1b[?25h\x1b[?1049l';

export class Terminal {
  private last: string[] = [];
  private active = false;
  private readonly listeners: (() => void)[] = [];

  constructor(
    private readonly input: NodeJS.ReadStream,
    private readonly output: NodeJS.WriteStream,
  ) {}

  get size(): { width: number; height: number } {
    return { width: this.output.columns || 80, height: this.output.rows || 24 };
  }

  start(onKey: (key: Key) => void, onResize: () => void): void {
    this.active = true;
    readline.emitKeypressEvents(this.input);
    this.input.setRawMode(true);
    this.input.resume();
    const key = (_s: string | undefined, k: Key | undefined): void => onKey(k ?? {});
    const resize = (): void => {
      this.last = [];
      this.output.write('\x1b[2J');
      onResize();
    };
    this.input.on('keypress', key);
    this.output.on('resize', resize);
    // A signal ends node without running anything else: the terminal would stay raw, on the
    // alternate screen, with no cursor. These two are the ones a closing terminal or kill sends.
    const signal = (sig: NodeJS.Signals): void => {
      this.restore();
      process.kill(process.pid, sig);
    };
    process.once('SIGTERM', signal);
    process.once('SIGHUP', signal);
    this.listeners.push(
      () => this.input.off('keypress', key),
      () => this.output.off('resize', resize),
      () => process.off('SIGTERM', signal),
      () => process.off('SIGHUP', signal),
    );
    this.output.write(ENTER);
  }

  /** Writes the lines that differ from the last frame (all of them after a resize). */
  draw(lines: readonly string[]): void {
    if (!this.active) return;
    let out = '';
    lines.forEach((line, i) => {
      if (this.last[i] !== line) out += `\x1b[${i + 1};1H\x1b[0m${line}\x1b[0m\x1b[K`;
    });
    for (let i = lines.length; i < this.last.length; i++) out += `\x1b[${i + 1};1H\x1b[0m\x1b[K`;
    this.last = [...lines];
    if (out !== '') this.output.write(out);
  }

  restore(): void {
    if (!this.active) return;
    this.active = false;
    for (const off of this.listeners.splice(0)) off();
    this.output.write(LEAVE);
    if (this.input.isTTY) this.input.setRawMode(false);
    this.input.pause();
  }
}
