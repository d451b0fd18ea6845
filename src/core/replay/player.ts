// Replay: the gateway serves a cassette's recorded replies in order. Each
// request must match the next recorded one by its fingerprint: the last
// user message, the tool results sent and the tools offered. Ids,
// timestamps and the system prompt may differ, and a redacted recorded
// value matches anything. The first request that does not match is the divergence
// point. After it, or after the `until` call, `then` decides: fail every
// further call with the report, or let the automatic mock answer.

import type { ReplayDivergence, ReplayJson } from '../../shared/api'
import { IMMEDIATE_DELIVERY, mockAnswer, type Answer, type Responder } from '../gateway/answer'
import type { ModelCall } from '../gateway/conversation'
import { estimateTokens, type MockReply } from '../gateway/mock'
import { fingerprintOf, type Cassette, type CassetteCall, type Fingerprint } from './cassette'

export type ReplayThen = 'fail' | 'mock' | 'live'

export interface ReplayOptions {
  /** Source of the cassette: a run id, a trace id or a file name. */
  source: string
  /** The span id of the last recorded call to serve; null serves them all. */
  until: string | null
  then: ReplayThen
  /** The span ids of recorded calls whose replies were edited (a fork); empty for a plain replay. */
  editedSpanIds?: string[]
}

const REDACTED = /\[REDACTED:[^\]]*\]/g

