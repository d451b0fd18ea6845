// Checks about agent runs: every agent has a name of its own, and usage
// limits are in effect.

import { AGENT_KEYS } from '../genai/normalize'
import type { CheckSpan } from './traces'
import { EvidenceList, plural, type ReadinessCheck, type Verdict } from './check'
import { shownValue, spanEvidence, type TraceView } from './trace-view'

/**
 * The name pydantic-ai gives an agent created without one: it infers the name
 * from the variable that the agent is assigned to, which is often `agent`.
 */
const DEFAULT_AGENT_NAME = 'agent'

/**
 * Attributes that the normalizer reads an agent run's name from, in its
 * order. It reads traceloop.entity.name only on agent spans, which are the
 * only spans this check reads.
 */
const AGENT_NAME_KEYS = [...AGENT_KEYS, 'traceloop.entity.name']

/**
 * Reads the attribute that named the agent, for the evidence: the one that
 * the normalized name came from, else the first one present.
 */
function nameAttribute(span: CheckSpan): { attribute: string; value: string } {
  const source =
    AGENT_NAME_KEYS.find((key) => span.agentName && span.attributes[key] === span.agentName) ??
    AGENT_NAME_KEYS.find((key) => key in span.attributes)
  if (source !== undefined) {
    return { attribute: source, value: shownValue(span.attributes[source]) }
  }
  return { attribute: 'gen_ai.agent.name', value: '(missing)' }
}

export class AgentNamesCheck implements ReadinessCheck {
  readonly id = 'agent-names'
  readonly title = 'Every agent is named'
  private agentRuns = 0
  private readonly unnamed = new EvidenceList()
  private readonly named = new EvidenceList()
  private readonly names = new Set<string>()

  observe(trace: TraceView): void {
    for (const span of trace.appSpans) {
      if (span.kind !== 'agent') continue
      this.agentRuns++
      const { attribute, value } = nameAttribute(span)
      const name = span.agentName?.trim() ?? ''
      if (name === '' || name === DEFAULT_AGENT_NAME) {
        const note =
          name === ''
            ? 'This agent run has no agent name.'
            : `"${DEFAULT_AGENT_NAME}" is the name pydantic-ai infers from a variable called agent; pass name= to Agent().`
        this.unnamed.add(spanEvidence(span, note, attribute, value))
      } else if (!this.names.has(name)) {
        this.names.add(name)
        this.named.add(spanEvidence(span, `Agent ${name} is named.`, attribute, value))
      }
    }
  }

  verdict(): Verdict {
    if (this.agentRuns === 0) {
      return {
        result: 'not_checkable',
        finding: 'No agent run span in these traces, so no agent name could be read.',
        evidence: [],
      }
    }
    if (this.unnamed.size > 0) {
      return {
        result: 'fail',
        finding: `${plural(this.unnamed.size, 'agent run')} of ${this.agentRuns} ran without a name of its own.`,
        evidence: [this.unnamed],
      }
    }
    return {
      result: 'pass',
      finding: `Every agent run (${this.agentRuns}) carries a name: ${[...this.names].sort().join(', ')}.`,
      evidence: [this.named],
    }
  }
}

export class UsageLimitsCheck implements ReadinessCheck {
  readonly id = 'usage-limits'
  readonly title = 'Usage limits are in effect'
  private readonly stopped = new EvidenceList()
  private readonly outputCaps = new EvidenceList()
  private readonly cappedModels = new Set<string>()
  private agentRuns = 0

  observe(trace: TraceView): void {
    for (const span of trace.appSpans) {
      if (span.kind === 'agent') this.agentRuns++
      // quota_exceeded is the class of UsageLimitExceeded, ConcurrencyLimitExceeded and MaxTurnsExceeded.
      const origin = span.kind === 'agent' || span.error?.spanId === span.spanId
      if (span.errorClass === 'quota_exceeded' && origin) {
        this.stopped.add(
          spanEvidence(
            span,
            `A limit stopped this run: ${span.error?.message ?? 'no message recorded'}`,
            'exception.type',
            span.error?.exceptionType ?? null,
          ),
        )
      }
      this.observeOutputCap(span)
    }
  }

  /** Notes `gen_ai.request.max_tokens` once per model, which caps each response but not a whole run. */
  private observeOutputCap(span: CheckSpan): void {
    const maxTokens = span.attributes['gen_ai.request.max_tokens']
    if (span.kind !== 'model' || typeof maxTokens !== 'number') return
    const model = String(span.attributes['gen_ai.request.model'] ?? span.name)
    if (this.cappedModels.has(model)) return
    this.cappedModels.add(model)
    this.outputCaps.add(
      spanEvidence(
        span,
        `Calls of ${model} cap each response at ${maxTokens} output tokens; that limits one response, not a run.`,
        'gen_ai.request.max_tokens',
        String(maxTokens),
      ),
    )
  }

  verdict(): Verdict {
    if (this.stopped.size > 0) {
      return {
        result: 'pass',
        finding: `A usage limit stopped ${plural(this.stopped.size, 'run')}, so limits are enforced.`,
        evidence: [this.stopped, this.outputCaps],
      }
    }
    return {
      result: 'not_checkable',
      finding:
        this.agentRuns === 0
          ? 'No agent run in these traces.'
          : 'Spans do not record UsageLimits; only a run stopped by UsageLimitExceeded shows that limits apply ' +
            '(pydantic-ai 2.x applies request_limit=50 when none is given).',
      evidence: [this.outputCaps],
    }
  }
}
