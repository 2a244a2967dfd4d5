// supd's status page: units, groups, rollouts and logs, live from /v1/events read with fetch()
// (EventSource cannot send the Authorization header). In a fleet, /v1/fleet/events adds every
// host's units and the fleet rollouts (this host's own rows stay fed by /v1/events, which goes on
// while etcd is away). The token lives in this tab's
// sessionStorage and travels only as that header, never in a cookie or a URL. Every string from
// supd or a unit reaches the page through textContent, never as markup.
import { bytes, cpu, duration } from './format.js';
import type { UiError, UiEtcd, UiEvent, UiFleetEvent, UiFleetRollout, UiFleetUnit, UiRollout, UiUnit } from './types.js';

const TOKEN_KEY = 'supd.token';
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 5000;
const SILENCE_MS = 40_000;
/** cpu, memory and restart counts are in no event: re-read this often while live. */
const STATUS_EVERY_MS = 5000;
const TAIL_LINES = 3;
const LOG_LINES = 200;
const LOG_KEEP = 1000;

// ---- the DOM, made only with createElement and textContent ----

function byId<T extends HTMLElement>(id: string, type: { new (): T }): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`the page has no #${id}`);
  return found;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls = '', text = ''): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls !== '') e.className = cls;
  if (text !== '') e.textContent = text;
  return e;
}

function button(text: string, cls: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', cls, text);
  b.type = 'button';
  b.addEventListener('click', onClick);
  return b;
}

function setText(e: HTMLElement, text: string): void {
  if (e.textContent !== text) e.textContent = text;
}

const ui = {
  conn: byId('conn', HTMLElement),
  summary: byId('summary', HTMLElement),
  banner: byId('banner', HTMLElement),
  fleetBanner: byId('fleet-banner', HTMLElement),
  fleetBannerText: byId('fleet-banner-text', HTMLElement),
  fleetBannerWhy: byId('fleet-banner-why', HTMLElement),
  notice: byId('notice', HTMLElement),
  tokenForm: byId('token-form', HTMLFormElement),
  tokenInput: byId('token-input', HTMLInputElement),
  tokenWhy: byId('token-why', HTMLElement),
  confirm: byId('confirm', HTMLElement),
  confirmText: byId('confirm-text', HTMLElement),
  unitsHead: byId('units-head', HTMLTableSectionElement),
  units: byId('units-body', HTMLTableSectionElement),
  groups: byId('groups', HTMLElement),
  rollouts: byId('rollouts', HTMLElement),
  logTitle: byId('log-title', HTMLElement),
  log: byId('log', HTMLElement),
};

// ---- the token: from the fragment once, then this tab's sessionStorage ----

function takeFragmentToken(): void {
  const m = /^#token=([^&]+)/.exec(location.hash);
  if (m?.[1] !== undefined) sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
  // Whatever the fragment held leaves the address bar (and the history entry) before anything runs.
  if (location.hash !== '') history.replaceState(null, '', location.pathname + location.search);
}

function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

function headers(json = false): Record<string, string> {
  const h: Record<string, string> = { accept: 'application/json' };
  const t = token();
  if (t !== null) h['authorization'] = `Bearer ${t}`;
  if (json) h['content-type'] = 'application/json';
  return h;
}

function askToken(why: string): void {
  ui.tokenWhy.textContent = why;
  ui.tokenForm.hidden = false;
  ui.tokenInput.focus();
}

// ---- talking to supd ----

class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

async function errorOf(res: Response): Promise<ApiError> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as UiError;
    return new ApiError(res.status, body.error.message);
  } catch {
    return new ApiError(res.status, `supd answered ${res.status}`);
  }
}

async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: headers(body !== undefined), cache: 'no-store', credentials: 'omit' };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await fetch(path, init);
  if (!res.ok) throw await errorOf(res);
  return (await res.json()) as T;
}

/** Reads a streamed body as text chunks until it ends or is aborted. */
async function readStream(res: Response, onText: (text: string) => void): Promise<void> {
  if (res.body === null) return;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    onText(value);
  }
}

/** Reads a server-sent event stream: `onBlock` gets each event block (the text between blank
 * lines), `onWord` is told whenever anything arrives. Resolves when the stream ends. */
