import type { OperationKind } from '../../../shared/genai'
import { formatUsd, pluralize } from '../format'

/**
 * Returns the cost to show for a trace or run: the priced sum, "unpriced"
 * when calls had tokens but no price (never $0), or "—" when nothing was
 * there to price. Unpriced calls next to a priced sum are counted after it.
 */
export function costText(costUsd: number | null, unpricedCalls: number): string {
  if (costUsd === null) return unpricedCalls > 0 ? 'unpriced' : '—'
  if (unpricedCalls > 0)
    return `${formatUsd(costUsd)} + ${pluralize(unpricedCalls, 'unpriced call')}`
  return formatUsd(costUsd)
}

export const KIND_LABELS: Record<OperationKind, string> = {
  agent: 'agent',
  model: 'model',
  tool: 'tool',
  other: 'span',
}

export const KIND_TITLES: Record<OperationKind, string> = {
  agent: 'Agent run',
  model: 'Model call',
  tool: 'Tool call',
  other: 'Span',
}