/** Compares a recorded text with a live one; a redaction marker in the recording matches any text. */
function textMatches(recorded: string, live: string): boolean {
  if (!REDACTED.test(recorded)) return recorded === live
  REDACTED.lastIndex = 0
  const pattern = recorded
    .split(REDACTED)
    .map((piece) => piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[\\s\\S]*')
  return new RegExp(`^${pattern}$`).test(live)
}

/** Lists how a live request differs from the recorded one; empty when they match. */
export function differences(recorded: Fingerprint, live: Fingerprint): string[] {
  const found: string[] = []
  if (
    recorded.lastUserText !== live.lastUserText &&
    !(
      recorded.lastUserText !== null &&
      live.lastUserText !== null &&
      textMatches(recorded.lastUserText, live.lastUserText)
    )
  ) {
    found.push(
      `the last user message differs: recorded ${JSON.stringify(recorded.lastUserText)}, now ${JSON.stringify(live.lastUserText)}`,
    )
  }
  const resultsMatch =
    recorded.toolResults.length === live.toolResults.length &&
    recorded.toolResults.every((result, index) => textMatches(result, live.toolResults[index]!))
  if (!resultsMatch) {
    found.push(
      `the tool results differ: recorded ${formatList(recorded.toolResults)}, now ${formatList(live.toolResults)}`,
    )
  }
  // A trace that did not record the offered tools matches any.
  if (
    recorded.tools !== null &&
    live.tools !== null &&
    recorded.tools.join('\n') !== live.tools.join('\n')
  ) {
    found.push(
      `the offered tools differ: recorded ${formatList(recorded.tools)}, now ${formatList(live.tools)}`,
    )
  }
  return found
}

function formatList(items: string[]): string {
  const shown = items.map((item) => (item.length > 120 ? `${item.slice(0, 120)}…` : item))
  return `[${shown.join(', ')}]`
}

/** Computes the fingerprint of a request as the gateway receives it. */
export function liveFingerprint(call: ModelCall): Fingerprint {
  return fingerprintOf(
    call.messages.map((message) => ({
      role: message.role,
      texts: message.parts.flatMap((part) => (part.type === 'text' ? [part.content] : [])),
      toolResults: message.parts.flatMap((part) =>
        part.type === 'tool_call_response' ? [part.response] : [],
      ),
    })),
    call.tools.map((tool) => tool.name),
  )
}

function recordedReply(call: CassetteCall, reply: NonNullable<CassetteCall['reply']>): MockReply {
  const toolCalls = reply.toolCalls.map((toolCall) => {
    const args =
      toolCall.arguments !== null &&
      typeof toolCall.arguments === 'object' &&
      !Array.isArray(toolCall.arguments)
        ? toolCall.arguments
        : {}
    const argumentsJson =
      typeof toolCall.arguments === 'string' ? toolCall.arguments : JSON.stringify(args)
    return { id: toolCall.id, name: toolCall.name, arguments: args, argumentsJson }
  })
  let finishReason: MockReply['finishReason'] = reply.finishReason === 'length' ? 'length' : 'stop'
  if (toolCalls.length > 0) finishReason = 'tool_calls'
  return {
    text: reply.text,
    toolCalls,
    finishReason,
    stopSequence: null,
    usage: {
      inputTokens: reply.inputTokens,
      outputTokens: reply.outputTokens || estimateTokens(reply.text ?? call.spanId),
    },
  }
}

/** A cassette being replayed for one run. */
export class ReplayPlayer {
  private position = 0
  private served = 0
  private divergence: ReplayDivergence | null = null
  private stoppedAtUntil = false

  constructor(
    readonly cassette: Cassette,
    readonly options: ReplayOptions,
  ) {}

  /** Answer that `goesLive` prepared for the call it checked, which `respond` then returns. */
  private prepared: Answer | null = null

  readonly respond: Responder = (call, mockOptions) => {
    const prepared = this.prepared
    this.prepared = null
    return prepared ?? this.serve(call) ?? this.afterReplay(call, mockOptions)
  }

  /**
   * Decides, before the call is answered, whether it goes to the real
   * provider: with `then: live`, every call from the divergence point (or
   * after the `until` call) on does.
   */
  goesLive(call: ModelCall | null): boolean {
    if (this.options.then !== 'live' || call === null) return false
    this.prepared = this.serve(call)
    return this.prepared === null
  }

  /** Returns the recorded answer to the call, or null when the replay is over for it. */
  private serve(call: ModelCall): Answer | null {
    if (this.divergence || this.stoppedAtUntil) return null
    const index = this.position
    const recorded = this.cassette.calls[index]
    if (!recorded) {
      this.divergence = {
        callIndex: index + 1,
        recordedSpanId: null,
        reasons: [`the run makes more model calls than the ${this.cassette.calls.length} recorded`],
      }
      return null
    }
    const found = differences(recorded.request, liveFingerprint(call))
    if (found.length > 0) {
      this.divergence = { callIndex: index + 1, recordedSpanId: recorded.spanId, reasons: found }
      return null
    }
    this.position++
    this.served++
    if (this.options.until !== null && recorded.spanId === this.options.until)
      this.stoppedAtUntil = true
    const delivery = {
      ...IMMEDIATE_DELIVERY,
      replayed: { source: this.options.source, index: index + 1, spanId: recorded.spanId },
    }
    if (recorded.error) {
      return {
        kind: 'error',
        error: {
          status: recorded.error.status,
          message: recorded.error.message,
          type: recorded.error.type,
          retryAfterSeconds: null,
          body: undefined,
        },
        delivery,
      }
    }
    return { kind: 'reply', reply: recordedReply(recorded, recorded.reply!), delivery }
  }

  private afterReplay(call: ModelCall, mockOptions: Parameters<Responder>[1]): Answer {
    // A `live` replay's calls after the replay go to the provider before they get here.
    if (this.options.then !== 'fail') {
      return mockAnswer(call, mockOptions)
    }
    const message = this.divergence
      ? `Loupe replay diverged at model call ${this.divergence.callIndex}: ${this.divergence.reasons.join('; ')}. ` +
        'Replay with --then mock to let the mock answer from there.'
      : `Loupe replay stopped after span ${this.options.until}, as --until requested; replay with --then mock to go on.`
    // 400 is not retried by the provider SDKs, so the agent stops at once.
    return {
      kind: 'error',
      error: {
        status: 400,
        message,
        type: 'loupe_replay_stopped',
        retryAfterSeconds: null,
        body: undefined,
      },
      delivery: IMMEDIATE_DELIVERY,
    }
  }

  /** Returns what the replay did so far, for the run's record. */
  report(): ReplayJson {
    return {
      source: this.options.source,
      sourceKind: this.cassette.source.kind,
      recordedCalls: this.cassette.calls.length,
      served: this.served,
      until: this.options.until,
      then: this.options.then,
      divergence: this.divergence,
      editedSpanIds: this.options.editedSpanIds ?? [],
    }
  }
}
