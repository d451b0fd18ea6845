// The path every OTLP request takes, whatever brought it (HTTP, gRPC or
// `loupe import`): decode, redact secrets, hand to the writer, and report
// what was rejected or redacted. Decoding and redaction stay on the request.
// Everything else about a span (GenAI normalization, search indexing)
// happens after the acknowledgement.

import { constants } from 'node:buffer'
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
import { OtlpDecodeError, type DecodedTraces } from './otlp/model'
import type { BodyEncoding, PartialSuccess, Signal } from './otlp/responses'
import { DEFAULT_MAX_ATTRIBUTE_BYTES, ValueTruncator } from './otlp/truncate'
import { redactLogs, redactTraces } from './redact/decoded'
import { RedactionTally, Redactor } from './redact/redactor'
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
  /**
   * Largest attribute value or log body kept whole, in UTF-8 bytes; longer
   * ones are cut with a marker. 4 MiB when omitted, at least 1024.
   */
  maxAttributeBytes?: number
}

const MAX_PROBLEMS = 50
const MAX_MESSAGE_LINES = 5

export class Ingestor {
  private readonly problems: IngestProblem[] = []
  private readonly redactor: Redactor | null
  private readonly truncator: ValueTruncator
  /** False until the first cut value is logged; later ones are logged at debug level. */
  private loggedTruncation = false
  /** Rules already logged as having matched, so each is logged once per process. */
  private readonly loggedRules = new Set<string>()

  /**
   * Throws InvalidRedactionRuleError when a configured redaction rule is
   * unusable, and RangeError for a value cap below 1024 bytes.
   */
  constructor(
    private readonly writer: SpanWriter,
    private readonly log: Logger,
    options: IngestOptions = {},
  ) {
    const redaction = options.redaction ?? {}
    this.redactor =
      redaction === false ? null : new Redactor(redaction.rules ?? DEFAULT_REDACTION_RULES)
    this.truncator = new ValueTruncator(options.maxAttributeBytes ?? DEFAULT_MAX_ATTRIBUTE_BYTES)
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

  /** Redacts secrets in free text, such as a run's captured output, with the same rules as spans. */
  redactText(text: string): string {
    return this.redactor ? this.redactor.redactText(text, new RedactionTally()) : text
  }

  /** Store spans that Loupe made itself (run root spans, gateway calls), redacted like any others. */
  async writeDecoded(traces: DecodedTraces): Promise<void> {
    if (this.redactor) this.noteRedactions(redactTraces(this.redactor, traces))
    this.noteTruncations(this.truncator.truncateTraces(traces), { source: 'loupe' })
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
          encoding === 'json' ? decodeTracesJson(jsonText(body)) : decodeTracesProto(body)
        // Redaction runs first, so that no cut can split a secret and leave a prefix unmatched.
        const redactions = this.redactor ? redactTraces(this.redactor, decoded) : null
        const truncated = this.truncator.truncateTraces(decoded)
        const result = await this.writer.writeTraces(decoded)
        return {
          accepted: result.spans,
          partial: this.partial(signal, transport, {
            rejected: decoded.rejectedSpans,
            errors: decoded.errors,
            redactions,
            truncated,
          }),
        }
      }
      case 'logs': {
        const decoded = encoding === 'json' ? decodeLogsJson(jsonText(body)) : decodeLogsProto(body)
        const redactions = this.redactor ? redactLogs(this.redactor, decoded) : null
        const truncated = this.truncator.truncateLogs(decoded)
        const result = await this.writer.writeLogs(decoded)
        return {
          accepted: result.logRecords,
          partial: this.partial(signal, transport, {
            rejected: decoded.rejectedLogRecords,
            errors: decoded.errors,
            redactions,
            truncated,
          }),
        }
      }
      case 'metrics': {
        // NOTE: metric bodies are stored as received, so their attributes are not redacted.
        const summary =
          encoding === 'json' ? summarizeMetricsJson(jsonText(body)) : summarizeMetricsProto(body)
        await this.writer.writeMetrics(encoding, body, summary.resourceMetrics, summary.serviceName)
        return { accepted: summary.resourceMetrics, partial: null }
      }
    }
  }

  /**
   * Builds the partial success of a stored batch. Rejections are also recorded
   * as ingest problems, while redactions and cut values only add a warning to
   * the message.
   */
  private partial(
    signal: Signal,
    transport: Transport,
    outcome: BatchOutcome,
  ): PartialSuccess | null {
    const { rejected, errors, redactions, truncated } = outcome
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
    if (truncated > 0) {
      const message = truncationMessage(truncated, this.truncator.maxBytes)
      this.noteTruncations(truncated, { signal, transport })
      messages.push(message)
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

  /** Logs the first batch with cut values at warn level and later ones at debug level. */
  private noteTruncations(truncated: number, context: Record<string, string>): void {
    if (truncated === 0) return
    const level = this.loggedTruncation ? 'debug' : 'warn'
    this.loggedTruncation = true
    this.log[level](
      { ...context, truncated, maxAttributeBytes: this.truncator.maxBytes },
      `${truncationMessage(truncated, this.truncator.maxBytes)}; ` +
        'later batches with cut values are logged at debug level',
    )
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

/** Outcome of decoding, redaction and truncation for one batch. */
interface BatchOutcome {
  rejected: number
  errors: string[]
  redactions: RedactionTally | null
  truncated: number
}

/** Returns the partial-success warning for cut values, naming the cap and how to raise it. */
function truncationMessage(truncated: number, maxBytes: number): string {
  const noun = truncated === 1 ? 'value' : 'values'
  return (
    `${truncated} attribute ${noun} truncated to the cap of ${formatBytes(maxBytes)} ` +
    `(${maxBytes} bytes) per value; raise it with loupe serve --max-attribute-mb`
  )
}

function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024)
  if (Number.isInteger(mib)) return `${mib} MiB`
  return `${(bytes / 1024).toFixed(1)} KiB`
}

/** Returns the partial-success warning for redactions, e.g. "2 values redacted: bearer-token". */
function redactionMessage(redactions: RedactionTally): string {
  const noun = redactions.count === 1 ? 'value' : 'values'
  return `${redactions.count} ${noun} redacted: ${[...redactions.rules].sort().join(', ')}`
}

/**
 * Returns an OTLP/JSON body as text. A body longer than the longest string
 * V8 can hold (about 512 MiB) can never be read, so it is rejected as a bad
 * request instead of failing as a store error that the sender would retry.
 */
function jsonText(body: Buffer): string {
  try {
    return body.toString('utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_STRING_TOO_LONG') throw error
    throw new OtlpDecodeError(
      `the JSON body of ${Math.round(body.length / 2 ** 20)} MiB is longer than the longest ` +
        `string Node.js can hold (${Math.round(constants.MAX_STRING_LENGTH / 2 ** 20)} MiB); ` +
        'send smaller batches or use OTLP protobuf',
    )
  }
}
