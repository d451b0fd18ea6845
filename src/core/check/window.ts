// The time window of a check over recent traces, written as a number and a
// unit: `90s`, `30m`, `24h`, `7d`, `2w`.

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
}

/** Maximum window: ten years, far beyond any retention, and exact in nanoseconds. */
const MAX_WINDOW_MS = 3650 * UNIT_MS.d!

export const DEFAULT_WINDOW = '24h'

export class InvalidWindowError extends Error {
  override name = 'InvalidWindowError'
}

/** Parses a window such as `24h` into milliseconds; throws InvalidWindowError for anything else. */
export function parseWindow(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$/.exec(text)
  if (match === null) {
    throw new InvalidWindowError(
      `invalid duration ${JSON.stringify(text)}; use a number and a unit s, m, h, d or w, e.g. 24h or 7d`,
    )
  }
  const ms = Number(match[1]) * UNIT_MS[match[2]!]!
  if (ms <= 0)
    throw new InvalidWindowError(`the duration ${text} is empty; give a positive duration`)
  if (ms > MAX_WINDOW_MS) {
    throw new InvalidWindowError(`the duration ${text} is longer than the maximum of 3650d`)
  }
  return ms
}
