// Alert deliveries against real programs and a loopback HTTP server: a
// command's exit code, standard error and time limit, and a webhook's
// retries, statuses that are not retried, redirects and Retry-After.

import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCommandDelivery } from '../../src/core/alerts/command-delivery'
import { postWebhook } from '../../src/core/alerts/webhook-delivery'
import { makeDataDir, removeDir } from '../helpers/core'

const ALERT_JSON = JSON.stringify({ rule: 'r', state: 'firing' })

let workDir: string

beforeAll(() => {
  workDir = makeDataDir('loupe-alert-deliveries-')
})

afterAll(() => {
  removeDir(workDir)
})

function node(script: string, timeoutMs?: number) {
  return runCommandDelivery({ argv: [process.execPath, '-e', script], timeoutMs }, ALERT_JSON, {
    cwd: workDir,
  })
}

describe('command delivery', () => {
  it('passes the alert on stdin', async () => {
    const result = await node(
      `let input = ''
       process.stdin.on('data', (chunk) => (input += chunk))
       process.stdin.on('end', () => process.stderr.write('got ' + JSON.parse(input).rule))`,
    )
    expect(result.ok).toBe(true)
    expect(result.exitCode).toBe(0)
    expect(result.stderr).toBe('got r')
    expect(result.error).toBeNull()
  })

  it('records a non-zero exit', async () => {
    const result = await node("process.stderr.write('no route to pager'); process.exit(3)")
    expect(result.ok).toBe(false)
    expect(result.exitCode).toBe(3)
    expect(result.error).toBe('exited with code 3')
    expect(result.stderr).toBe('no route to pager')
  })

  it('kills a command at its limit', async () => {
    const started = Date.now()
    const result = await node('setInterval(() => {}, 1000)', 300)
    expect(result.ok).toBe(false)
    expect(result.error).toBe('timed out after 300 ms and was killed')
    expect(Date.now() - started).toBeLessThan(10_000)
  })

  it('keeps the end of long stderr', async () => {
    const result = await node("process.stderr.write('a'.repeat(10000) + 'END')")
    expect(result.stderr).toHaveLength(4096)
    expect(result.stderr!.endsWith('aEND')).toBe(true)
  })

  it('reports a missing program', async () => {
    const result = await runCommandDelivery({ argv: ['./no-such-notifier'] }, ALERT_JSON, {
      cwd: workDir,
    })
    expect(result.ok).toBe(false)
    expect(result.error).toMatch(/^cannot run \.\/no-such-notifier: .*ENOENT/)
  })
})

/** Starts a loopback server that responds to each request with the next of `replies` and records the bodies. */
async function replyingServer(
  replies: { status: number; headers?: Record<string, string> }[],
): Promise<{ url: string; bodies: string[]; server: Server }> {
  const bodies: string[] = []
  const server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk: Buffer) => (body += chunk.toString()))
    request.on('end', () => {
      bodies.push(body)
      const reply = replies[Math.min(bodies.length - 1, replies.length - 1)]!
      response.writeHead(reply.status, reply.headers).end('{"error": "noted"}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, bodies, server }
}

describe('webhook delivery', () => {
  const servers: Server[] = []

  afterAll(async () => {
    await Promise.all(
      servers.map((server) => new Promise((resolve) => server.close(() => resolve(null)))),
    )
  })

  async function serve(replies: { status: number; headers?: Record<string, string> }[]) {
    const served = await replyingServer(replies)
    servers.push(served.server)
    return served
  }

  it('does not retry a 400', async () => {
    const { url, bodies } = await serve([{ status: 400 }])
    const result = await postWebhook({ url, retries: 3 }, ALERT_JSON, { userAgent: 'loupe/test' })
    expect(result.ok).toBe(false)
    expect(result.status).toBe(400)
    expect(result.attempts).toBe(1)
    expect(result.error).toBe('HTTP 400: {"error": "noted"} (1 attempt)')
    expect(bodies).toEqual([ALERT_JSON])
  })

  it('retries a 429 after Retry-After', async () => {
    const { url, bodies } = await serve([
      { status: 429, headers: { 'Retry-After': '0' } },
      { status: 204 },
    ])
    const result = await postWebhook({ url }, ALERT_JSON, { userAgent: 'loupe/test' })
    expect(result.ok).toBe(true)
    expect(result.status).toBe(204)
    expect(result.attempts).toBe(2)
    expect(bodies).toHaveLength(2)
  })

  it('gives up after its retries', async () => {
    const { url, bodies } = await serve([{ status: 503, headers: { 'Retry-After': '0' } }])
    const result = await postWebhook({ url, retries: 2 }, ALERT_JSON, { userAgent: 'loupe/test' })
    expect(result.ok).toBe(false)
    expect(result.attempts).toBe(3)
    expect(result.error).toBe('HTTP 503: {"error": "noted"} (3 attempts)')
    expect(bodies).toHaveLength(3)
  })

  it('does not follow a redirect', async () => {
    const { url, bodies } = await serve([
      { status: 302, headers: { Location: 'http://127.0.0.1:9/elsewhere' } },
    ])
    const result = await postWebhook({ url }, ALERT_JSON, { userAgent: 'loupe/test' })
    expect(result.ok).toBe(false)
    expect(result.status).toBe(302)
    expect(result.error).toContain('a redirect to http://127.0.0.1:9/elsewhere')
    expect(bodies).toHaveLength(1)
  })

  it('times out a silent server', async () => {
    const server = createServer(() => {
      // Never responds.
    })
    servers.push(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
    const result = await postWebhook({ url, timeoutMs: 200, retries: 0 }, ALERT_JSON, {
      userAgent: 'loupe/test',
    })
    expect(result.ok).toBe(false)
    expect(result.status).toBeNull()
    expect(result.error).toBe('timed out after 200 ms (1 attempt)')
    server.closeAllConnections()
  })

  it('stops retrying when aborted', async () => {
    const { url } = await serve([{ status: 503 }])
    const controller = new AbortController()
    const pending = postWebhook({ url, retries: 5 }, ALERT_JSON, {
      userAgent: 'loupe/test',
      signal: controller.signal,
    })
    controller.abort()
    const result = await pending
    expect(result.ok).toBe(false)
    expect(result.error).toBe('stopped because Loupe is stopping (1 attempt)')
  })
})