async function readEvents(res: Response, onWord: () => void, onBlock: (block: string) => void): Promise<void> {
  let buffer = '';
  await readStream(res, (text) => {
    onWord();
    buffer += text;
    let i: number;
    while ((i = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, i);
      buffer = buffer.slice(i + 2);
      onBlock(block);
    }
  });
}

/** An event block's data (its `data:` lines joined), or '' when it has none. */
function dataOf(block: string): string {
  return block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.replace(/^data: ?/, '')).join('\n');
}

// ---- what the page knows ----

interface Row {
  unit: UiUnit;
  spawnedAt: number | null;
  /** The unit file changed on reload while it ran (`restart to apply`). */
  changed: boolean;
  tail: string[];
  flashAt: number;
}

const rows = new Map<string, Row>();
let order: string[] = [];
const rollouts = new Map<string, UiRollout>();
let selected: string | null = null;
let logLines: string[] = [];
let logRest = '';

/** The fleet as /v1/fleet/events shows it; null for a supd without fleet.etcd. */
interface Fleet {
  self: string;
  units: Map<string, UiFleetUnit>;
  hosts: Map<string, boolean>;
  rollouts: Map<string, UiFleetRollout>;
  etcd: UiEtcd;
  /** The fleet stream itself: down while it reconnects. */
  stream: 'live' | 'down';
  flashAt: Map<string, number>;
}
let fleet: Fleet | null = null;

/** A row of the units table: this host's (with its live details) or another host's (from etcd). */
interface Shown {
  key: string;
  unit: UiUnit;
  row: Row | null;
  remote: UiFleetUnit | null;
}

type Conn = { kind: 'connecting' } | { kind: 'live' } | { kind: 'down'; reason: string; retryAt: number } | { kind: 'locked'; reason: string };
let conn: Conn = { kind: 'connecting' };

function keyOf(u: { name: string; host?: string }): string {
  return u.host === undefined ? u.name : `${u.host}/${u.name}`;
}

function withStatus(units: readonly UiUnit[]): void {
  const now = Date.now();
  const next = new Map<string, Row>();
  for (const u of units) {
    const old = rows.get(keyOf(u));
    next.set(keyOf(u), {
      unit: u,
      spawnedAt: u.pid === null || u.uptime === null ? null : now - u.uptime,
      changed: old?.changed ?? false,
      tail: old?.tail ?? [],
      flashAt: old?.flashAt ?? 0,
    });
  }
  rows.clear();
  for (const [k, v] of next) rows.set(k, v);
  order = units.map(keyOf);
  keepSelection();
}

