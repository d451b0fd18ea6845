// Helpers shared by the overload tests of the OTLP receivers.

import { request as httpRequest } from 'node:http'
import type Database from 'better-sqlite3'
import { exportOverGrpc, grpcClient, type GrpcExportResult } from './grpc'

/** The result of one Export call, with the sequence number of its body. */
export interface SequencedResult extends GrpcExportResult {
  sequence: number
}

/**
 * Sends `clients` × `callsPerClient` trace Export calls over OTLP/gRPC, each
 * client's calls one after another and the clients at once, and returns
 * every result. Call number n (from 1) sends `bodyOf(n)`. grpc-js shares one
 * connection among clients with the same address and options.
 */
export async function exportConcurrently(
  address: string,
  clients: number,
  callsPerClient: number,
  bodyOf: (sequence: number) => Buffer,
): Promise<SequencedResult[]> {
  const perClient = await Promise.all(
    Array.from({ length: clients }, async (_, index) => {
      const client = grpcClient(address)
      const own: SequencedResult[] = []
      try {
        for (let i = 0; i < callsPerClient; i++) {
          const sequence = index * callsPerClient + i + 1
          own.push({ ...(await exportOverGrpc(client, 'traces', bodyOf(sequence))), sequence })
        }
      } finally {
        client.close()
      }
      return own
    }),
  )
  return perClient.flat()
}

/** Returns the number of stored spans of each trace, by trace id. */
export function storedSpansByTrace(db: Database.Database): Map<string, number> {
  const rows = db.prepare('SELECT trace_id, count(*) AS n FROM spans GROUP BY trace_id').all() as {
    trace_id: string
    n: number
  }[]
  return new Map(rows.map((row) => [row.trace_id, row.n]))
}

/**
 * Starts a protobuf request whose body is sent only in part, so that its
 * declared Content-Length stays taken from the budget until `finish` sends the rest.
 */
export function startSlowRequest(url: string, payload: Buffer): { finish: () => Promise<number> } {
  let answered: (status: number) => void = () => {}
  const status = new Promise<number>((resolve) => (answered = resolve))
  const request = httpRequest(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-protobuf', 'Content-Length': payload.length },
  })
  request.on('response', (response) => {
    response.resume()
    answered(response.statusCode ?? 0)
  })
  request.write(payload.subarray(0, 100))
  return {
    finish: async () => {
      request.end(payload.subarray(100))
      return status
    },
  }
}
