// The path every OTLP request takes, whatever brought it (HTTP, gRPC or
// `loupe import`): decode, hand to the writer, and report what was rejected.
// Decoding stays on the request; everything else about a span (GenAI
// normalization, search indexing) happens after the acknowledgement.

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
import type { SpanWriter } from './store/writer'

export type Transport = IngestProblem['transport']

export interface IngestOutcome {
  /** Spans or log records stored (re-sent duplicates included). */
  accepted: number
  partial: PartialSuccess | null
}

const MAX_PROBLEMS = 50
const MAX_MESSAGE_LINES = 5

export class Ingestor {
  private readonly problems: IngestProblem[] = []

  constructor(
    private readonly writer: SpanWriter,
    private readonly log: Logger,
  ) {}

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

  /** Store spans that Loupe made itself (run root spans, gateway calls). */
  async writeDecoded(traces: DecodedTraces): Promise<void> {
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
        const result = await this.writer.writeTraces(decoded)
        return {
          accepted: result.spans,
          partial: this.partial(signal, transport, decoded.rejectedSpans, decoded.errors),
        }
      }
      case 'logs': {
        const decoded =
          encoding === 'json' ? decodeLogsJson(body.toString('utf8')) : decodeLogsProto(body)
        const result = await this.writer.writeLogs(decoded)
        return {
          accepted: result.logRecords,
          partial: this.partial(signal, transport, decoded.rejectedLogRecords, decoded.errors),
        }
      }
      case 'metrics': {
        const summary =
          encoding === 'json'
            ? summarizeMetricsJson(body.toString('utf8'))
            : summarizeMetricsProto(body)
        await this.writer.writeMetrics(encoding, body, summary.resourceMetrics, summary.serviceName)
        return { accepted: summary.resourceMetrics, partial: null }
      }
    }
  }

  private partial(
    signal: Signal,
    transport: Transport,
    rejected: number,
    errors: string[],
  ): PartialSuccess | null {
    if (rejected === 0 && errors.length === 0) return null
    const shown = errors.slice(0, MAX_MESSAGE_LINES)
    const more = errors.length > shown.length ? `; and ${errors.length - shown.length} more` : ''
    const errorMessage = `${shown.join('; ')}${more}`
    this.recordProblem(signal, transport, errorMessage, rejected)
    return { rejected, errorMessage }
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
