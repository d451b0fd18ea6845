// The prices file named by the `pricesFile` setting: a JSON array of price
// overrides in the shape that `PUT /api/prices` takes. The core saves them
// into the store's overrides at each start, so that they show on the Prices
// page and price every stored and future run.

import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import type { PriceOverride } from './pricing'
import { priceOverrideSchema } from './price-overrides'

/** A prices file that cannot be read or is not a valid list of overrides. */
export class PricesFileError extends Error {
  override name = 'PricesFileError'
}

/** Reads and validates a prices file. Throws a PricesFileError naming the file and the entry. */
export async function loadPricesFile(file: string): Promise<PriceOverride[]> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new PricesFileError(`cannot read ${file}: ${(error as Error).message}`)
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new PricesFileError(`${file} is not valid JSON: ${(error as Error).message}`)
  }
  const parsed = z.array(priceOverrideSchema).safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const where = issue.path.length === 0 ? 'the document' : `entry ${issue.path.join('.')}`
    throw new PricesFileError(
      `${file}: ${where}: ${issue.message}; expected a JSON array of ` +
        '{provider, model, inputPerMTok, outputPerMTok, cacheReadPerMTok?, cacheWritePerMTok?}',
    )
  }
  return parsed.data
}
