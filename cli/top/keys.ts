// What each key does in `supctl top`, as a pure function: the model and a key in, the next
// model and at most one thing for the edge to do (quit, or a unit action) out.
import { moveSelection, keepSelection } from './model.js';
import type { TopModel, UnitAction } from './model.js';

/** A key as node's readline reports it. */
export interface Key {
  /** 'up', 'down', 'return', 'escape', 'backspace', 'pageup', 'x', … */
  name?: string | undefined;
  /** The text it types ('X' for shift-x), when it types one. */
  sequence?: string | undefined;
  ctrl?: boolean | undefined;
}

export type KeyEffect = { kind: 'none' } | { kind: 'quit' } | { kind: 'act'; action: UnitAction; unit: string };

const NONE: KeyEffect = { kind: 'none' };

/** A single printable character the key types, if any. */
function typed(key: Key): string | null {
  const s = key.sequence;
  if (key.ctrl === true || s === undefined || [...s].length !== 1) return null;
  return /^[\p{L}\p{N}\p{P}\p{S} ]$/u.test(s) ? s : null;
}

function filterKey(m: TopModel, text: string, key: Key): { model: TopModel; effect: KeyEffect } {
  if (key.name === 'return' || key.name === 'enter') return { model: keepSelection({ ...m, filter: text, prompt: { kind: 'none' } }), effect: NONE };
  if (key.name === 'escape') return { model: keepSelection({ ...m, filter: '', prompt: { kind: 'none' } }), effect: NONE };
  if (key.name === 'backspace') return { model: keepSelection({ ...m, prompt: { kind: 'filter', text: [...text].slice(0, -1).join('') } }), effect: NONE };
  const ch = typed(key);
  if (ch !== null) return { model: keepSelection({ ...m, prompt: { kind: 'filter', text: text + ch } }), effect: NONE };
  return { model: m, effect: NONE };
}

function logKey(m: TopModel, key: Key, page: number): { model: TopModel; effect: KeyEffect } {
  const scroll = m.fullLog?.scroll ?? 0;
  const max = Math.max(0, m.log.lines.length - page);
  const to = (n: number): { model: TopModel; effect: KeyEffect } => ({ model: { ...m, fullLog: { scroll: Math.min(max, Math.max(0, n)) } }, effect: NONE });
  const ch = typed(key);
  if (ch === 'q') return { model: m, effect: { kind: 'quit' } };
  if (ch === 'l' || key.name === 'escape') return { model: { ...m, fullLog: null }, effect: NONE };
  if (key.name === 'up' || ch === 'k') return to(scroll + 1);
  if (key.name === 'down' || ch === 'j') return to(scroll - 1);
  if (key.name === 'pageup' || ch === 'b') return to(scroll + page);
  if (key.name === 'pagedown' || ch === ' ') return to(scroll - page);
  if (key.name === 'home' || ch === 'g') return to(max);
  if (key.name === 'end' || ch === 'G') return to(0);
  return { model: m, effect: NONE };
}

/** `page`: how many lines a page-up moves. */
export function onKey(m: TopModel, key: Key, page: number): { model: TopModel; effect: KeyEffect } {
  if (key.ctrl === true && key.name === 'c') return { model: m, effect: { kind: 'quit' } };
  const prompt = m.prompt;
  if (prompt.kind === 'confirm') {
    const yes = typed(key) === 'y' || typed(key) === 'Y';
    const model: TopModel = { ...m, prompt: { kind: 'none' } };
    return yes ? { model, effect: { kind: 'act', action: prompt.action, unit: prompt.unit } } : { model, effect: NONE };
  }
  if (prompt.kind === 'filter') return filterKey(m, prompt.text, key);
  if (m.fullLog !== null) return logKey(m, key, page);

  const ch = typed(key);
  const unit = m.selected;
  const ask = (action: UnitAction): { model: TopModel; effect: KeyEffect } =>
    unit === null ? { model: m, effect: NONE } : { model: { ...m, prompt: { kind: 'confirm', action, unit } }, effect: NONE };
  if (ch === 'q') return { model: m, effect: { kind: 'quit' } };
  if (key.name === 'up' || ch === 'k') return { model: moveSelection(m, -1), effect: NONE };
  if (key.name === 'down' || ch === 'j') return { model: moveSelection(m, 1), effect: NONE };
  if (key.name === 'pageup') return { model: moveSelection(m, -page), effect: NONE };
  if (key.name === 'pagedown') return { model: moveSelection(m, page), effect: NONE };
  if (key.name === 'home' || ch === 'g') return { model: moveSelection(m, -Infinity), effect: NONE };
  if (key.name === 'end' || ch === 'G') return { model: moveSelection(m, Infinity), effect: NONE };
  if (ch === 's') return unit === null ? { model: m, effect: NONE } : { model: m, effect: { kind: 'act', action: 'start', unit } };
  if (ch === 'x') return ask('stop');
  if (ch === 'X') return ask('safe-stop');
  if (ch === 'r') return ask('restart');
  if (ch === 'l') return unit === null ? { model: m, effect: NONE } : { model: { ...m, fullLog: { scroll: 0 } }, effect: NONE };
  if (ch === '/') return { model: { ...m, prompt: { kind: 'filter', text: m.filter } }, effect: NONE };
  if (key.name === 'escape' && m.filter !== '') return { model: keepSelection({ ...m, filter: '' }), effect: NONE };
  return { model: m, effect: NONE };
}
