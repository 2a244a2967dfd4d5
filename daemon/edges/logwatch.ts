// The `log:` readiness watch: finds a regex in a unit's output as it streams by, including a
// match split across chunks, holding only the unfinished last line of each stream.
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

const CARRY_MAX = 64 * 1024; // the longest partial line held for a split match

export interface Watcher {
  readonly re: RegExp;
  done: boolean;
  /** Per stream: a decoder (UTF-8 may split across chunks) and the unfinished last line. */
  readonly state: Map<Readable, { dec: StringDecoder; carry: string }>;
}

export function createWatcher(regex: RegExp): Watcher {
  // A global or sticky regex carries lastIndex from one exec to the next; the watch must not.
  // `m` makes ^ and $ anchor at lines: the text scanned holds as many lines as a chunk
  // happens to, so without it `^ready` would match or not depending on how output was cut.
  const flags = regex.flags.replace(/[gy]/g, '');
  return { re: new RegExp(regex.source, flags.includes('m') ? flags : `${flags}m`), done: false, state: new Map() };
}

/** Feeds one chunk from `src`; returns the matched text the first time the regex matches. */
export function scanChunk(w: Watcher, src: Readable, chunk: Buffer): string | null {
  if (w.done) return null;
  let st = w.state.get(src);
  if (!st) w.state.set(src, (st = { dec: new StringDecoder('utf8'), carry: '' }));
  const text = st.carry + st.dec.write(chunk);
  const m = w.re.exec(text);
  if (m) {
    w.done = true;
    return m[0];
  }
  // Earlier complete lines were already tried; only the last one can still grow into a match.
  const nl = text.lastIndexOf('\n');
  const carry = nl < 0 ? text : text.slice(nl + 1);
  st.carry = carry.length > CARRY_MAX ? carry.slice(-CARRY_MAX) : carry;
  return null;
}
