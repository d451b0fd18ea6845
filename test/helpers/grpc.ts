// A raw OTLP/gRPC client: sends an encoded Export request over grpc-js and
// returns the status code, the message and the retry delay that the server
// put in its google.rpc.RetryInfo trailer.

import * as grpc from '@grpc/grpc-js'
import { lastField, readProtobufFields } from './cases'

export const GRPC_EXPORT_METHODS = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
} as const

const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo'

export interface GrpcExportResult {
  /** 0 for OK, else the gRPC status code. */
  code: number
  details: string
  /** The response message of a successful call, else null. */
  body: Buffer | null
  /** RetryInfo.retry_delay in seconds from `grpc-status-details-bin`, or null when absent. */
  retryDelaySeconds: number | null
}

/** Sends one Export call; a client may be shared by concurrent calls. */
export function exportOverGrpc(
  client: grpc.Client,
  signal: keyof typeof GRPC_EXPORT_METHODS,
  body: Buffer,
): Promise<GrpcExportResult> {
  const passThrough = (value: Buffer): Buffer => value
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      GRPC_EXPORT_METHODS[signal],
      passThrough,
      passThrough,
      body,
      new grpc.Metadata(),
      { deadline: Date.now() + 60_000 },
      (error, value) => {
        if (!error) {
          resolve({ code: 0, details: '', body: value ?? Buffer.alloc(0), retryDelaySeconds: null })
          return
        }
        resolve({
          code: error.code,
          details: error.details,
          body: null,
          retryDelaySeconds: retryDelayOf(error.metadata),
        })
      },
    )
  })
}

export function grpcClient(address: string): grpc.Client {
  return new grpc.Client(address, grpc.credentials.createInsecure())
}

/** Reads RetryInfo.retry_delay.seconds from a google.rpc.Status in the error trailers. */
function retryDelayOf(metadata: grpc.Metadata | undefined): number | null {
  const details = metadata?.get('grpc-status-details-bin')[0]
  if (!(details instanceof Buffer)) return null
  for (const any of readProtobufFields(details).get(3) ?? []) {
    const anyFields = readProtobufFields(any as Buffer)
    const typeUrl = (lastField(anyFields, 1) as Buffer | undefined)?.toString('utf8')
    if (typeUrl !== RETRY_INFO_TYPE_URL) continue
    const retryInfo = readProtobufFields(lastField(anyFields, 2) as Buffer)
    const duration = readProtobufFields(lastField(retryInfo, 1) as Buffer)
    return Number(lastField(duration, 1) ?? 0n)
  }
  return null
}
