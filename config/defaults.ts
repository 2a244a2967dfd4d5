// Default locations shared by supd and supctl, so both agree on where the socket is
// without supctl reading supd's configuration.
import os from 'node:os';
import path from 'node:path';

/** root: /var/lib/supd; anyone else: $XDG_STATE_HOME/supd or ~/.local/state/supd. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (process.getuid?.() === 0) return '/var/lib/supd';
  const base = env['XDG_STATE_HOME'] || path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'supd');
}

export function defaultSocketPath(stateDir: string = defaultStateDir()): string {
  return path.join(stateDir, 'supd.sock');
}
