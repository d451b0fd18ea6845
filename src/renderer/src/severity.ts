/** The six OTel severity ranges; each covers four severity numbers (TRACE is 1-4). */
export type SeverityRange = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'

/** Maps an OTel severity number (1-24) to its range; 0 (unspecified) counts as trace. */
export function severityRange(severityNumber: number): SeverityRange {
  if (severityNumber >= 21) return 'fatal'
  if (severityNumber >= 17) return 'error'
  if (severityNumber >= 13) return 'warn'
  if (severityNumber >= 9) return 'info'
  if (severityNumber >= 5) return 'debug'
  return 'trace'
}
