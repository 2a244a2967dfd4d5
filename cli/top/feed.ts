// Keeps `supctl top`'s model live: the /v1/events stream (states, pids, rollouts, stale flags,
// reloads), a status read when the stream opens and every `interval` for what no event carries
// (cpu, memory, restarts, connections), the selected unit's log followed, and a reconnect with
// backoff whenever supd goes away.
import type { RolloutsBody, SupdEvent, UnitsBody } from '../../daemon/api/contract.js';
import { isSupdError } from '../../daemon/errors.js';
import type { Client } from '../client.js';
import { withEvent, withLogText, withLogUnit, withRollouts, withStatus } from './model.js';
import type { TopModel } from './model.js';

export interface SseParse {
  events: SupdEvent[];
  /** The `:ok` comment: the subscription is in place. */
  ok: boolean;
  rest: string;
}

/** Splits server-sent event text into whole events; an unfinished block stays in `rest`. */
export function parseSse(text: string): SseParse {
  const events: SupdEvent[] = [];
  let ok = false;
  const blocks = text.split('\n\n');
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line === ':ok') ok = true;
      else if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
    }
    if (data.length > 0) events.push(JSON.parse(data.join('\n')) as SupdEvent);
  }
  return { events, ok, rest };
}

export const RETRY_FIRST_MS = 250;
export const RETRY_MAX_MS = 5000;
/** Nothing at all (not even the 15 s keepalive) for this long means the connection is dead. */
const SILENCE_MS = 40_000;
const LOG_LINES = 1000;

type Update = (change: (m: TopModel) => TopModel) => void;

function reasonOf(e: unknown): string {
  if (isSupdError(e)) return e.message.replace(/^cannot reach supd at \S+: /, '');
  return e instanceof Error ? e.message : String(e);
}

export class TopFeed {
  private events: { stop: () => void } | null = null;
  private logStream: { stop: () => void; unit: string } | null = null;
  private timers = new Set<NodeJS.Timeout>();
  private statusTimer: NodeJS.Timeout | null = null;
  private refreshSoon: NodeJS.Timeout | null = null;
  private silence: NodeJS.Timeout | null = null;
  private retryMs = RETRY_FIRST_MS;
  private closed = false;
  private live = false;
  private wantLog: string | null = null;
  /** Bumped by each connection: a late failure of an older one is ignored. */
  private generation = 0;

  constructor(
    private readonly client: Client,
    private readonly update: Update,
    private readonly now: () => number,
    private readonly intervalMs: number,
  ) {}

  open(): void {
    this.connect();
  }

