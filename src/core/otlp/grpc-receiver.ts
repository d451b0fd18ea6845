// OTLP/gRPC receiver for the trace, logs and metrics Export methods. Messages
// pass through as raw bytes and go to the same protobuf decoder as OTLP/HTTP;
// grpc-js itself undoes `grpc-encoding: gzip`. Retryable failures carry a
// google.rpc.RetryInfo in the `grpc-status-details-bin` trailer, as the OTLP
// specification suggests for throttling. Messages take their bytes from the
// in-flight budget shared with the OTLP/HTTP receiver until storing them
// succeeds or fails.

import { isIP } from 'node:net'
import * as grpc from '@grpc/grpc-js'
import type { Logger } from 'pino'
import type { ReceivedExport } from '../forward/forwarder'
import type { Ingestor } from '../ingest'
import { StoreWriteError } from '../store/failures'
import { OverloadedError } from '../store/writer'
import { mebibytes, type InFlightBudget } from './in-flight-budget'
import { OtlpDecodeError } from './model'
import { exportResponse, retryStatusDetails, type Signal } from './responses'

const SERVICES: Record<Signal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
}

/** HTTP/2 streams (calls) open at once on one connection; see createGrpcServer. */
const MAX_CONCURRENT_STREAMS = 16

const passThrough = (value: Buffer): Buffer => value

function exportMethod(path: string): grpc.MethodDefinition<Buffer, Buffer> {
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: passThrough,
    requestDeserialize: passThrough,
    responseSerialize: passThrough,
    responseDeserialize: passThrough,
  }
}

export interface GrpcReceiverOptions {
  ingestor: Ingestor
  log: Logger
  /** Largest message accepted, in bytes (grpc-js defaults to 4 MiB). */
  maxMessageBytes: number
  /**
   * Budget of message bytes held at once by calls not yet responded to, shared
   * with the OTLP/HTTP receiver. Past it, new calls get UNAVAILABLE with a
   * RetryInfo delay. A call is always admitted when nothing else is in flight.
   */
  inFlightBudget: InFlightBudget
  /** Called with each stored request, as protobuf without compression (grpc-js has undone it). */
  onStored?: (request: ReceivedExport) => void
}

export function createGrpcServer(options: GrpcReceiverOptions): grpc.Server {
  // grpc-js prints its own errors to the console; Loupe reports bind
  // failures itself, so its messages go to the debug log.
  grpc.setLogger({
    error: (...args: unknown[]) => options.log.debug(`grpc-js: ${args.join(' ')}`),
    info: (...args: unknown[]) => options.log.debug(`grpc-js: ${args.join(' ')}`),
    debug: (...args: unknown[]) => options.log.debug(`grpc-js: ${args.join(' ')}`),
  })
  const server = new grpc.Server({
    'grpc.max_receive_message_length': options.maxMessageBytes,
    'grpc.max_send_message_length': 4 * 1024 * 1024,
    // grpc-js reads every open stream's message into memory before the
    // in-flight budget counts it, so one connection with many concurrent calls
    // could buffer that many messages. Past 16 open streams, clients such as
    // grpc-js 1.14 wait for a free stream instead of failing. 16 is above the
    // 10 concurrent exports of the OpenTelemetry Collector's default sending
    // queue (num_consumers in its exporterhelper README), and it bounds one
    // connection to 16 messages of --max-body-mb.
    'grpc.max_concurrent_streams': MAX_CONCURRENT_STREAMS,
  })
  for (const signal of Object.keys(SERVICES) as Signal[]) {
    server.addService(
      { Export: exportMethod(SERVICES[signal]) },
      { Export: exportHandler(options, signal) },
    )
  }
  return server
}

function exportHandler(
  options: GrpcReceiverOptions,
  signal: Signal,
): grpc.handleUnaryCall<Buffer, Buffer> {
  const budget = options.inFlightBudget
  return (call, callback) => {
    // grpc-js has already read and decompressed the whole message, so the
    // budget cannot stop it from arriving. Rejecting it here frees it before
    // it is decoded and waits in the write queue.
    const bytes = call.request.length
    if (!budget.tryTake(bytes, 0)) {
      options.log.debug(
        { signal, bytes, heldBytes: budget.held },
        'rejected an OTLP/gRPC call past the in-flight budget',
      )
      callback(retryableError(grpc.status.UNAVAILABLE, overBudgetMessage(budget, bytes), 1))
      return
    }
    const ingested = options.ingestor
      .ingest(signal, 'protobuf', call.request, 'grpc')
      .finally(() => budget.release(bytes))
    ingested.then(
      (outcome) => {
        callback(null, exportResponse(signal, 'protobuf', outcome.partial))
        options.onStored?.({
          signal,
          body: call.request,
          contentType: 'application/x-protobuf',
          contentEncoding: null,
        })
      },
      (error: Error) => {
        if (error instanceof OtlpDecodeError) {
          callback({
            code: grpc.status.INVALID_ARGUMENT,
            details: `invalid OTLP protobuf: ${error.message}`,
          })
        } else if (error instanceof OverloadedError) {
          callback(retryableError(grpc.status.UNAVAILABLE, error.message, 1))
        } else if (error instanceof StoreWriteError) {
          // The writer has logged the failure; the client keeps the batch and retries later.
          options.log.debug({ signal, kind: error.kind }, 'an OTLP/gRPC request was not stored')
          const code =
            error.kind === 'full' ? grpc.status.RESOURCE_EXHAUSTED : grpc.status.UNAVAILABLE
          callback(retryableError(code, error.message, error.retryAfterSeconds))
        } else {
          options.log.error({ err: error, signal }, 'storing an OTLP/gRPC request failed')
          callback(retryableError(grpc.status.UNAVAILABLE, `storing failed: ${error.message}`, 5))
        }
      },
    )
  }
}

function overBudgetMessage(budget: InFlightBudget, bytes: number): string {
  return (
    `Loupe is busy: the OTLP requests in flight hold ${mebibytes(budget.held)} MiB, and this ` +
    `${mebibytes(bytes)} MiB message would take them past the limit of ` +
    `${mebibytes(budget.maxBytes)} MiB held at once; retry after the RetryInfo delay, ` +
    'or send smaller batches or fewer concurrent exports'
  )
}

/**
 * Returns a gRPC error with a RetryInfo trailer. OTLP clients retry
 * UNAVAILABLE always, and RESOURCE_EXHAUSTED only when RetryInfo is present.
 */
function retryableError(
  code: grpc.status,
  message: string,
  retryDelaySeconds: number,
): Partial<grpc.StatusObject> {
  const metadata = new grpc.Metadata()
  metadata.set('grpc-status-details-bin', retryStatusDetails(code, message, retryDelaySeconds))
  return { code, details: message, metadata }
}

/** Bind the server; resolves with the port, or rejects with the bind error. */
export function bindGrpc(server: grpc.Server, host: string, port: number): Promise<number> {
  // grpc-js reads the target as host:port, so an IPv6 address needs brackets.
  const target = isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`
  return new Promise((resolve, reject) => {
    server.bindAsync(target, grpc.ServerCredentials.createInsecure(), (error, bound) => {
      if (error) reject(error)
      else resolve(bound)
    })
  })
}