function keepSelection(): void {
  const keys = shownUnits().map((s) => s.key);
  if (selected === null || !keys.includes(selected)) select(keys[0] ?? null);
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function shownUnits(): Shown[] {
  if (fleet === null) {
    return order.flatMap((key) => {
      const row = rows.get(key);
      return row === undefined ? [] : [{ key, unit: row.unit, row, remote: null }];
    });
  }
  const f = fleet;
  const out: Shown[] = [];
  const seen = new Set<string>();
  for (const u of [...f.units.values()].sort((a, b) => byName(a.host, b.host) || byName(a.name, b.name))) {
    const key = `${u.host}/${u.name}`;
    const row = u.host === f.self ? rows.get(u.name) : undefined;
    if (row !== undefined) {
      seen.add(u.name);
      out.push({ key, unit: { ...row.unit, host: u.host }, row, remote: null });
      continue;
    }
    out.push({
      key, row: null, remote: u,
      unit: {
        name: u.name, host: u.host, state: u.state === 'unknown' ? 'inactive' : u.state, pid: u.pid, restarts: 0, reason: u.reason, since: u.since,
        uptime: null, stale: u.stale, cpu: null, memory: null, groups: [], connections: null, lbDisabled: false, forced: false,
      },
    });
  }
  // This host's units not (yet) in etcd still show: they are live from /v1/events.
  for (const key of order) {
    const row = rows.get(key);
    if (row !== undefined && !seen.has(key)) out.push({ key: `${f.self}/${key}`, unit: { ...row.unit, host: f.self }, row, remote: null });
  }
  return out;
}

function apply(e: UiEvent): void {
  const at = Date.parse(e.at);
  switch (e.type) {
    case 'transition': {
      const row = rows.get(e.unit);
      if (row === undefined) {
        refreshStatus();
        break;
      }
      const respawned = e.pid !== null && e.pid !== row.unit.pid;
      row.unit = { ...row.unit, state: e.to, reason: e.reason, since: e.at, pid: e.pid, ...(e.pid === null ? { cpu: null, memory: null, uptime: null } : {}) };
      if (e.to !== 'draining') row.unit.connections = null;
      row.spawnedAt = e.pid === null ? null : respawned ? at : row.spawnedAt;
      if (respawned) row.changed = false;
      row.flashAt = Date.now();
      tailSoon(e.unit);
      statusSoon();
      break;
    }
    case 'spawned': {
      const row = rows.get(e.unit);
      if (row === undefined) break;
      row.unit = { ...row.unit, pid: e.pid };
      row.spawnedAt = at;
      row.changed = false;
      break;
    }
    case 'stale': {
      const row = rows.get(e.unit);
      if (row !== undefined) row.unit = { ...row.unit, stale: e.stale };
      break;
    }
    case 'rollout':
      rollouts.set(e.rollout.id, e.rollout);
      break;
    case 'reload':
      for (const name of e.result.changed) {
        const row = rows.get(name);
        if (row !== undefined && row.unit.pid !== null) row.changed = true;
      }
      refreshStatus();
      break;
  }
  render();
}

// ---- the event stream, reconnected with backoff ----

let generation = 0;
let streamAbort: AbortController | null = null;
let retryMs = RETRY_FIRST_MS;
let retryTimer: number | undefined;
let statusTimer: number | undefined;

function setConn(c: Conn): void {
  conn = c;
  render();
}

async function connect(): Promise<void> {
  const gen = ++generation;
  window.clearTimeout(retryTimer);
  streamAbort?.abort();
  const ctrl = new AbortController();
  streamAbort = ctrl;
  setConn(conn.kind === 'down' ? conn : { kind: 'connecting' });
  let silence = window.setTimeout(() => ctrl.abort(new Error('no word from supd for 40s')), SILENCE_MS);
  try {
    const res = await fetch('/v1/events', { headers: headers(), signal: ctrl.signal, cache: 'no-store', credentials: 'omit' });
    if (res.status === 401 || res.status === 403) {
      const e = await errorOf(res);
      window.clearTimeout(silence);
      setConn({ kind: 'locked', reason: e.message });
      askToken(e.message);
      return;
    }
    if (!res.ok) throw await errorOf(res);
    let ready = false;
    const queued: UiEvent[] = [];
    await readEvents(res, () => {
      window.clearTimeout(silence);
      silence = window.setTimeout(() => ctrl.abort(new Error('no word from supd for 40s')), SILENCE_MS);
    }, (block) => {
      if (block === ':ok') {
        // Subscribed first, read second: events in between are replayed onto the snapshot.
        snapshot(gen).then(() => {
          ready = true;
          for (const e of queued.splice(0)) apply(e);
        }, (e: unknown) => ctrl.abort(e));
        return;
      }
      const data = dataOf(block);
      if (data === '') return;
      const event = JSON.parse(data) as UiEvent;
      if (ready) apply(event);
      else queued.push(event);
    });
    throw new Error('supd closed the event stream');
  } catch (e) {
    window.clearTimeout(silence);
    if (gen !== generation) return;
    const reason = ctrl.signal.aborted && ctrl.signal.reason instanceof Error ? ctrl.signal.reason.message
      : e instanceof TypeError ? 'no connection' : e instanceof Error ? e.message : String(e);
    const wait = retryMs;
    retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
    window.clearTimeout(statusTimer);
    logAbort?.abort();
    fleetAbort?.abort();
    window.clearTimeout(fleetRetryTimer);
    if (fleet !== null) fleet.stream = 'down';
    setConn({ kind: 'down', reason, retryAt: Date.now() + wait });
    retryTimer = window.setTimeout(() => void connect(), wait);
  }
}

async function snapshot(gen: number): Promise<void> {
  const [units, list] = await Promise.all([
    api<{ units: UiUnit[] }>('GET', '/v1/units'),
    api<{ rollouts: UiRollout[] }>('GET', '/v1/rollouts'),
  ]);
  if (gen !== generation) return;
  retryMs = RETRY_FIRST_MS;
  withStatus(units.units);
  rollouts.clear();
  for (const r of list.rollouts) rollouts.set(r.id, r);
  setConn({ kind: 'live' });
  scheduleStatus();
  if (selected !== null) followLog(selected);
  void loadTails([...order]);
  void connectFleet(gen);
}

// ---- the fleet's event stream (any host's units and the fleet rollouts) ----

let fleetAbort: AbortController | null = null;
let fleetRetryMs = RETRY_FIRST_MS;
let fleetRetryTimer: number | undefined;

async function connectFleet(gen: number): Promise<void> {
  window.clearTimeout(fleetRetryTimer);
  fleetAbort?.abort();
  const ctrl = new AbortController();
  fleetAbort = ctrl;
  let silence = window.setTimeout(() => ctrl.abort(new Error('no word from the fleet stream for 40s')), SILENCE_MS);
  try {
    const res = await fetch('/v1/fleet/events', { headers: headers(), signal: ctrl.signal, cache: 'no-store', credentials: 'omit' });
    if (res.status === 400) {
      // SUPD_NO_FLEET: a supd on its own; the page stays a one-host page.
      window.clearTimeout(silence);
      fleet = null;
      await res.body?.cancel();
      render();
      return;
    }
    if (!res.ok) throw await errorOf(res);
    await readEvents(res, () => {
      window.clearTimeout(silence);
      silence = window.setTimeout(() => ctrl.abort(new Error('no word from the fleet stream for 40s')), SILENCE_MS);
    }, (block) => {
      const data = dataOf(block);
      if (data !== '' && gen === generation) applyFleet(JSON.parse(data) as UiFleetEvent);
    });
    throw new Error('supd closed the fleet event stream');
  } catch (e) {
    window.clearTimeout(silence);
    if (gen !== generation || fleetAbort !== ctrl) return;
    if (fleet !== null) {
      fleet.stream = 'down';
      fleet.etcd = { reachable: fleet.etcd.reachable, reason: e instanceof Error ? e.message : String(e) };
    }
    render();
    const wait = fleetRetryMs;
    fleetRetryMs = Math.min(RETRY_MAX_MS, fleetRetryMs * 2);
    fleetRetryTimer = window.setTimeout(() => {
      if (gen === generation && conn.kind === 'live') void connectFleet(gen);
    }, wait);
  }
}

function applyFleet(e: UiFleetEvent): void {
  const now = Date.now();
  switch (e.type) {
    case 'fleet':
      fleetRetryMs = RETRY_FIRST_MS;
      fleet = {
        self: e.view.self,
        units: new Map(e.view.units.map((u) => [`${u.host}/${u.name}`, u])),
        hosts: new Map(e.view.hosts.map((h) => [h.name, h.reachable])),
        rollouts: new Map(e.rollouts.map((r) => [r.id, r])),
        etcd: e.etcd,
        stream: 'live',
        flashAt: fleet?.flashAt ?? new Map<string, number>(),
      };
      keepSelection();
      break;
    case 'fleet-unit':
      if (fleet === null) return;
      fleet.units.set(`${e.unit.host}/${e.unit.name}`, e.unit);
      fleet.flashAt.set(`${e.unit.host}/${e.unit.name}`, now);
      break;
    case 'fleet-unit-gone':
      fleet?.units.delete(`${e.host}/${e.name}`);
      break;
    case 'fleet-host':
      fleet?.hosts.set(e.host.name, e.host.reachable);
      break;
    case 'fleet-rollout':
      fleet?.rollouts.set(e.rollout.id, e.rollout);
      break;
    case 'fleet-etcd':
      if (fleet !== null) fleet.etcd = e.etcd;
      break;
  }
  render();
}

function scheduleStatus(): void {
  window.clearTimeout(statusTimer);
  statusTimer = window.setTimeout(refreshStatus, STATUS_EVERY_MS);
}

function refreshStatus(): void {
  if (conn.kind !== 'live') return;
  api<{ units: UiUnit[] }>('GET', '/v1/units').then((body) => {
    withStatus(body.units);
    render();
  }, () => undefined).finally(scheduleStatus);
}

let statusSoonTimer: number | undefined;
function statusSoon(): void {
  if (statusSoonTimer !== undefined) return;
  statusSoonTimer = window.setTimeout(() => {
    statusSoonTimer = undefined;
    refreshStatus();
  }, 400);
}

// ---- log tails of every unit, and the selected unit's log followed ----

const tailTimers = new Map<string, number>();

function tailSoon(name: string): void {
  if (tailTimers.has(name)) return;
  tailTimers.set(name, window.setTimeout(() => {
    tailTimers.delete(name);
    void loadTails([name]);
  }, 300));
}

async function loadTails(names: string[]): Promise<void> {
  // A few at a time: the browser has six connections per host and the event stream holds one.
  const queue = [...names];
  const worker = async (): Promise<void> => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      try {
        const res = await fetch(`/v1/units/${encodeURIComponent(name)}/logs?lines=${TAIL_LINES}`, { headers: headers(), cache: 'no-store', credentials: 'omit' });
        if (!res.ok) continue;
        const row = rows.get(name);
        if (row !== undefined) row.tail = (await res.text()).split('\n').filter((l) => l !== '').slice(-TAIL_LINES);
      } catch {
        // supd went away: the event stream says so and reconnects
      }
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  render();
}

let logAbort: AbortController | null = null;

function followLog(name: string): void {
  logAbort?.abort();
  const ctrl = new AbortController();
  logAbort = ctrl;
  logLines = [];
  logRest = '';
  renderLog();
  const path = `${unitPath(name)}/logs?lines=${LOG_LINES}&follow=1`;
  fetch(path, { headers: headers(), signal: ctrl.signal, cache: 'no-store', credentials: 'omit' })
    .then(async (res) => {
      if (!res.ok) throw await errorOf(res);
      await readStream(res, (text) => {
        const parts = (logRest + text).split('\n');
        logRest = parts.pop() ?? '';
        logLines.push(...parts);
        if (logLines.length > LOG_KEEP) logLines = logLines.slice(-LOG_KEEP);
        renderLog();
      });
    })
    .catch((e: unknown) => {
      if (ctrl.signal.aborted) return;
      logLines.push(`(log unavailable: ${e instanceof Error ? e.message : String(e)})`);
      renderLog();
    });
}

/** The API path of a row's unit: this host's own routes, or the fleet's for another host's. */
function unitPath(key: string): string {
  const i = key.indexOf('/');
  if (fleet === null || i < 0) return `/v1/units/${encodeURIComponent(key)}`;
  const host = key.slice(0, i);
  const name = key.slice(i + 1);
  if (host === fleet.self) return `/v1/units/${encodeURIComponent(name)}`;
  return `/v1/fleet/units/${encodeURIComponent(host)}/${encodeURIComponent(name)}`;
}

function select(key: string | null): void {
  if (key === selected) return;
  selected = key;
  if (key === null) logAbort?.abort();
  else if (conn.kind === 'live') followLog(key);
  render();
}

// ---- actions: asked first when they stop something, refused visibly ----

let pending: (() => void) | null = null;

function ask(question: string, then: () => void): void {
  pending = then;
  ui.confirmText.textContent = question;
  ui.confirm.hidden = false;
}

function notice(text: string, error: boolean): void {
  ui.notice.textContent = text;
  ui.notice.className = error ? 'notice error' : 'notice ok';
  ui.notice.setAttribute('role', error ? 'alert' : 'status');
  ui.notice.hidden = false;
}

async function act(label: string, path: string, body: Record<string, unknown>): Promise<void> {
  notice(`${label}: sent…`, false);
  try {
    await api('POST', path, body);
    notice(`${label}: done`, false);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof ApiError && e.status === 401) askToken(message);
    notice(e instanceof ApiError && (e.status === 401 || e.status === 403) ? `refused: ${label}: ${message}` : `${label} failed: ${message}`, true);
  }
}

