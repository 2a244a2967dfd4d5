// Diagnostics as `file:line:col: message`, through units/validate.ts's formatter. Loaded on demand:
// it pulls in the unit schema, which no other command needs at startup.
import type { Diagnostic } from '../daemon/api/contract.js';

export async function formatDiagnostics(diagnostics: readonly Diagnostic[], cwd: string): Promise<string> {
  const { formatDiagnostic } = await import('../units/validate.js');
  return diagnostics.map((d) => `${formatDiagnostic(d, cwd)}\n`).join('');
}

export function errorCount(diagnostics: readonly Diagnostic[]): number {
  return diagnostics.filter((d) => d.severity === 'error').length;
}
