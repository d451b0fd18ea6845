// The user's own prices, stored in the data folder. Changing them reprices
// every stored model call (the normalizer starts over from its raw spans).

import type Database from 'better-sqlite3'
import { z } from 'zod'
import type { PriceOverride } from './pricing'

const perMTok = z.number().finite().nonnegative()

/** A price override as the API takes it; prices are USD per million tokens. */
export const priceOverrideSchema = z.object({
  provider: z.string().trim().min(1, 'provider is required ("*" matches any provider)'),
  model: z.string().trim().min(1, 'model is required'),
  inputPerMTok: perMTok,
  outputPerMTok: perMTok,
  cacheReadPerMTok: perMTok.nullable().default(null),
  cacheWritePerMTok: perMTok.nullable().default(null),
})

export function listPriceOverrides(db: Database.Database): PriceOverride[] {
  const rows = db.prepare('SELECT * FROM price_overrides ORDER BY provider, model').all() as Record<
    string,
    unknown
  >[]
  return rows.map((row) => ({
    provider: row.provider as string,
    model: row.model as string,
    inputPerMTok: row.input_per_mtok as number,
    outputPerMTok: row.output_per_mtok as number,
    cacheReadPerMTok: (row.cache_read_per_mtok as number | null) ?? null,
    cacheWritePerMTok: (row.cache_write_per_mtok as number | null) ?? null,
  }))
}

export function savePriceOverride(db: Database.Database, override: PriceOverride): void {
  db.prepare(
    `INSERT INTO price_overrides (provider, model, input_per_mtok, output_per_mtok, cache_read_per_mtok,
       cache_write_per_mtok, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (provider, model) DO UPDATE SET input_per_mtok = excluded.input_per_mtok,
       output_per_mtok = excluded.output_per_mtok, cache_read_per_mtok = excluded.cache_read_per_mtok,
       cache_write_per_mtok = excluded.cache_write_per_mtok, updated_ms = excluded.updated_ms`,
  ).run(
    override.provider,
    override.model,
    override.inputPerMTok,
    override.outputPerMTok,
    override.cacheReadPerMTok,
    override.cacheWritePerMTok,
    Date.now(),
  )
}

/** Delete an override; returns false when there was none. */
export function deletePriceOverride(
  db: Database.Database,
  provider: string,
  model: string,
): boolean {
  return (
    db.prepare('DELETE FROM price_overrides WHERE provider = ? AND model = ?').run(provider, model)
      .changes > 0
  )
}