type UnitAction = 'start' | 'stop' | 'safe stop' | 'restart';

function unitAction(action: UnitAction, key: string): void {
  const target = unitPath(key);
  const name = key;
  const run = (): void => {
    if (action === 'start') void act(`start ${name}`, `${target}/start`, { wait: false });
    else if (action === 'restart') void act(`restart ${name}`, `${target}/restart`, { wait: false });
    else void act(`${action} ${name}`, `${target}/stop`, { wait: false, safe: action === 'safe stop' });
  };
  if (action === 'start') run();
  else ask(`${action[0]?.toUpperCase() ?? ''}${action.slice(1)} ${name}?`, run);
}

function rollingRestart(target: string, strategy: 'one-by-one' | 'half-by-half'): void {
  ask(`Rolling restart of ${target}, ${strategy}?`, () => {
    void act(`rolling restart of ${target}`, `/v1/units/${encodeURIComponent(target)}/restart`, { wait: false, rolling: strategy });
  });
}

function cancelRollout(id: string, ofFleet: boolean): void {
  const path = `/v1/${ofFleet ? 'fleet/' : ''}rollouts/${encodeURIComponent(id)}/cancel`;
  ask(`Cancel ${ofFleet ? 'fleet ' : ''}rollout ${id}?`, () => void act(`cancel rollout ${id}`, path, {}));
}

