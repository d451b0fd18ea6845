// Names and durations of stored span values, shared by every reader of the
// store: the API's JSON, the tree rows, the live tail and the checks.

import type { SpanKindName, SpanStatus } from '../../shared/api'

const SPAN_KINDS: readonly SpanKindName[] = [
  'unspecified',
  'internal',
  'server',
  'client',
  'producer',
  'consumer',
]

export function spanKindName(code: number): SpanKindName {
  return SPAN_KINDS[code] ?? 'unspecified'
}

export function statusName(code: number): SpanStatus {
  if (code === 1) return 'ok'
  if (code === 2) return 'error'
  return 'unset'
}

export function nsDurationMs(startNs: bigint, endNs: bigint): number {
  return Number(endNs - startNs) / 1e6
}
