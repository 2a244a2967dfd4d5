// Every timer of the fleet as data: a min-heap of (due, key) with lazy deletion, so thousands of
// units share one wake-up. The clock edge asks nextDue() and feeds a tick back in.

interface Entry {
  due: number;
  key: string;
  seq: number;
}

export class TimerQueue {
  private heap: Entry[] = [];
  /** key → the seq of its live entry; heap entries with another seq are dead. */
  private live = new Map<string, { due: number; seq: number }>();
  private seq = 0;

  set(key: string, due: number): void {
    const seq = ++this.seq;
    this.live.set(key, { due, seq });
    this.push({ due, key, seq });
  }

  clear(key: string): void {
    this.live.delete(key);
  }

  has(key: string): boolean {
    return this.live.has(key);
  }

  dueOf(key: string): number | null {
    return this.live.get(key)?.due ?? null;
  }

  get size(): number {
    return this.live.size;
  }

  nextDue(): number | null {
    this.dropDead();
    return this.heap[0]?.due ?? null;
  }

  /** Removes and returns the keys due at `now`, earliest first. */
  popDue(now: number): string[] {
    const out: string[] = [];
    for (;;) {
      this.dropDead();
      const top = this.heap[0];
      if (top === undefined || top.due > now) return out;
      this.pop();
      this.live.delete(top.key);
      out.push(top.key);
    }
  }

  private isLive(e: Entry): boolean {
    return this.live.get(e.key)?.seq === e.seq;
  }

  private dropDead(): void {
    while (this.heap.length > 0 && !this.isLive(this.heap[0] as Entry)) this.pop();
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(h[p] as Entry, e)) break;
      h[i] = h[p] as Entry;
      i = p;
    }
    h[i] = e;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (last === undefined || h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && less(h[r] as Entry, h[l] as Entry) ? r : l;
      if (less(last, h[c] as Entry)) break;
      h[i] = h[c] as Entry;
      i = c;
    }
    h[i] = last;
  }
}

function less(a: Entry, b: Entry): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}