// ---- rendering ----

let renderQueued = false;

function render(): void {
  if (renderQueued) return;
  renderQueued = true;
  window.setTimeout(() => {
    renderQueued = false;
    renderAll();
  }, 0);
}

function renderAll(): void {
  renderConn();
  renderUnits();
  renderGroups();
  renderRollouts();
  renderLog();
}

function renderConn(): void {
  const label = conn.kind === 'live' ? 'live' : conn.kind === 'connecting' ? 'connecting…' : conn.kind === 'locked' ? 'needs a token' : 'offline';
  setText(ui.conn, label);
  ui.conn.className = `conn ${conn.kind}`;
  if (conn.kind === 'down') {
    const secs = Math.max(0, Math.ceil((conn.retryAt - Date.now()) / 1000));
    setText(ui.banner, `supd is unreachable (${conn.reason}). Retrying in ${secs}s; what you see is the last known state.`);
    ui.banner.hidden = false;
  } else {
    ui.banner.hidden = true;
  }
  document.body.classList.toggle('offline', conn.kind === 'down');
  const fleetDown = fleet !== null && conn.kind === 'live' && (fleet.stream === 'down' || !fleet.etcd.reachable);
  if (fleet !== null && fleetDown) {
    // What it means first, in a line; supd's reason (often a long gRPC error) after it, smaller.
    const what = fleet.stream === 'down' ? `the fleet stream from ${fleet.self} broke; reconnecting` : `etcd is unreachable from ${fleet.self}`;
    setText(ui.fleetBannerText, `Fleet: ${what}. This host's units below are live; other hosts show their last known state.`);
    setText(ui.fleetBannerWhy, fleet.etcd.reason);
    ui.fleetBanner.hidden = false;
  } else {
    ui.fleetBanner.hidden = true;
  }
  document.body.classList.toggle('fleet-down', fleetDown);
  const shown = shownUnits();
  const by = new Map<string, number>();
  for (const s of shown) {
    const state = s.remote?.state ?? s.unit.state;
    by.set(state, (by.get(state) ?? 0) + 1);
  }
  const hosts = fleet === null ? '' : ` on ${fleet.hosts.size} hosts${[...fleet.hosts.values()].some((r) => !r) ? ` (${[...fleet.hosts.values()].filter((r) => !r).length} unreachable)` : ''}`;
  setText(ui.summary, `${shown.length} units${hosts}${by.size === 0 ? '' : `: ${[...by].map(([s, n]) => `${n} ${s}`).join(', ')}`}`);
}

