// kill and `reload TARGET…` share one loop: one request per target, every target attempted (a
// failing one does not stop the others), each unit's outcome printed; exit 1 if any failed.
import type { UnitActionResult } from '../daemon/api/contract.js';
import { isSupdError } from '../daemon/errors.js';
import type { Context } from './context.js';
import { json } from './render.js';

function isActionResult(v: unknown): v is UnitActionResult {
  return typeof v === 'object' && v !== null && 'units' in v && Array.isArray(v.units) && 'ok' in v;
}

/** POSTs `/v1/units/<target>/<action>` for each target. */
export async function unitAction(action: 'kill' | 'reload', targets: readonly string[], body: unknown, ctx: Context): Promise<number> {
  const client = ctx.client();
  let code = 0;
  for (const target of targets) {
    let result: UnitActionResult;
    try {
      result = await client.postJson<UnitActionResult>(`/v1/units/${encodeURIComponent(target)}/${action}`, body);
    } catch (e) {
      if (!isSupdError(e) || e.code === 'SUPD_UNREACHABLE') throw e;
      if (e.code !== 'SUPD_OPERATION_FAILED' || !isActionResult(e.details)) {
        // An unknown target (or a refusal) is this target's outcome; the others are still tried.
        ctx.err(`supctl: ${target}: ${e.message}\n`);
        code = Math.max(code, e.exitCode);
        continue;
      }
      result = e.details;
    }
    if (ctx.json) ctx.out(json(result));
    for (const u of result.units) {
      if (ctx.json) continue;
      if (u.ok) ctx.out(`${u.unit}: ${u.message}\n`);
      else ctx.err(`supctl: ${u.unit}: ${u.message}\n`);
    }
    if (!result.ok) code = Math.max(code, 1);
  }
  return code;
}
