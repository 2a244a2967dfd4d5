// CPU and memory of many processes in one batched pidusage call per sample; pids that have
// vanished (or were never there) are simply absent from the result.
import pidusage from 'pidusage';

export interface ProcStats {
  /** Percent of one core since the previous sample of this pid. */
  cpu: number;
  /** Resident memory in bytes. */
  memory: number;
}

export interface Stats {
  /** Never rejects. */
  sample(pids: number[]): Promise<Map<number, ProcStats>>;
}

export function createStats(): Stats {
  return {
    async sample(pids) {
      const out = new Map<number, ProcStats>();
      const wanted = [...new Set(pids.filter((p) => Number.isInteger(p) && p > 0))];
      if (wanted.length === 0) return out;
      let result: Record<string, pidusage.Status | undefined | null>;
      try {
        // With several pids pidusage answers for the live ones and leaves the rest undefined;
        // with one it rejects when that one is gone.
        result = (await pidusage(wanted)) as Record<string, pidusage.Status | undefined | null>;
      } catch {
        return out;
      }
      for (const pid of wanted) {
        const s = result[pid];
        if (s && Number.isFinite(s.cpu) && Number.isFinite(s.memory)) out.set(pid, { cpu: s.cpu, memory: s.memory });
      }
      return out;
    },
  };
}
