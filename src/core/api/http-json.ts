// Request and response plumbing shared by the API route modules: reading a
// request body up to a size limit and sending a JSON reply.

import type { IncomingMessage, ServerResponse } from 'node:http'

/** Error from readRequestBody for a body over its size limit. */
export class RequestBodyTooLargeError extends Error {
  override name = 'RequestBodyTooLargeError'
}

/**
 * Reads the whole request body. Past `maxBytes` it rejects with a
 * RequestBodyTooLargeError carrying `tooLargeMessage`, and drains the rest,
 * so that the caller can still send its reply.
 */
export function readRequestBody(
  request: IncomingMessage,
  maxBytes: number,
  tooLargeMessage: string,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) {
        request.removeAllListeners('data')
        request.resume()
        reject(new RequestBodyTooLargeError(tooLargeMessage))
        return
      }
      chunks.push(chunk)
    })
    request.on('end', () => resolve(Buffer.concat(chunks)))
    request.on('error', reject)
  })
}

/** Sends `value` as an uncached JSON response. */
export function sendJson(response: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value))
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
  })
  response.end(body)
}
