// The path every OTLP request takes, whatever brought it (HTTP, gRPC or
// `loupe import`): decode, redact secrets, hand to the writer, and report
// what was rejected or redacted. Decoding and redaction stay on the request.
// Everything else about a span (GenAI normalization, search indexing)
// happens after the acknowledgement.

import type { Logger } from 'pino'
import type { IngestProblem } from '../shared/api'
import {
  decodeLogsJson,
  decodeLogsProto,
  decodeTracesJson,
  decodeTracesProto,
  summarizeMetricsJson,
  summarizeMetricsProto,
} from './otlp/index'
import type { DecodedTraces } from './otlp/model'
import type { BodyEncoding, PartialSuccess, Signal } from './otlp/responses'
import { redactLogs, redactTraces } from './redact/decoded'
import { Redactor, type RedactionTally } from './redact/redactor'
import { DEFAULT_REDACTION_RULES, type RedactionRule } from './redact/rules'
import type { SpanWriter } from './store/writer'

export type Transport = IngestProblem['transport']

export interface IngestOutcome {
  /** Spans or log records stored (re-sent duplicates included). */
  accepted: number
  partial: PartialSuccess | null
}

export interface IngestOptions {
  /**
   * Secret redaction before storage: the rules to apply (the default rules
   * when `rules` is omitted), or false to store values as sent.
   */
  redaction?: { rules?: readonly RedactionRule[] } | false
}

const MAX_PROBLEMS = 50
const MAX_MESSAGE_LINES = 5

export class Ingestor {
  private readonly problems: IngestProblem[] = []
  private readonly redactor: Redactor | null
  /** Rules already logged as having matched, so each is logged once per process. */
  private readonly loggedRules = new Set<string>()

  /** Throws InvalidRedactionRuleError when a configured redaction rule is unusable. */
  constructor(
    private readonly writer: SpanWriter,
    private readonly log: Logger,
    options: IngestOptions = {},
  ) {
    const redaction = options.redaction ?? {}
    this.redactor =
      redaction === false ? null : new Redactor(redaction.rules ?? DEFAULT_REDACTION_RULES)
  }

  /**
   * Decode and store one export request body (already decompressed).
   * Throws OtlpDecodeError for an undecodable body and OverloadedError when
   * the write queue is full; store failures propagate as they are.
   */
  async ingest(
    signal: Signal,
    encoding: BodyEncoding,
    body: Buffer,
    transport: Transport,
  ): Promise<IngestOutcome> {
    try {
      return await this.decodeAndWrite(signal, encoding, body, transport)
    } catch (error) {
      this.recordProblem(signal, transport, (error as Error).message, 0)
      throw error
    }
  }

  /** Record a request rejected before decoding (bad compression, too large). */
  reportRejectedRequest(signal: Signal, transport: Transport, message: string): void {
    this.recordProblem(signal, transport, message, 0)
  }

  /** Store spans that Loupe made itself (run root spans, gateway calls), redacted like any others. */
  async writeDecoded(traces: DecodedTraces): Promise<void> {
    if (this.redactor) this.noteRedactions(redactTraces(this.redactor, traces))
    await this.writer.writeTraces(traces)
  }

  /** Recent rejections and failures, newest first. */
  recentProblems(): IngestProblem[] {
    return [...this.problems].reverse()
  }

  private async decodeAndWrite(
    signal: Signal,
    encoding: BodyEncoding,
    body: Buffer,
    transport: Transport,
  ): Promise<IngestOutcome> {
    switch (signal) {
      case 'traces': {
        const decoded =
          encoding === 'json' ? decodeTracesJson(body.toString('utf8')) : decodeTracesProto(body)
        const redactions = this.redactor ? redactTraces(this.redactor, decoded) : null
        const result = await this.writer.writeTraces(decoded)
        return {
          accepted: result.spans,
          partial: this.partial(
            signal,
            transport,
            decoded.rejectedSpans,
            decoded.errors,
            redactions,
          ),
        }
      }
      case 'logs': {
        const decoded =
          encoding === 'json' ? decodeLogsJson(body.toString('utf8')) : decodeLogsProto(body)
        const redactions = this.redactor ? redactLogs(this.redactor, decoded) : null
        const result = await this.writer.writeLogs(decoded)
        return {
          accepted: result.logRecords,
          partial: this.partial(
            signal,
            transport,
            decoded.rejectedLogRecords,
            decoded.errors,
            redactions,
          ),
        }
      }
      case 'metrics': {
        // NOTE: metric bodies are stored as received, so their attributes are not redacted.
        const summary =
          encoding === 'json'
            ? summarizeMetricsJson(body.toString('utf8'))
            : summarizeMetricsProto(body)
        await this.writer.writeMetrics(encoding, body, summary.resourceMetrics, summary.serviceName)
        return { accepted: summary.resourceMetrics, partial: null }
      }
    }
  }

  /**
   * Builds the partial success of a stored batch. Rejections are also recorded
   * as ingest problems, while redactions only add a warning to the message.
   */
  private partial(
    signal: Signal,
    transport: Transport,
    rejected: number,
    errors: string[],
    redactions: RedactionTally | null,
  ): PartialSuccess | null {
    const messages: string[] = []
    if (rejected > 0 || errors.length > 0) {
      const shown = errors.slice(0, MAX_MESSAGE_LINES)
      const more = errors.length > shown.length ? `; and ${errors.length - shown.length} more` : ''
      const errorMessage = `${shown.join('; ')}${more}`
      this.recordProblem(signal, transport, errorMessage, rejected)
      messages.push(errorMessage)
    }
    if (redactions && redactions.count > 0) {
      this.noteRedactions(redactions)
      messages.push(redactionMessage(redactions))
    }
    if (messages.length === 0) return null
    return { rejected, errorMessage: messages.join('; ') }
  }

  /** Logs the first redaction by each rule. Later ones are only counted on the stored items. */
  private noteRedactions(redactions: RedactionTally): void {
    for (const rule of redactions.rules) {
      if (this.loggedRules.has(rule)) continue
      this.loggedRules.add(rule)
      this.log.info(
        { rule },
        `redacted a value matching the rule ${rule} before storage; ` +
          'later matches are counted in the loupe.redactions attribute only',
      )
    }
  }

  private recordProblem(
    signal: Signal,
    transport: Transport,
    message: string,
    rejected: number,
  ): void {
    const scope = rejected > 0 ? { rejectedSpans: rejected } : { requestRejected: true }
    this.log.warn({ signal, transport, ...scope }, `ingest problem: ${message}`)
    this.problems.push({ time: new Date().toISOString(), signal, transport, message, rejected })
    if (this.problems.length > MAX_PROBLEMS) this.problems.shift()
  }
}

/** Returns the partial-success warning for redactions, e.g. "2 values redacted: bearer-token". */
function redactionMessage(redactions: RedactionTally): string {
  const noun = redactions.count === 1 ? 'value' : 'values'
  return `${redactions.count} ${noun} redacted: ${[...redactions.rules].sort().join(', ')}`
}