interface RowView {
  tr: HTMLTableRowElement;
  cells: Record<string, HTMLTableCellElement>;
  state: HTMLSpanElement;
  flags: HTMLSpanElement;
  tailRow: HTMLTableRowElement;
  tail: HTMLPreElement;
}

const views = new Map<string, RowView>();
let hostColumn: boolean | null = null;

const COLUMNS = ['pid', 'uptime', 'restarts', 'cpu', 'memory', 'connections', 'reason'] as const;
const HEADS: Record<(typeof COLUMNS)[number], string> = {
  pid: 'PID', uptime: 'Uptime', restarts: 'Restarts', cpu: 'CPU', memory: 'Memory', connections: 'Conn', reason: 'Reason',
};

function renderHead(hosts: boolean): void {
  if (hostColumn === hosts) return;
  hostColumn = hosts;
  const tr = el('tr');
  for (const h of [...(hosts ? ['Host'] : []), 'Unit', 'State', ...COLUMNS.map((c) => HEADS[c]), '']) tr.append(el('th', '', h));
  ui.unitsHead.replaceChildren(tr);
  for (const v of views.values()) {
    v.tr.remove();
    v.tailRow.remove();
  }
  views.clear();
}

function makeRow(key: string, hosts: boolean): RowView {
  const tr = el('tr', 'unit');
  tr.dataset['unit'] = key;
  const cells: Record<string, HTMLTableCellElement> = {};
  const cell = (name: string): HTMLTableCellElement => {
    const td = el('td', `c-${name}`);
    cells[name] = td;
    tr.append(td);
    return td;
  };
  if (hosts) cell('host');
  const name = cell('name');
  name.append(button('', 'link', () => select(key)));
  const stateCell = cell('state');
  const state = el('span', 'state');
  const flags = el('span', 'flags');
  stateCell.append(state, flags);
  for (const c of COLUMNS) cell(c);
  const actions = cell('actions');
  for (const a of ['start', 'stop', 'safe stop', 'restart'] as const) {
    actions.append(button(a, `act act-${a.replace(' ', '-')}`, () => unitAction(a, key)));
  }
  const tailRow = el('tr', 'tail');
  const td = el('td');
  td.colSpan = COLUMNS.length + 3 + (hosts ? 1 : 0);
  const tail = el('pre', 'log-tail');
  td.append(tail);
  tailRow.append(td);
  return { tr, cells, state, flags, tailRow, tail };
}

