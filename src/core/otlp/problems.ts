// Collects the error and warning lines of one decoded request (rejected spans
// or log records, and values that were repaired), for `errors` in DecodedTraces
// and DecodedLogs.

/** Maximum number of distinct lines kept per request. A final line counts the lines left out. */
export const MAX_PROBLEM_LINES = 20

/** Thrown inside a span or log record decoder for a field that makes the item invalid. */
export class InvalidFieldError extends Error {
  override name = 'InvalidFieldError'
}

export class ProblemList {
  private readonly lines = new Set<string>()
  private omitted = 0

  add(line: string): void {
    if (this.lines.has(line)) return
    if (this.lines.size < MAX_PROBLEM_LINES) this.lines.add(line)
    else this.omitted++
  }

  toArray(): string[] {
    const lines = [...this.lines]
    if (this.omitted > 0) lines.push(`${this.omitted} more problems not listed`)
    return lines
  }
}

/** Returns a span or record name quoted for a message, cut to 100 characters. */
export function quoteName(name: string): string {
  return JSON.stringify(name.length > 100 ? `${name.slice(0, 100)}…` : name)
}
