import type { OperationKind } from '../../../shared/genai'
import { KIND_LABELS, KIND_TITLES } from '../genai/figures'

/** A colored tag that tells agent runs, model calls and tool calls apart; nothing for other spans. */
export function KindTag({ kind }: { kind: OperationKind }) {
  if (kind === 'other') return null
  return (
    <span className={`kind-tag kind-${kind}`} title={KIND_TITLES[kind]}>
      {KIND_LABELS[kind]}
    </span>
  )
}
