// Turns a unit's command (argv list or shell string) into the exact argv spawned. A simple string
// gets `exec` so the shell replaces itself and the unit's pid is the program's, not the shell's.

const SHELL = '/bin/sh';

// First words after which `exec` would fail or change the meaning: reserved words and builtins.
const NOT_EXECUTABLE = new Set([
  'if', 'then', 'else', 'elif', 'fi', 'case', 'esac', 'for', 'while', 'until', 'do', 'done', 'function',
  'select', 'time', '{', '}', '!', '[[', ']]', 'exec', 'cd', 'export', 'set', 'unset', 'source', '.', 'eval',
  'trap', 'wait', 'ulimit', 'umask', 'alias', 'read', 'shift', 'return', 'exit', 'local', 'readonly', ':',
]);

/** argv kept as is; a string becomes `/bin/sh -c 'exec …'` when that is safe, else `/bin/sh -c '…'`. */
export function commandArgv(command: string | readonly string[]): string[] {
  if (typeof command !== 'string') return [...command];
  const script = command.trim();
  return [SHELL, '-c', isSimpleCommand(script) ? `exec ${script}` : script];
}

/** A hook: a string stays a shell script as written. */
export function hookArgv(command: string | readonly string[]): string[] {
  return typeof command === 'string' ? [SHELL, '-c', command] : [...command];
}

/**
 * One simple command: no `;`, `&`, `|`, newline or `( )` outside quotes, and a first word that is a
 * program rather than an assignment, a reserved word or a builtin.
 */
export function isSimpleCommand(script: string): boolean {
  if (script === '') return false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < script.length; i++) {
    const c = script[i];
    if (quote === "'") {
      if (c === "'") quote = null;
      continue;
    }
    if (c === '\\') {
      i++;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === ';' || c === '&' || c === '|' || c === '\n' || c === '(' || c === ')') return false;
  }
  if (quote !== null) return false;
  const first = script.split(/\s+/, 1)[0] ?? '';
  if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(first)) return false;
  return !NOT_EXECUTABLE.has(first);
}