function renderUnits(): void {
  const shown = shownUnits();
  const hosts = fleet !== null || shown.some((s) => s.unit.host !== undefined);
  renderHead(hosts);
  const now = Date.now();
  const keys = new Set(shown.map((s) => s.key));
  for (const [key, view] of views) {
    if (!keys.has(key)) {
      view.tr.remove();
      view.tailRow.remove();
      views.delete(key);
    }
  }
  let previous: HTMLTableRowElement | null = null;
  for (const { key, unit: u, row, remote } of shown) {
    let view = views.get(key);
    if (view === undefined) {
      view = makeRow(key, hosts);
      views.set(key, view);
    }
    const c = view.cells;
    if (c['host'] !== undefined) setText(c['host'], u.host ?? '');
    view.tr.classList.toggle('remote', remote !== null);
    view.tr.classList.toggle('h-unreachable', u.host !== undefined && fleet?.hosts.get(u.host) === false);
    const link = c['name']?.firstElementChild;
    if (link instanceof HTMLElement) setText(link, u.name);
    const state = remote?.state ?? u.state;
    setText(view.state, state);
    view.state.className = `state s-${state}`;
    const flags = [u.stale ? 'stale' : '', row?.changed === true ? 'changed' : '', u.lbDisabled ? 'lb-off' : '', u.forced ? 'forced' : ''].filter((f) => f !== '');
    setText(view.flags, flags.join(' '));
    setText(c['pid'] ?? el('td'), u.pid === null ? '-' : String(u.pid));
    const spawnedAt = row === null ? (remote?.pid == null ? null : Date.parse(remote.since)) : row.spawnedAt;
    setText(c['uptime'] ?? el('td'), duration(spawnedAt === null || Number.isNaN(spawnedAt) ? null : now - spawnedAt));
    setText(c['restarts'] ?? el('td'), row === null ? '' : String(u.restarts));
    setText(c['cpu'] ?? el('td'), cpu(u.cpu));
    setText(c['memory'] ?? el('td'), bytes(u.memory));
    setText(c['connections'] ?? el('td'), u.connections === null ? '' : String(u.connections));
    setText(c['reason'] ?? el('td'), u.reason);
    setText(view.tail, row === null ? '' : row.tail.join('\n'));
    view.tr.classList.toggle('selected', key === selected);
    view.tr.classList.toggle('flash', now - (row?.flashAt ?? fleet?.flashAt.get(key) ?? 0) < 1500);
    // Keep the DOM in supd's order, moving only what is out of place.
    const anchor: ChildNode | null = previous === null ? ui.units.firstChild : previous.nextSibling;
    if (anchor !== view.tr) ui.units.insertBefore(view.tr, anchor);
    if (view.tr.nextSibling !== view.tailRow) ui.units.insertBefore(view.tailRow, view.tr.nextSibling);
    previous = view.tailRow;
  }
}

// Groups and rollouts are rebuilt only when what they show changed, so a button is not replaced
// under the pointer between press and release.
let groupsShown = '';
let rolloutsShown = '';

