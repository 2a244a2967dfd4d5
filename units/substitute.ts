// `${…}` substitution in a unit's strings: ${instance}, ${unit}, ${host}, ${vars.NAME},
// ${ports.NAME}, and ${port} in lb hooks. `$${` writes a literal `${` (e.g. for shell variables).

export interface SubstContext {
  unit: string;
  /** null outside template instances. */
  instance: string | null;
  host: string;
  vars: Readonly<Record<string, string>>;
  ports: Readonly<Record<string, number>>;
  /** The unit's first declared port, for lb hooks; undefined where ${port} is not allowed. */
  port?: number | null;
}

export type SubstResult = { ok: true; value: string } | { ok: false; message: string; index: number };
type Lookup = { ok: true; value: string } | { ok: false; message: string };

export function substitute(text: string, ctx: SubstContext): SubstResult {
  if (!text.includes('${')) return { ok: true, value: text };
  let out = '';
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('${', i);
    if (open < 0) {
      out += text.slice(i);
      break;
    }
    if (open > 0 && text[open - 1] === '$') {
      out += `${text.slice(i, open - 1)}\${`;
      i = open + 2;
      continue;
    }
    const close = text.indexOf('}', open + 2);
    if (close < 0) {
      return { ok: false, message: `unterminated "\${" (write "$\${" for a literal "\${")`, index: open };
    }
    const value = lookup(text.slice(open + 2, close).trim(), ctx);
    if (!value.ok) return { ...value, index: open };
    out += text.slice(i, open) + value.value;
    i = close + 1;
  }
  return { ok: true, value: out };
}

function lookup(name: string, ctx: SubstContext): Lookup {
  const dot = name.indexOf('.');
  if (dot > 0) {
    const scope = name.slice(0, dot);
    const key = name.slice(dot + 1);
    if (scope === 'vars') {
      const v = ctx.vars[key];
      return v !== undefined ? { ok: true, value: v } : unknown(name, 'vars', Object.keys(ctx.vars));
    }
    if (scope === 'ports') {
      const v = ctx.ports[key];
      return v !== undefined ? { ok: true, value: String(v) } : unknown(name, 'ports', Object.keys(ctx.ports));
    }
  }
  switch (name) {
    case 'unit':
      return { ok: true, value: ctx.unit };
    case 'host':
      return { ok: true, value: ctx.host };
    case 'instance':
      return ctx.instance !== null
        ? { ok: true, value: ctx.instance }
        : { ok: false, message: 'unknown variable ${instance}: only template instances have one' };
    case 'port':
      if (ctx.port === undefined) return { ok: false, message: 'unknown variable ${port}: it is defined in lb hooks only' };
      return ctx.port !== null
        ? { ok: true, value: String(ctx.port) }
        : { ok: false, message: 'unknown variable ${port}: the unit declares no ports' };
    default:
      return {
        ok: false,
        message:
          `unknown variable \${${name}} (use \${instance}, \${unit}, \${host}, \${vars.NAME} or \${ports.NAME}; ` +
          `write $\${…} for a literal \${…})`,
      };
  }
}

function unknown(name: string, scope: string, known: string[]): Lookup {
  const list = known.length > 0 ? `${scope}: ${known.join(', ')}` : `no ${scope} are defined`;
  return { ok: false, message: `unknown variable \${${name}} (${list})` };
}
