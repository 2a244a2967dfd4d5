// The bounds on what a unit file may hold, and the checks that enforce them before the costly
// work (composing YAML nodes, expanding aliases, converting to JS, validating) is done, so a
// hostile or broken file costs bounded time and memory and gets an error naming file:line:col.
// Pure: the caller (parse.ts, load.ts) hands in text, sizes and nodes.
import { Lexer, Parser, isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { CST, Document } from 'yaml';

/** Why each number: see the README section "Limits on unit files". */
export const UNIT_FILE_LIMITS = {
  /** Bytes in one unit file. A large template with hundreds of instances is ~100 KB. */
  fileBytes: 1024 * 1024,
  /** Bytes of all unit files in a directory, read by one validate or reload. */
  totalBytes: 16 * 1024 * 1024,
  /** Nesting of maps and lists. The deepest real path, instances.NAME.safeStop.waitConnections.0, is 5. */
  depth: 32,
  /** Aliases (`*name`, merge keys included) in one file. */
  aliases: 100,
  /** Nodes of one file once every alias is expanded: a bound on what an alias bomb can build. */
  expandedNodes: 100_000,
  /** Entries of one map or list (env keys, instances, argv words, requires…). */
  entries: 1000,
  /** Characters of one key or string value (a command, an env value, a certificate in env). */
  stringLength: 64 * 1024,
  /** Units in one directory, instances of templates included. */
  units: 10_000,
} as const;

export type UnitFileLimit = keyof typeof UNIT_FILE_LIMITS;

/** A limit was passed at `offset` (into the text) with this message. */
export interface LimitBreach {
  limit: UnitFileLimit;
  offset: number;
  message: string;
}

export function limitMessage(limit: UnitFileLimit, what: string): string {
  return `${what}; the limit is ${UNIT_FILE_LIMITS[limit].toLocaleString('en-US')} (${limitName(limit)})`;
}

function limitName(limit: UnitFileLimit): string {
  return `unit file limit "${limit}"`;
}

/** Bytes, for the size limits' messages. */
export function sizeMessage(limit: 'fileBytes' | 'totalBytes', what: string, bytes: number): string {
  const mib = (n: number): string => `${(n / (1024 * 1024)).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
  return `${what} ${bytes.toLocaleString('en-US')} bytes; the limit is ${mib(UNIT_FILE_LIMITS[limit])} (${limitName(limit)})`;
}

/**
 * Lexes and parses the text into CST tokens, watching the parser's stack: YAML nested deeper than
 * the limit stops the parse there (the parser keeps one stack entry per open collection, plus the
 * document and the scalar being read), so `[[[[…` a hundred thousand deep costs microseconds, and
 * the recursive composer that follows never meets more than ~depth levels.
 */
export function boundedTokens(text: string, onNewLine: (offset: number) => void): { tokens: CST.Token[]; breach: LimitBreach | null } {
  const parser = new Parser(onNewLine);
  const tokens: CST.Token[] = [];
  // doc + scalar/pair in progress: a margin of 3 keeps every file within the limit parseable;
  // the exact depth is checked on the composed nodes (checkNodes).
  const stackMax = UNIT_FILE_LIMITS.depth + 3;
  onNewLine(0);
  for (const lexeme of new Lexer().lex(text, false)) {
    for (const t of parser.next(lexeme)) tokens.push(t);
    const { stack } = parser;
    if (stack.length > stackMax) return { tokens: [], breach: depthBreach(parser.offset) };
    // Entries are counted while parsing: composing a map checks its keys for duplicates pairwise,
    // so 60,000 env keys must be refused before the composer sees them.
    for (let i = stack.length - 1; i >= 0; i--) {
      const items = (stack[i] as { items?: unknown[] }).items;
      if (items !== undefined && items.length > UNIT_FILE_LIMITS.entries) {
        return { tokens: [], breach: entriesBreach(parser.offset, stack[i]?.type === 'block-map' || stack[i]?.type === 'flow-collection' && (stack[i] as CST.FlowCollection).start.source === '{') };
      }
    }
  }
  for (const t of parser.end()) tokens.push(t);
  return { tokens, breach: null };
}

function entriesBreach(offset: number, map: boolean): LimitBreach {
  const what = map ? 'keys in one map' : 'items in one list';
  return { limit: 'entries', offset, message: limitMessage('entries', `more than ${UNIT_FILE_LIMITS.entries.toLocaleString('en-US')} ${what}`) };
}

function depthBreach(offset: number): LimitBreach {
  return { limit: 'depth', offset, message: limitMessage('depth', `maps and lists nested deeper than ${UNIT_FILE_LIMITS.depth} levels`) };
}

interface Frame {
  node: unknown;
  depth: number;
}

/**
 * Walks the composed document once, without recursion: entries per collection, string lengths,
 * nesting depth, the number of aliases, and the size the document would have once aliases are
 * expanded (computed per anchored node, so an alias bomb is measured, not expanded). Returns the
 * first limit passed, in document order.
 */
export function checkNodes(doc: Document): LimitBreach | null {
  const L = UNIT_FILE_LIMITS;
  let aliases = 0;
  const stack: Frame[] = [{ node: doc.contents, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as Frame;
    const at = offsetOf(node);
    if (isAlias(node)) {
      if (++aliases > L.aliases) return { limit: 'aliases', offset: at, message: limitMessage('aliases', `more than ${L.aliases} aliases in one file`) };
      continue;
    }
    if (isScalar(node)) {
      const v = node.value;
      if (typeof v === 'string' && v.length > L.stringLength) {
        return { limit: 'stringLength', offset: at, message: limitMessage('stringLength', `a string of ${v.length.toLocaleString('en-US')} characters`) };
      }
      continue;
    }
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth >= L.depth) return depthBreach(at);
    if (node.items.length > L.entries) {
      const past: unknown = node.items[L.entries];
      return entriesBreach(offsetOf(isPair(past) ? past.key : past, at), isMap(node));
    }
    // Reversed, so that popping visits the items in document order.
    for (let i = node.items.length - 1; i >= 0; i--) {
      const item: unknown = node.items[i];
      if (isPair(item)) {
        stack.push({ node: item.value, depth: depth + 1 });
        stack.push({ node: item.key, depth: depth + 1 });
      } else {
        stack.push({ node: item, depth: depth + 1 });
      }
    }
  }
  if (aliases === 0) return null;
  return checkExpansion(doc);
}

/**
 * The node count of the document with every alias replaced by what it names, memoised per node
 * (an alias bomb of n levels is n small sums, not 2^n nodes). An alias inside the very node it
 * names would expand forever: refused as a cycle.
 */
function checkExpansion(doc: Document): LimitBreach | null {
  const limit = UNIT_FILE_LIMITS.expandedNodes;
  const size = new Map<unknown, number>();
  const open = new Set<unknown>();
  // An explicit stack of [node, children-pushed]: post-order sums without recursion.
  const stack: [unknown, boolean][] = [[doc.contents, false]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as [unknown, boolean];
    const [node, expanded] = top;
    if (size.has(node)) {
      stack.pop();
      continue;
    }
    const target = isAlias(node) ? node.resolve(doc) : node;
    if (!expanded) {
      top[1] = true;
      if (isAlias(node)) {
        if (target === undefined) {
          size.set(node, 1);
          stack.pop();
          continue;
        }
        if (open.has(target)) {
          return { limit: 'aliases', offset: offsetOf(node), message: `alias *${node.source} lies inside the node it names, which would expand forever` };
        }
        if (!size.has(target)) stack.push([target, false]);
        continue;
      }
      open.add(node);
      for (const child of childrenOf(node)) if (!size.has(child)) stack.push([child, false]);
      continue;
    }
    stack.pop();
    open.delete(node);
    let n = 1;
    if (isAlias(node)) n = target === undefined ? 1 : (size.get(target) ?? 1);
    else for (const child of childrenOf(node)) n += size.get(child) ?? 1;
    if (n > limit) {
      return {
        limit: 'expandedNodes',
        offset: offsetOf(node),
        message: limitMessage('expandedNodes', `aliases here expand to ${n > 10 * limit ? `over ${(10 * limit).toLocaleString('en-US')}` : n.toLocaleString('en-US')} nodes`),
      };
    }
    size.set(node, n);
  }
  return null;
}

function childrenOf(node: unknown): unknown[] {
  if (!isMap(node) && !isSeq(node)) return [];
  const out: unknown[] = [];
  for (const item of node.items as unknown[]) {
    if (isPair(item)) {
      if (item.key !== null && item.key !== undefined) out.push(item.key);
      if (item.value !== null && item.value !== undefined) out.push(item.value);
    } else if (item !== null && item !== undefined) out.push(item);
  }
  return out;
}

function offsetOf(node: unknown, fallback = 0): number {
  if (node !== null && typeof node === 'object' && 'range' in node) {
    const r = (node as { range?: unknown }).range;
    if (Array.isArray(r) && typeof r[0] === 'number') return r[0];
  }
  return fallback;
}
