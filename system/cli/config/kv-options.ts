import type { KvServiceOptions } from '../../services/kv/kv-service.ts';
import type { ConfigTable } from './config-table.ts';

/**
 * The [kv] table of a `flyer kv` process, in milliseconds as people write them; anything absent keeps
 * the service's default.
 *
 * ```toml
 * [kv]
 * transaction_timeout_ms = 5000    # an open transaction older than this is aborted (FoundationDB's 5 s)
 * open_transactions_max = 10000    # begins beyond this are refused until some finish
 * stores_max = 64                  # named stores (meta, mgmtd, ...) opened on demand
 * ```
 */
export type KvServiceTuning = Pick<KvServiceOptions, 'transactionTimeoutNs' | 'openTransactionsMax' | 'storesMax'>;

export function kvServiceTuningOf(t: ConfigTable): KvServiceTuning {
  const tuning: Record<string, number | undefined> = {
    transactionTimeoutNs: t.durationMs('transaction_timeout_ms'),
    openTransactionsMax: t.integer('open_transactions_max', { min: 1, max: 1_000_000 }),
    storesMax: t.integer('stores_max', { min: 1, max: 4096 }),
  };
  t.rejectUnknown();
  return Object.fromEntries(Object.entries(tuning).filter(([, v]) => v !== undefined)) as KvServiceTuning;
}
