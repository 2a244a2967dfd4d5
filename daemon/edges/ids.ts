// Resolves a unit's `user` and `group` to numeric ids from /etc/passwd and /etc/group, as
// systemd's User=/Group= do. Only called when supd runs as root.
import { readFileSync } from 'node:fs';

export interface ResolvedIds {
  uid: number | null;
  gid: number | null;
  /** The passwd entry of `user`, for HOME, USER, LOGNAME and SHELL. */
  account: { name: string; home: string; shell: string } | null;
}

export interface IdFiles {
  passwd: string;
  group: string;
}

const DEFAULT_FILES: IdFiles = { passwd: '/etc/passwd', group: '/etc/group' };

/** Throws an Error whose message names what is unknown. A user without `group` runs with the
 * user's primary group, as under systemd. Numeric ids are accepted as they are. */
export function resolveIds(user: string | null, group: string | null, files: IdFiles = DEFAULT_FILES): ResolvedIds {
  let uid: number | null = null;
  let gid: number | null = null;
  let account: ResolvedIds['account'] = null;
  if (user !== null) {
    const entry = findEntry(files.passwd, user, 2);
    if (entry) {
      uid = Number(entry[2]);
      gid = Number(entry[3]);
      account = { name: entry[0] ?? user, home: entry[5] ?? '/', shell: entry[6] ?? '/bin/sh' };
    } else if (isId(user)) {
      uid = Number(user);
      // Without a passwd entry there is no primary group; running with root's would be wrong.
      if (group === null) throw new Error(`user ${user} has no entry in ${files.passwd}; set group too`);
    } else {
      throw new Error(`unknown user '${user}' (not in ${files.passwd})`);
    }
  }
  if (group !== null) {
    const entry = findEntry(files.group, group, 2);
    if (entry) gid = Number(entry[2]);
    else if (isId(group)) gid = Number(group);
    else throw new Error(`unknown group '${group}' (not in ${files.group})`);
  }
  return { uid, gid, account };
}

/** The fields of the line whose name (or, for a number, whose id field) matches. */
function findEntry(file: string, key: string, idField: number): string[] | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const byId = isId(key);
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f[0] === key || (byId && f[idField] === key)) return f;
  }
  return null;
}

function isId(s: string): boolean {
  return /^\d+$/.test(s);
}
