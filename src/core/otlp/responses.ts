// OTLP export responses and google.rpc.Status error bodies, in protobuf and
// in OTLP/JSON. Field numbers from the OTLP collector protos:
// Export{Trace,Logs,Metrics}ServiceResponse { partial_success = 1 }, and
// each partial-success message { rejected_<items> int64 = 1; error_message = 2 }.
// google.rpc.Status { code int32 = 1; message string = 2 }.

export type Signal = 'traces' | 'logs' | 'metrics'

export type BodyEncoding = 'protobuf' | 'json'

const REJECTED_FIELD: Record<Signal, string> = {
  traces: 'rejectedSpans',
  logs: 'rejectedLogRecords',
  metrics: 'rejectedDataPoints',
}

export interface PartialSuccess {
  rejected: number
  errorMessage: string
}

/** Encode a successful export response, omitting `partial` when it reports no rejection and no message. */
export function exportResponse(
  signal: Signal,
  encoding: BodyEncoding,
  partial: PartialSuccess | null,
): Buffer {
  const hasPartial = partial !== null && (partial.rejected > 0 || partial.errorMessage !== '')
  if (encoding === 'json') {
    if (!hasPartial) return Buffer.from('{}')
    return Buffer.from(
      JSON.stringify({
        partialSuccess: {
          [REJECTED_FIELD[signal]]: String(partial.rejected),
          errorMessage: partial.errorMessage,
        },
      }),
    )
  }
  if (!hasPartial) return Buffer.alloc(0)
  const inner = Buffer.concat([
    partial.rejected > 0
      ? Buffer.concat([tag(1, 0), varint(BigInt(partial.rejected))])
      : Buffer.alloc(0),
    partial.errorMessage !== ''
      ? lengthDelimited(2, Buffer.from(partial.errorMessage))
      : Buffer.alloc(0),
  ])
  return lengthDelimited(1, inner)
}

/** Encode a google.rpc.Status with a gRPC status code and a message. */
export function statusBody(encoding: BodyEncoding, code: number, message: string): Buffer {
  if (encoding === 'json') return Buffer.from(JSON.stringify({ code, message }))
  return Buffer.concat([tag(1, 0), varint(BigInt(code)), lengthDelimited(2, Buffer.from(message))])
}

/**
 * Encode a google.rpc.Status whose details carry a google.rpc.RetryInfo. As
 * the `grpc-status-details-bin` trailer, it gives an OTLP/gRPC client the
 * delay before it retries. Status { code = 1; message = 2;
 * repeated Any details = 3 }, Any { type_url = 1; value = 2 },
 * RetryInfo { Duration retry_delay = 1 }, Duration { int64 seconds = 1 }.
 */
export function retryStatusDetails(
  code: number,
  message: string,
  retryDelaySeconds: number,
): Buffer {
  const duration = Buffer.concat([tag(1, 0), varint(BigInt(retryDelaySeconds))])
  const retryInfo = lengthDelimited(1, duration)
  const any = Buffer.concat([
    lengthDelimited(1, Buffer.from(RETRY_INFO_TYPE_URL)),
    lengthDelimited(2, retryInfo),
  ])
  return Buffer.concat([
    tag(1, 0),
    varint(BigInt(code)),
    lengthDelimited(2, Buffer.from(message)),
    lengthDelimited(3, any),
  ])
}

export const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo'

function tag(field: number, wireType: number): Buffer {
  return varint(BigInt((field << 3) | wireType))
}

function varint(value: bigint): Buffer {
  const bytes: number[] = []
  let rest = BigInt.asUintN(64, value)
  while (rest >= 0x80n) {
    bytes.push(Number(rest & 0x7fn) | 0x80)
    rest >>= 7n
  }
  bytes.push(Number(rest))
  return Buffer.from(bytes)
}

function lengthDelimited(field: number, payload: Buffer): Buffer {
  return Buffer.concat([tag(field, 2), varint(BigInt(payload.length)), payload])
}

/** gRPC status codes used in OTLP responses. */
export const GrpcCode = {
  INVALID_ARGUMENT: 3,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const
