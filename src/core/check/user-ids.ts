// Checks that the key spans (each agent run, or a trace's root when it ran no
// agent) carry a user or session id, on the span itself or on a span above it.

import type { JsonValue } from '../../shared/api'
import type { CheckSpan } from './traces'
import { EvidenceList, type ReadinessCheck, type Verdict } from './check'
import { isLoupeSpan, shownValue, spanEvidence, type TraceView } from './trace-view'

/**
 * Attributes that carry a user or session id: the OTel semantic conventions
 * (`user.id`, `session.id` and the older `enduser.id`), the snake and camel
 * case keys that apps set themselves, Langfuse's keys, and the AI SDK's
 * telemetry metadata.
 */
const ID_KEYS = [
  'user.id',
  'enduser.id',
  'session.id',
  'user_id',
  'session_id',
  'userId',
  'sessionId',
  'langfuse.user.id',
  'langfuse.session.id',
  'ai.telemetry.metadata.userId',
  'ai.telemetry.metadata.sessionId',
]

/** pydantic-ai sets this on every run, generating a new id when the app passes none, so alone it proves little. */
const CONVERSATION_KEY = 'gen_ai.conversation.id'

/** Logfire's scrubber output, e.g. `[Scrubbed due to 'session']`, and Loupe's redaction markers. */
const HIDDEN_VALUE = /^\[(?:Scrubbed due to |REDACTED:)/

type IdState =
  | { kind: 'id'; span: CheckSpan; key: string; value: JsonValue }
  | { kind: 'hidden'; span: CheckSpan; key: string; value: JsonValue }
  | { kind: 'conversation'; span: CheckSpan; value: JsonValue }
  | { kind: 'none' }

function usable(value: JsonValue | undefined): boolean {
  return (typeof value === 'string' && value.trim() !== '') || typeof value === 'number'
}

/** Finds the best id on the span or its ancestors: a readable id, else a hidden one, else a conversation id. */
function findId(trace: TraceView, span: CheckSpan): IdState {
  const chain = [span, ...trace.ancestors(span)].filter((candidate) => !isLoupeSpan(candidate))
  let hidden: IdState | null = null
  let conversation: IdState | null = null
  for (const candidate of chain) {
    for (const key of ID_KEYS) {
      const value = candidate.attributes[key]
      if (!usable(value)) continue
      if (typeof value === 'string' && HIDDEN_VALUE.test(value)) {
        hidden ??= { kind: 'hidden', span: candidate, key, value }
      } else {
        return { kind: 'id', span: candidate, key, value: value! }
      }
    }
    const conversationId = candidate.attributes[CONVERSATION_KEY]
    if (usable(conversationId))
      conversation ??= { kind: 'conversation', span: candidate, value: conversationId! }
  }
  return hidden ?? conversation ?? { kind: 'none' }
}

export class UserIdsCheck implements ReadinessCheck {
  readonly id = 'user-ids'
  readonly title = 'Key spans carry a user or session id'
  private keySpans = 0
  private readonly missing = new EvidenceList()
  private readonly conversationOnly = new EvidenceList()
  private readonly found = new EvidenceList()
  private readonly foundKeys = new Set<string>()

  observe(trace: TraceView): void {
    const agents = trace.appSpans.filter((span) => span.kind === 'agent')
    const root = trace.root
    const keySpans = agents.length > 0 ? agents : root !== null && !isLoupeSpan(root) ? [root] : []
    for (const span of keySpans) {
      this.keySpans++
      this.judge(span, findId(trace, span))
    }
  }

  private judge(span: CheckSpan, state: IdState): void {
    const subject = span.kind === 'agent' ? 'This agent run' : 'This trace'
    switch (state.kind) {
      case 'id':
        if (!this.foundKeys.has(state.key)) {
          this.foundKeys.add(state.key)
          const note = `${subject} is tied to ${state.key}${state.span === span ? '' : ` on ${state.span.name}`}.`
          this.found.add(spanEvidence(state.span, note, state.key, shownValue(state.value)))
        }
        return
      case 'hidden': {
        const note = `${subject} has ${state.key}, but its value was scrubbed or redacted, so it identifies no one; Logfire scrubs keys that contain "session".`
        this.missing.add(spanEvidence(state.span, note, state.key, shownValue(state.value)))
        return
      }
      case 'conversation': {
        const note = `${subject} has only ${CONVERSATION_KEY}, which pydantic-ai generates per run when the app passes none.`
        this.conversationOnly.add(
          spanEvidence(state.span, note, CONVERSATION_KEY, shownValue(state.value)),
        )
        return
      }
      case 'none':
        this.missing.add(
          spanEvidence(
            span,
            `${subject} carries no user or session id (user.id, session.id) on itself or above it.`,
          ),
        )
        return
    }
  }

  verdict(): Verdict {
    if (this.keySpans === 0) {
      return {
        result: 'not_checkable',
        finding: 'No application span in these traces.',
        evidence: [],
      }
    }
    if (this.missing.size > 0) {
      return {
        result: 'fail',
        finding: `Key spans without a readable user or session id: ${this.missing.size} of ${this.keySpans}.`,
        evidence: [this.missing, this.conversationOnly],
      }
    }
    if (this.conversationOnly.size > 0) {
      return {
        result: 'warn',
        finding: `Key spans with only a conversation id, no user or session id: ${this.conversationOnly.size} of ${this.keySpans}.`,
        evidence: [this.conversationOnly, this.found],
      }
    }
    return {
      result: 'pass',
      finding: `Every key span (${this.keySpans}) carries a user or session id (${[...this.foundKeys].join(', ')}).`,
      evidence: [this.found],
    }
  }
}
