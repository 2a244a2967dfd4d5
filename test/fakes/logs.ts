// An in-memory log store: tests write a unit's output with write(), which feeds tails, follows
// and armed watches like real captured output; attach/close calls are recorded.
import type { Readable } from 'node:stream';
import type { LogFollower, LogStore, LogWatch } from '../../daemon/edges/logs.js';

export interface FakeLogStore extends LogStore {
  readonly calls: { kind: 'attach' | 'close' | 'closeAll'; unit: string }[];
  /** Appends output for a unit, as if its process wrote it. */
  write(unit: string, text: string): void;
  /** Starts a new "current process" output for watches (the real store does so on attach). */
  newProcess(unit: string): void;
  /** Patterns of the watches armed on a unit. */
  watching(unit: string): string[];
  text(unit: string): string;
}

export function createFakeLogStore(): FakeLogStore {
  const content = new Map<string, string>();
  const current = new Map<string, string>();
  const followers = new Map<string, Set<(b: Buffer) => void>>();
  const watches = new Map<string, Set<{ re: RegExp; cb: (m: string) => void }>>();
  const calls: FakeLogStore['calls'] = [];
  const setOf = <T>(m: Map<string, Set<T>>, unit: string): Set<T> => {
    let s = m.get(unit);
    if (!s) m.set(unit, (s = new Set()));
    return s;
  };
  const check = (unit: string): void => {
    const text = current.get(unit) ?? '';
    for (const w of [...setOf(watches, unit)]) {
      const m = w.re.exec(text);
      if (m) {
        setOf(watches, unit).delete(w);
        queueMicrotask(() => w.cb(m[0]));
      }
    }
  };
  const fake: FakeLogStore = {
    calls,
    attach(unit: string, ...streams: Readable[]) {
      calls.push({ kind: 'attach', unit });
      fake.newProcess(unit);
      for (const s of streams) s.on('data', (c: Buffer) => fake.write(unit, c.toString()));
    },
    write(unit, text) {
      content.set(unit, (content.get(unit) ?? '') + text);
      current.set(unit, (current.get(unit) ?? '') + text);
      for (const f of setOf(followers, unit)) f(Buffer.from(text));
      check(unit);
    },
    newProcess(unit) {
      current.set(unit, '');
    },
    text: (unit) => content.get(unit) ?? '',
    watching: (unit) => [...setOf(watches, unit)].map((w) => w.re.source),
    tail(unit, lines) {
      if (lines <= 0) return Promise.resolve('');
      const all = content.get(unit) ?? '';
      const body = all.endsWith('\n') ? all.slice(0, -1) : all;
      const parts = body === '' ? [] : body.split('\n');
      const out = parts.slice(-lines).join('\n');
      return Promise.resolve(out === '' ? '' : all.endsWith('\n') ? `${out}\n` : out);
    },
    follow(unit, onData, opts): LogFollower {
      const set = setOf(followers, unit);
      if (opts?.lines) void fake.tail(unit, opts.lines).then((t) => t && onData(Buffer.from(t)));
      set.add(onData);
      return { close: () => set.delete(onData) };
    },
    watchFor(unit, regex, cb): LogWatch {
      const w = { re: new RegExp(regex.source, regex.flags.replace(/[gy]/g, '')), cb };
      setOf(watches, unit).add(w);
      check(unit);
      return { cancel: () => setOf(watches, unit).delete(w) };
    },
    close(unit) {
      calls.push({ kind: 'close', unit });
      followers.delete(unit);
      watches.delete(unit);
      return Promise.resolve();
    },
    closeAll() {
      calls.push({ kind: 'closeAll', unit: '' });
      followers.clear();
      watches.clear();
      return Promise.resolve();
    },
    counters: (unit) => ({ written: Buffer.byteLength(content.get(unit) ?? ''), dropped: 0 }),
    failure: () => null,
    file: (unit) => `/fake/logs/${unit}.log`,
  };
  return fake;
}