  close(): void {
    this.closed = true;
    this.events?.stop();
    this.logStream?.stop();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const t of [this.statusTimer, this.refreshSoon, this.silence]) if (t !== null) clearTimeout(t);
  }

  /** Follow this unit's log (the selected one); null stops following. */
  follow(unit: string | null): void {
    this.wantLog = unit;
    if (this.logStream?.unit === unit) return;
    this.logStream?.stop();
    this.logStream = null;
    if (unit === null) return;
    if (this.live) this.startLog(unit);
    else this.update((m) => withLogUnit(m, unit));
  }

  /** POSTs a unit action; the outcome shows through events, a refusal or error as the message. */
  async act(path: string, body: Record<string, unknown>, what: string): Promise<void> {
    try {
      await this.client.postJson(path, body);
      this.update((m) => ({ ...m, message: { text: `${what}: requested`, error: false, at: this.now() } }));
    } catch (e) {
      const text = isSupdError(e) ? e.message : String(e);
      this.update((m) => ({ ...m, message: { text: `${what}: ${text}`, error: true, at: this.now() } }));
    }
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private connect(): void {
    if (this.closed) return;
    const gen = ++this.generation;
    let buffer = '';
    let opened = false;
    const queued: SupdEvent[] = [];
    let snapshot = false;
    this.resetSilence();
    const stream = this.client.stream('/v1/events', (text) => {
      if (gen !== this.generation) return;
      this.resetSilence();
      const parsed = parseSse(buffer + text);
      buffer = parsed.rest;
      if (parsed.ok && !opened) {
        opened = true;
        // Subscribed first, read second: an event in between is queued and replayed onto the
        // snapshot in order, so nothing is missed and the last word is the newest.
        void this.snapshot(gen).then(() => {
          if (gen !== this.generation) return;
          snapshot = true;
          for (const e of queued.splice(0)) this.apply(e);
        }, (e: unknown) => this.down(e, gen));
      }
      for (const e of parsed.events) {
        if (snapshot) this.apply(e);
        else queued.push(e);
      }
    });
    this.events = stream;
    stream.done.then(() => this.down(new Error('supd closed the event stream'), gen), (e: unknown) => this.down(e, gen));
  }

  private resetSilence(): void {
    if (this.silence !== null) clearTimeout(this.silence);
    const gen = this.generation;
    this.silence = setTimeout(() => this.down(new Error('no word from supd for 40s'), gen), SILENCE_MS);
  }

  private async snapshot(gen: number): Promise<void> {
    const [units, rollouts] = await Promise.all([
      this.client.getJson<UnitsBody>('/v1/units'),
      this.client.getJson<RolloutsBody>('/v1/rollouts'),
    ]);
    if (this.closed || gen !== this.generation) return;
    this.live = true;
    this.retryMs = RETRY_FIRST_MS;
    this.update((m) => withRollouts(withStatus({ ...m, connection: { kind: 'live' } }, units.units, this.now()), rollouts.rollouts));
    this.scheduleStatus();
    if (this.wantLog !== null && this.logStream === null) this.startLog(this.wantLog);
  }

  private apply(e: SupdEvent): void {
    let refresh = false;
    this.update((m) => {
      const r = withEvent(m, e);
      refresh = r.refresh;
      return r.model;
    });
    // Restart counts and the like are not in a transition: one status read shortly after a burst.
    if (refresh) this.refreshStatus();
    else if (e.type === 'transition' && this.refreshSoon === null) {
      this.refreshSoon = setTimeout(() => {
        this.refreshSoon = null;
        this.refreshStatus();
      }, 300);
    }
  }

  private scheduleStatus(): void {
    if (this.statusTimer !== null) clearTimeout(this.statusTimer);
    this.statusTimer = setTimeout(() => {
      this.statusTimer = null;
      this.refreshStatus();
    }, this.intervalMs);
  }

  private refreshStatus(): void {
    if (!this.live || this.closed) return;
    this.client.getJson<UnitsBody>('/v1/units').then((body) => {
      if (!this.live || this.closed) return;
      this.update((m) => withStatus(m, body.units, this.now()));
      this.scheduleStatus();
    }, () => {
      // The event stream notices supd going away and reconnects; a lost read is simply retried.
      this.scheduleStatus();
    });
  }

  private startLog(unit: string): void {
    // The stream starts with the tail: what was shown before (a reconnect) would show twice.
    this.update((m) => withLogUnit(m, unit));
    const path = `/v1/units/${encodeURIComponent(unit)}/logs?lines=${LOG_LINES}&follow=1`;
    const stream = this.client.stream(path, (text) => this.update((m) => withLogText(m, unit, text)));
    const handle = { unit, stop: stream.stop };
    this.logStream = handle;
    stream.done.then(() => undefined, (e: unknown) => {
      if (this.logStream !== handle) return;
      this.update((m) => (m.log.unit === unit ? { ...m, log: { ...m.log, note: `log unavailable: ${reasonOf(e)}` } } : m));
    });
  }

  private down(e: unknown, gen: number): void {
    if (this.closed || gen !== this.generation) return;
    this.generation += 1;
    const reason = reasonOf(e);
    this.live = false;
    this.events?.stop();
    this.events = null;
    this.logStream?.stop();
    this.logStream = null;
    for (const t of [this.statusTimer, this.refreshSoon, this.silence]) if (t !== null) clearTimeout(t);
    this.statusTimer = this.refreshSoon = this.silence = null;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const wait = this.retryMs;
    this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
    const now = this.now();
    this.update((m) => ({
      ...m,
      connection: { kind: 'down', reason, retryAt: now + wait, since: m.connection.kind === 'down' ? m.connection.since : now },
    }));
    this.later(wait, () => this.connect());
  }
}
