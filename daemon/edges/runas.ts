// How to run a process as a unit: the one place that turns a unit's user, group, umask, limits,
// env, envFile and cwd into what child_process.spawn needs. Every spawner uses it (the main
// process, preStart, exec probes, stop/safeStop/reload commands); lb hooks run as supd.
//
// Node's spawn can set a uid and a gid but not supplementary groups, limits or a umask, so the
// argv gets exec-only prefixes, each replacing itself so the pid supd tracks is the program's:
//   sh -c 'umask 027 && exec "$@"'   (umask)
//   prlimit --nofile=S:H --           (limits, set while still root, so hard limits can be raised)
//   setpriv --reuid --regid --init-groups --   (user, group and the user's supplementary groups)
import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import type { EnvFileSpec, LimitsSpec, LimitValue } from '../../units/types.js';
import { LIMIT_NAMES } from '../../units/types.js';
import { resolveIds, type IdFiles } from './ids.js';

/** Who and where a process runs: built by the runtime from a unit's spec. */
export interface RunAs {
  /** supd's own environment, inherited. */
  inherit: Record<string, string>;
  /** The unit's `env`. */
  env: Record<string, string>;
  envFile: EnvFileSpec[];
  /** Set by supd last (SUPD_UNIT, MAINPID): nothing overrides them. */
  extra: Record<string, string>;
  cwd: string | null;
  user: string | null;
  group: string | null;
  umask: number | null;
  limits: LimitsSpec;
}

export interface Launch {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string | undefined;
}

export interface LaunchOptions {
  /** Switch user and group (default: whether supd runs as root, as systemd's User= needs). */
  honourIds?: boolean;
  idFiles?: IdFiles;
  /** Paths of the tools (default: found in /usr/bin, /bin, /usr/sbin, /sbin). */
  setpriv?: string;
  prlimit?: string;
}

const SHELL = '/bin/sh';
const TOOL_DIRS = ['/usr/bin', '/bin', '/usr/sbin', '/sbin'];
const toolCache = new Map<string, string | null>();

/** Drops user, group, umask and limits: a process that runs as supd does (lb hooks). */
export function asSupd(as: RunAs): RunAs {
  return { ...as, user: null, group: null, umask: null, limits: {} };
}

/** A plain run in `env` and `cwd` as supd. */
export function plainRunAs(env: Record<string, string>, cwd: string | null = null): RunAs {
  return { inherit: env, env: {}, envFile: [], extra: {}, cwd, user: null, group: null, umask: null, limits: {} };
}

/** What to spawn to run `argv` as `as`, or why it cannot run. Reads the passwd and group files
 * (for `user`/`group`) and the env files; costs nothing more for a unit that sets none of them. */
export function prepareLaunch(argv: readonly string[], as: RunAs, opts: LaunchOptions = {}): Launch | string {
  if (argv.length === 0 || argv[0] === '') return 'empty command';
  const honourIds = opts.honourIds ?? process.getuid?.() === 0;
  const env: Record<string, string> = { ...as.inherit };
  const prefix: string[] = [];

  if (as.umask !== null) {
    // Node cannot set a child's umask; process.umask() around spawn would change it for the whole
    // daemon (libuv's thread pool creates log files meanwhile).
    prefix.push(SHELL, '-c', `umask ${as.umask.toString(8).padStart(4, '0')} && exec "$@"`, 'sh');
  }

  const limitArgs = LIMIT_NAMES.flatMap((name) => {
    const l = as.limits[name];
    return l === undefined ? [] : [`--${name}=${limitText(l.soft)}:${limitText(l.hard)}`];
  });
  if (limitArgs.length > 0) {
    const prlimit = opts.prlimit ?? findTool('prlimit');
    if (prlimit === null) return 'limits need prlimit (util-linux), which is not installed';
    prefix.push(prlimit, ...limitArgs, '--');
  }

  if (honourIds && (as.user !== null || as.group !== null)) {
    let ids;
    try {
      ids = resolveIds(as.user, as.group, opts.idFiles);
    } catch (e) {
      return (e as Error).message;
    }
    const setpriv = opts.setpriv ?? findTool('setpriv');
    if (setpriv === null) return 'user and group need setpriv (util-linux), which is not installed';
    const args: string[] = [];
    if (ids.uid !== null) args.push(`--reuid=${ids.uid}`);
    if (ids.gid !== null) args.push(`--regid=${ids.gid}`);
    // The whole user, as systemd's User=: its supplementary groups from the group file.
    args.push(ids.account !== null && ids.uid !== null ? '--init-groups' : '--clear-groups');
    prefix.push(setpriv, ...args, '--');
    if (ids.account !== null) {
      env['HOME'] = ids.account.home;
      env['USER'] = ids.account.name;
      env['LOGNAME'] = ids.account.name;
      env['SHELL'] = ids.account.shell;
    }
  }

  Object.assign(env, as.env);
  for (const f of as.envFile) {
    const read = readEnvFile(f);
    if (typeof read === 'string') return read;
    Object.assign(env, read);
  }
  Object.assign(env, as.extra);

  const cwd = as.cwd ?? undefined;
  if (prefix.length === 0) return { file: argv[0] as string, args: argv.slice(1), env, cwd };
  // Behind a prefix, a missing program would be the prefix's exit 127; say it before spawning.
  const cmd = argv[0] as string;
  if (!findProgram(cmd, env['PATH'], cwd)) return `command not found: ${cmd}`;
  return { file: prefix[0] as string, args: [...prefix.slice(1), ...argv], env, cwd };
}

function limitText(v: LimitValue): string {
  return v === 'infinity' ? 'unlimited' : String(v);
}

function findTool(name: string): string | null {
  if (!toolCache.has(name)) {
    toolCache.set(name, TOOL_DIRS.map((d) => path.join(d, name)).find(executable) ?? null);
  }
  return toolCache.get(name) ?? null;
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** As execvp looks it up: a name with a slash as a path, else each PATH directory. */
function findProgram(cmd: string, pathVar: string | undefined, cwd: string | undefined): boolean {
  if (cmd.includes('/')) return executable(path.resolve(cwd ?? process.cwd(), cmd));
  return (pathVar ?? '/usr/local/bin:/usr/bin:/bin').split(':').some((d) => d !== '' && executable(path.join(d, cmd)));
}

const KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A file of KEY=VALUE lines, as systemd's EnvironmentFile= reads it: blank lines and lines
 * starting with # or ; are skipped, `export ` is allowed, a value in matching quotes loses them.
 * A line that is none of these is an error naming the file and line (never skipped silently). */
export function parseEnvFile(text: string, file: string): Record<string, string> | string {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const body = line.startsWith('export ') ? line.slice(7).trimStart() : line;
    const eq = body.indexOf('=');
    const key = eq > 0 ? body.slice(0, eq).trimEnd() : '';
    if (!KEY_RE.test(key)) return `envFile ${file}:${i + 1}: expected KEY=VALUE, got ${JSON.stringify(line.slice(0, 60))}`;
    out[key] = unquote(body.slice(eq + 1).trim());
  }
  return out;
}

function unquote(v: string): string {
  if (v.length >= 2 && v.startsWith("'") && v.endsWith("'")) return v.slice(1, -1);
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
  return v;
}

function readEnvFile(f: EnvFileSpec): Record<string, string> | string {
  let text: string;
  try {
    text = readFileSync(f.path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (f.optional && err.code === 'ENOENT') return {};
    return `envFile ${f.path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`;
  }
  return parseEnvFile(text, f.path);
}
