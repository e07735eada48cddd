import { assert } from '../../system/env/assert.ts';

/**
 * A linearizability checker for one register (one chunk), in the spirit of Porcupine's WGL search:
 * find an order of the operations that respects real time (an operation that completed before another
 * was invoked comes first) in which every read returns the value of the latest write before it.
 * Histories are checked per chunk (P-compositionality), so each search stays small.
 *
 * Writes whose outcome is unknown (timed out, crashed client) have no completion time: they may take
 * effect at any point after their invocation, or never. Failed reads carry no information and are left
 * out by the caller.
 */
export type RegisterOp =
  | { readonly kind: 'write'; readonly value: number; readonly invokeNs: number; readonly completeNs?: number }
  | { readonly kind: 'read'; readonly value: number; readonly invokeNs: number; readonly completeNs: number };

export interface LinearizabilityResult {
  readonly ok: boolean;
  /** States explored; the search gives up (ok: true, exhausted: true) beyond the budget. */
  readonly explored: number;
  readonly exhausted: boolean;
}

const OPS_MAX = 200;

export function checkRegisterHistory(ops: readonly RegisterOp[], initialValue: number, budget = 2_000_000): LinearizabilityResult {
  assert(ops.length <= OPS_MAX, `register history of ${ops.length} ops exceeds ${OPS_MAX}: split it`);
  const n = ops.length;
  const complete = ops.map((op) => op.completeNs ?? Number.POSITIVE_INFINITY);
  const optional = ops.map((op) => op.kind === 'write' && op.completeNs === undefined);
  const done = new Uint8Array(n);
  const seen = new Set<string>();
  let explored = 0;
  let exhausted = false;

  const search = (state: number, remainingRequired: number): boolean => {
    if (remainingRequired === 0) return true;
    if (++explored > budget) {
      exhausted = true;
      return true;
    }
    const key = `${state}|${done.join('')}`;
    if (seen.has(key)) return false;
    seen.add(key);
    // An op may go next only if no other pending op completed before it was invoked.
    let horizon = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) if (!done[i] && !optional[i]) horizon = Math.min(horizon, complete[i]!);
    for (let i = 0; i < n; i++) {
      if (done[i]) continue;
      const op = ops[i]!;
      if (op.invokeNs > horizon) continue;
      if (op.kind === 'read' && op.value !== state) continue;
      done[i] = 1;
      const next = op.kind === 'write' ? op.value : state;
      if (search(next, remainingRequired - (optional[i] ? 0 : 1))) return true;
      done[i] = 0;
    }
    return false;
  };

  const required = optional.filter((o) => !o).length;
  const ok = search(initialValue, required);
  return { ok, explored, exhausted };
}
