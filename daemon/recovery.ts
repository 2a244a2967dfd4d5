// Recovery after supd itself died without stopping its units (SIGKILL, OOM, a crash): the
// processes the journal names that still run are stopped cleanly, dependents first, before
// anything starts, so that no unit ever runs twice and nothing is orphaned. They are stopped and
// started afresh rather than adopted: their stdout/stderr pipes died with the old supd (their
// next log line meets EPIPE, and no new pipe can be attached), and a process that is not supd's
// child can be neither reaped nor asked for its exit status, so the restart policy would run blind.
import type { Logger } from 'pino';
import type { UnitSpec } from '../units/types.js';
import { stopWaves } from './core/recovery.js';
import { killTree, membersOf, scanProcs, signalGroup, signalPid, waitGone, type ProcInfo } from './edges/proctree.js';
import { readJournal, type Recorded } from './edges/journal.js';

export interface Survivor {
  unit: string;
  /** The recorded main process, when it is still that same process. */
  pid: number | null;
  /** Every process to stop: the main process, its group, its session and their descendants. */
  members: number[];
}

/** What is left of the recorded runs: a main process still alive with its recorded start time
 * (then all it leads), or, once it is gone, what still runs in the group it led. A pid reused by
 * another process means the old group is empty (Linux reuses no pid still naming a group). */
export function findSurvivors(rec: Recorded, procs: ProcInfo[]): Survivor[] {
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const out: Survivor[] = [];
  for (const [unit, runs] of rec.runs) {
    for (const run of runs) {
      const now = byPid.get(run.pid);
      if (now !== undefined && now.start !== run.start) continue;
      const members = membersOf(run.pid, procs).filter((pid) => (byPid.get(pid)?.start ?? -1) >= run.start);
      if (members.length > 0) out.push({ unit, pid: now === undefined ? null : run.pid, members });
    }
  }
  return out;
}

async function stopSurvivor(s: Survivor, spec: UnitSpec | undefined, log: Logger): Promise<void> {
  const signal = (spec?.stop.signal ?? 'SIGTERM') as NodeJS.Signals;
  const timeoutMs = spec?.stop.timeout ?? 30_000;
  log.warn({ unit: s.unit, unitPid: s.pid, members: s.members }, `${s.unit}: still running from before supd restarted (pid ${s.pid ?? s.members.join(',')}); stopping it (${signal}) to start it afresh`);
  if (s.pid !== null) signalGroup(s.pid, signal);
  else for (const pid of s.members) signalPid(pid, signal);
  const left = await waitGone(s.members, Date.now() + timeoutMs);
  if (left.length === 0) return;
  log.warn({ unit: s.unit, pids: left }, `${s.unit}: did not stop within ${timeoutMs}ms; killing`);
  if (s.pid !== null) await killTree(s.pid);
  for (const pid of left) signalPid(pid, 'SIGKILL');
}

/** Reads the journal, stops whatever of it still runs (dependents first), and returns the goals
 * the operator set by hand. Never throws: a journal it cannot read means a first boot. */
export async function recover(
  stateDir: string,
  specs: ReadonlyMap<string, UnitSpec>,
  dependentsClosure: (names: readonly string[]) => string[],
  log: Logger,
): Promise<{ goals: Map<string, 'up' | 'down'>; stopped: Survivor[] }> {
  const rec = readJournal(stateDir, (file, reason, aside) =>
    log.error({ file, aside }, `${reason}; ${aside === null ? 'left in place' : `set aside as ${aside}`}; supd starts without what it could not read`));
  if (rec.runs.size === 0) return { goals: rec.goals, stopped: [] };
  const survivors = findSurvivors(rec, await scanProcs());
  const byUnit = new Map<string, Survivor[]>();
  for (const s of survivors) byUnit.set(s.unit, [...(byUnit.get(s.unit) ?? []), s]);
  const known = (names: readonly string[]): string[] => dependentsClosure(names.filter((n) => specs.has(n)));
  for (const wave of stopWaves([...byUnit.keys()], known)) {
    await Promise.all(wave.flatMap((u) => (byUnit.get(u) ?? []).map((s) => stopSurvivor(s, specs.get(u), log))));
  }
  return { goals: rec.goals, stopped: survivors };
}
