// Checks that a web service and its agents are both instrumented: where a
// trace has an HTTP server span and model calls, pydantic-ai (or another
// agent instrumentation) must have recorded the agent run between them.

import { EvidenceList, plural, type ReadinessCheck, type Verdict } from './check'
import { isHttpServerSpan, spanEvidence, type TraceView } from './trace-view'

/** The scope of Logfire's and OpenTelemetry's FastAPI instrumentation. */
const FASTAPI_SCOPE = 'opentelemetry.instrumentation.fastapi'

export class InstrumentationCheck implements ReadinessCheck {
  readonly id = 'instrumentation'
  readonly title = 'FastAPI and pydantic-ai are both instrumented'
  private serverTraces = 0
  private readonly missingAgent = new EvidenceList()
  private readonly instrumented = new EvidenceList()
  private readonly otherFramework = new EvidenceList()
  private readonly seenScopes = new Set<string>()

  observe(trace: TraceView): void {
    const server = trace.appSpans.find(isHttpServerSpan)
    if (server === undefined) return
    this.serverTraces++
    if (server.scopeName !== FASTAPI_SCOPE && !this.seenScopes.has(server.scopeName)) {
      this.seenScopes.add(server.scopeName)
      const note = `The HTTP server span comes from ${server.scopeName || 'an unnamed scope'}, not the FastAPI instrumentation.`
      this.otherFramework.add(spanEvidence(server, note, 'scope', server.scopeName))
    }
    const agents = trace.spans.filter((span) => span.kind === 'agent')
    const modelCalls = trace.spans.filter((span) => span.kind === 'model')
    if (modelCalls.length === 0) return
    if (agents.length === 0) {
      const call = modelCalls[0]!
      const note = `This request made ${plural(modelCalls.length, 'model call')} but no agent run span was recorded; call logfire.instrument_pydantic_ai() or pass instrument=True to Agent().`
      this.missingAgent.add(spanEvidence(server, note))
      this.missingAgent.add(spanEvidence(call, 'A model call without an agent run around it.'))
    } else if (this.instrumented.size === 0) {
      const agent = agents[0]!
      this.instrumented.add(
        spanEvidence(
          server,
          `The request span comes from ${server.scopeName}.`,
          'scope',
          server.scopeName,
        ),
      )
      this.instrumented.add(
        spanEvidence(
          agent,
          `The agent run under it comes from ${agent.scopeName}.`,
          'scope',
          agent.scopeName,
        ),
      )
    }
  }

  verdict(): Verdict {
    if (this.serverTraces === 0) {
      return {
        result: 'not_checkable',
        finding:
          'No HTTP server span in these traces: if the agent serves HTTP, instrument the framework (logfire.instrument_fastapi(app)).',
        evidence: [],
      }
    }
    if (this.missingAgent.size > 0) {
      return {
        result: 'fail',
        finding:
          'Requests made model calls without an agent run span: the agent is not instrumented.',
        evidence: [this.missingAgent, this.otherFramework],
      }
    }
    if (this.instrumented.size === 0) {
      return {
        result: 'not_checkable',
        finding: `${plural(this.serverTraces, 'HTTP request')} seen, none of which ran an agent.`,
        evidence: [this.otherFramework],
      }
    }
    // Another framework's server instrumentation traces requests just as well.
    const frameworks = this.otherFramework.size > 0 ? 'HTTP requests' : 'FastAPI requests'
    return {
      result: 'pass',
      finding: `${frameworks} and the agent runs inside them are both traced.`,
      evidence: [this.instrumented, this.otherFramework],
    }
  }
}
