// Reading supd's own state files at boot (units.journal, rollouts.json). A file that is missing is
// a first boot; one that cannot be read or makes no sense (truncated, garbage, another shape) is
// renamed aside as `<file>.bad-<time>`, kept for a human to look at, and reported, and supd starts
// without it rather than refusing to start or acting on garbage.
import fs from 'node:fs';

/** A state file larger than this is not read at all (supd writes them compactly: a journal is
 * rewritten past 20,000 records, rollouts.json keeps 50 rollouts). */
export const MAX_STATE_FILE_BYTES = 64 * 1024 * 1024;

export type StateRead =
  | { kind: 'missing' }
  | { kind: 'ok'; text: string }
  /** Unreadable or too large: already set aside (or not, `aside` null) and described in `reason`. */
  | { kind: 'bad'; reason: string; aside: string | null };

export interface StateReport {
  (file: string, reason: string, aside: string | null): void;
}

/** The name a bad state file is renamed to: beside it, stamped with the time. */
export function asideName(file: string, now: Date): string {
  return `${file}.bad-${now.toISOString().replace(/[:.]/g, '-')}`;
}

/** Renames `file` aside; returns the new name, or null when even that failed (then it says why). */
export function setAside(file: string, now: Date = new Date()): { aside: string | null; error: string | null } {
  const aside = asideName(file, now);
  try {
    fs.renameSync(file, aside);
    return { aside, error: null };
  } catch (e) {
    return { aside: null, error: e instanceof Error ? e.message : String(e) };
  }
}

/** Reads a state file's text, bounded; a file that cannot be read is set aside and reported. */
export function readStateText(file: string, report: StateReport): StateRead {
  let size: number;
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return bad(file, `${file} is not a regular file`, report);
    size = st.size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return bad(file, `cannot read ${file}: ${(e as Error).message}`, report);
  }
  if (size > MAX_STATE_FILE_BYTES) return bad(file, `${file} holds ${size} bytes, more than supd ever writes (${MAX_STATE_FILE_BYTES})`, report);
  try {
    return { kind: 'ok', text: fs.readFileSync(file, 'utf8') };
  } catch (e) {
    return bad(file, `cannot read ${file}: ${(e as Error).message}`, report);
  }
}

/** Reads a JSON state file and checks its shape; garbage is set aside and reported, null returned. */
export function readStateJson<T>(file: string, isValid: (v: unknown) => v is T, report: StateReport): T | null {
  const read = readStateText(file, report);
  if (read.kind !== 'ok') return null;
  let value: unknown;
  try {
    value = JSON.parse(read.text);
  } catch (e) {
    bad(file, `${file} is not valid JSON (${(e as Error).message})`, report);
    return null;
  }
  if (!isValid(value)) {
    bad(file, `${file} does not hold what supd writes there`, report);
    return null;
  }
  return value;
}

function bad(file: string, reason: string, report: StateReport): StateRead {
  const { aside, error } = setAside(file);
  report(file, error === null ? reason : `${reason}; could not set it aside either: ${error}`, aside);
  return { kind: 'bad', reason, aside };
}
