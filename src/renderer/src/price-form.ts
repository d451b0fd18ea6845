import type { PriceOverride } from './api'

// The price override form of the Prices page: its fields as typed, and the
// check that turns them into an override for the API.

/** The form's fields as typed; prices stay text until they are checked. */
export interface PriceForm {
  provider: string
  model: string
  inputPerMTok: string
  outputPerMTok: string
  cacheReadPerMTok: string
  cacheWritePerMTok: string
}

export const EMPTY_FORM: PriceForm = {
  provider: '*',
  model: '',
  inputPerMTok: '',
  outputPerMTok: '',
  cacheReadPerMTok: '',
  cacheWritePerMTok: '',
}

export function toForm(override: PriceOverride): PriceForm {
  return {
    provider: override.provider,
    model: override.model,
    inputPerMTok: String(override.inputPerMTok),
    outputPerMTok: String(override.outputPerMTok),
    cacheReadPerMTok: override.cacheReadPerMTok === null ? '' : String(override.cacheReadPerMTok),
    cacheWritePerMTok:
      override.cacheWritePerMTok === null ? '' : String(override.cacheWritePerMTok),
  }
}

/** Checks the form and returns the override, or a message that names the invalid field. */
export function parseForm(form: PriceForm): PriceOverride | string {
  const provider = form.provider.trim()
  const model = form.model.trim()
  if (provider === '') return 'Provider is required (use * for any provider).'
  if (model === '') return 'Model is required.'
  const input = parsePrice(form.inputPerMTok, 'Input')
  if (typeof input === 'string') return input
  const output = parsePrice(form.outputPerMTok, 'Output')
  if (typeof output === 'string') return output
  const cacheRead = parseOptionalPrice(form.cacheReadPerMTok, 'Cache read')
  if (typeof cacheRead === 'string') return cacheRead
  const cacheWrite = parseOptionalPrice(form.cacheWritePerMTok, 'Cache write')
  if (typeof cacheWrite === 'string') return cacheWrite
  return {
    provider,
    model,
    inputPerMTok: input,
    outputPerMTok: output,
    cacheReadPerMTok: cacheRead,
    cacheWritePerMTok: cacheWrite,
  }
}

function parsePrice(text: string, label: string): number | string {
  const trimmed = text.trim()
  const value = Number(trimmed)
  if (trimmed === '' || !Number.isFinite(value) || value < 0) {
    return `${label} price must be a number of dollars per million tokens, 0 or more (got "${text}").`
  }
  return value
}

function parseOptionalPrice(text: string, label: string): number | null | string {
  return text.trim() === '' ? null : parsePrice(text, label)
}