function renderGroups(): void {
  const groups = new Map<string, Row[]>([['all', [...rows.values()]]]);
  for (const r of rows.values()) for (const g of r.unit.groups) groups.set(g, [...(groups.get(g) ?? []), r]);
  const shown = JSON.stringify([...groups].map(([g, members]) => [g, members.map((m) => [m.unit.name, m.unit.state])]));
  if (shown === groupsShown) return;
  groupsShown = shown;
  const items = [...groups].map(([name, members]) => {
    const div = el('div', 'group');
    div.dataset['group'] = name;
    div.append(el('span', 'group-name', name));
    const states = el('span', 'members');
    for (const m of members) states.append(el('span', `state s-${m.unit.state}`, m.unit.name));
    div.append(states);
    div.append(
      button('rolling restart', 'act act-rolling', () => rollingRestart(name, 'one-by-one')),
      button('half by half', 'act act-half', () => rollingRestart(name, 'half-by-half')),
    );
    return div;
  });
  ui.groups.replaceChildren(...items);
}

function renderRollouts(): void {
  const all: (UiRollout & { driver?: string })[] = [...rollouts.values(), ...(fleet?.rollouts.values() ?? [])];
  const list = all.sort((a, b) => b.created.localeCompare(a.created)).slice(0, 6);
  const shown = JSON.stringify(list);
  if (shown === rolloutsShown) return;
  rolloutsShown = shown;
  if (list.length === 0) {
    ui.rollouts.replaceChildren(el('p', 'empty', 'No rollouts yet.'));
    return;
  }
  ui.rollouts.replaceChildren(...list.map((r) => {
    const ofFleet = r.driver !== undefined;
    const div = el('div', `rollout r-${r.state}${ofFleet ? ' fleet' : ''}`);
    div.dataset['id'] = r.id;
    const head = el('div', 'rollout-head');
    head.append(
      el('span', 'rollout-id', r.id),
      el('span', 'rollout-target', r.target),
      el('span', 'rollout-strategy', r.strategy),
      el('span', `rollout-state r-${r.state}`, r.state),
      el('span', 'rollout-trigger', r.trigger),
    );
    if (r.driver !== undefined) head.append(el('span', 'rollout-driver', `fleet, driven by ${r.driver}`));
    if (r.state === 'running') head.append(button('cancel', 'act act-cancel', () => cancelRollout(r.id, ofFleet)));
    const steps = el('ol', 'steps');
    for (const s of r.steps) {
      const li = el('li', `step p-${s.state}`);
      li.dataset['unit'] = s.unit;
      li.dataset['state'] = s.state;
      li.append(el('span', 'step-unit', s.unit), el('span', 'step-state', s.state));
      if (s.reason !== null) li.append(el('span', 'step-reason', s.reason));
      steps.append(li);
    }
    div.append(head, steps);
    if (r.error !== null) div.append(el('p', 'rollout-error', `${r.error.unit}: ${r.error.reason}`));
    return div;
  }));
}

function renderLog(): void {
  const name = selected === null ? '' : (fleet === null ? (rows.get(selected)?.unit.name ?? selected) : selected);
  setText(ui.logTitle, name === '' ? 'Log' : `Log of ${name}`);
  setText(ui.log, logLines.join('\n'));
  ui.log.scrollTop = ui.log.scrollHeight;
}

// ---- start ----

function wire(): void {
  ui.tokenForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const value = ui.tokenInput.value.trim();
    ui.tokenInput.value = '';
    if (value !== '') sessionStorage.setItem(TOKEN_KEY, value);
    ui.tokenForm.hidden = true;
    retryMs = RETRY_FIRST_MS;
    void connect();
  });
  byId('token-forget', HTMLButtonElement).addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    ui.tokenForm.hidden = true;
    void connect();
  });
  byId('token-button', HTMLButtonElement).addEventListener('click', () => askToken(token() === null ? 'no token yet' : 'replace this tab\'s token'));
  byId('confirm-yes', HTMLButtonElement).addEventListener('click', () => {
    ui.confirm.hidden = true;
    const run = pending;
    pending = null;
    run?.();
  });
  byId('confirm-no', HTMLButtonElement).addEventListener('click', () => {
    ui.confirm.hidden = true;
    pending = null;
  });
  // Uptimes and the retry countdown move each second; nothing is fetched for it.
  window.setInterval(() => {
    renderConn();
    renderUnits();
  }, 1000);
}

takeFragmentToken();
wire();
// A token pasted into the address bar of an open page is taken the same way.
window.addEventListener('hashchange', () => {
  if (!location.hash.startsWith('#token=')) return;
  takeFragmentToken();
  retryMs = RETRY_FIRST_MS;
  void connect();
});
void connect();
