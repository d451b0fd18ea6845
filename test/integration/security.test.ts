// Local security of a running core: what a web page, a foreign Host name or
// a client without the token can do, and redaction of secrets end to end.
// A web page can send a "simple" cross-origin POST (text/plain, form data)
// without a preflight, so OTLP must reject those content types. Browser
// exporters on loopback dev servers get a CORS grant, other origins none.

import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SpanJson } from '../../src/shared/api'
import { postOtlp, removeDir, startTestCore, type TestCore } from '../helpers/core'

const DEV_SERVER_ORIGIN = 'http://localhost:5173'
const FOREIGN_ORIGIN = 'https://evil.example'
/** Fake secrets, assembled so that this file contains no string that looks like a real key. */
const OPENAI_KEY = `sk-proj-${'Ab1_Cd2-Ef3'.repeat(12)}`
const BEARER_TOKEN = `eyJhbGciOiJIUzI1NiJ9.${'eyJzdWIiOiIxMjM0In0'}.${'Zm9vYmFy0123456789'.repeat(2)}`

let served: TestCore
let token: string

beforeAll(async () => {
  served = await startTestCore()
  token = served.core.discovery.token
})

afterAll(async () => {
  await served.stop()
  removeDir(served.dataDir)
})

let nextSpan = 1

/** Builds an OTLP/JSON request of one span with the given string attributes, in a new trace. */
function spanBody(attributes: Record<string, string>): {
  body: string
  traceId: string
  spanId: string
} {
  const sequence = nextSpan++
  const traceId = `${sequence.toString(16).padStart(8, '0')}${'ab'.repeat(12)}`
  const spanId = `${sequence.toString(16).padStart(4, '0')}${'cd'.repeat(6)}`
  const body = JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'security' } }] },
        scopeSpans: [
          {
            scope: { name: 'security.test' },
            spans: [
              {
                traceId,
                spanId,
                name: 'chat gpt-4o',
                kind: 3,
                startTimeUnixNano: '1772362800000000000',
                endTimeUnixNano: '1772362801000000000',
                attributes: Object.entries(attributes).map(([key, value]) => ({
                  key,
                  value: { stringValue: value },
                })),
              },
            ],
          },
        ],
      },
    ],
  })
  return { body, traceId, spanId }
}

function spanCount(): number {
  return (served.core.database.prepare('SELECT count(*) AS n FROM spans').get() as { n: number }).n
}

/** Sends a request with any headers, Host included, which fetch() would not send. */
function rawRequest(
  baseUrl: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  const url = new URL(path, baseUrl)
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, headers },
      (res) => {
        res.resume()
        resolve({ status: res.statusCode ?? 0, headers: res.headers })
      },
    )
    req.on('error', reject)
    req.end()
  })
}

describe('OTLP from web pages', () => {
  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])(
    'rejects a simple POST of %s',
    async (contentType) => {
      const before = spanCount()
      const { body } = spanBody({ note: 'posted by a web page' })
      const response = await fetch(`${served.otlpHttpUrl}/v1/traces`, {
        method: 'POST',
        headers: { 'Content-Type': contentType, Origin: FOREIGN_ORIGIN },
        body,
      })
      expect(response.status).toBe(415)
      expect(response.headers.get('access-control-allow-origin')).toBeNull()
      expect(spanCount()).toBe(before)
    },
  )

  it('grants CORS to a loopback dev server', async () => {
    const preflight = await fetch(`${served.otlpHttpUrl}/v1/traces`, {
      method: 'OPTIONS',
      headers: {
        Origin: DEV_SERVER_ORIGIN,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe(DEV_SERVER_ORIGIN)
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST')
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain(
      'content-type',
    )

    const { body, traceId } = spanBody({ note: 'from a browser exporter' })
    const response = await fetch(`${served.otlpHttpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: DEV_SERVER_ORIGIN },
      body,
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('access-control-allow-origin')).toBe(DEV_SERVER_ORIGIN)
    expect(response.headers.get('vary')).toContain('Origin')
    const stored = served.core.database
      .prepare('SELECT count(*) AS n FROM spans WHERE trace_id = ?')
      .get(traceId) as { n: number }
    expect(stored.n).toBe(1)
  })

  it('grants no CORS to a foreign origin', async () => {
    const preflight = await fetch(`${served.otlpHttpUrl}/v1/traces`, {
      method: 'OPTIONS',
      headers: {
        Origin: FOREIGN_ORIGIN,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      },
    })
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull()
    const { body } = spanBody({ note: 'from a foreign page' })
    const response = await fetch(`${served.otlpHttpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: FOREIGN_ORIGIN },
      body,
    })
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('Host names and the API token', () => {
  it('rejects a foreign Host on OTLP and the API', async () => {
    const otlp = await rawRequest(served.otlpHttpUrl, '/v1/info', { Host: 'evil.example' })
    expect(otlp.status).toBe(421)
    const api = await rawRequest(served.uiUrl, '/api/status', {
      Host: 'evil.example',
      Authorization: `Bearer ${token}`,
    })
    expect(api.status).toBe(421)
  })

  it('rejects the API without the token', async () => {
    const without = await fetch(`${served.uiUrl}/api/traces`)
    expect(without.status).toBe(401)
    const { error } = (await without.json()) as { error: string }
    expect(error).toContain('missing or wrong API token')
    expect(error).toContain('Authorization: Bearer TOKEN')
    const withToken = await fetch(`${served.uiUrl}/api/traces`, {
      headers: { Authorization: `Bearer ${token}` },
    })
    expect(withToken.status).toBe(200)
    const lowerCaseScheme = await fetch(`${served.uiUrl}/api/traces`, {
      headers: { Authorization: `bearer ${token}` },
    })
    expect(lowerCaseScheme.status).toBe(200)
  })

  it('rejects the API from a foreign origin, token or not', async () => {
    const response = await fetch(`${served.uiUrl}/api/traces`, {
      headers: { Authorization: `Bearer ${token}`, Origin: FOREIGN_ORIGIN },
    })
    expect(response.status).toBe(403)
  })
})

describe('secret redaction', () => {
  it('stores a span with secrets redacted and counted', async () => {
    const { body, traceId, spanId } = spanBody({
      'gen_ai.input.messages': JSON.stringify([
        { role: 'user', parts: [{ type: 'text', content: `Why is ${OPENAI_KEY} rejected?` }] },
      ]),
      'http.request.header.authorization': `Bearer ${BEARER_TOKEN}`,
      'gen_ai.request.model': 'gpt-4o',
    })
    const response = await postOtlp(served.otlpHttpUrl, '/v1/traces', body, {
      'Content-Type': 'application/json',
    })
    expect(response.status).toBe(200)
    expect(JSON.parse(response.body.toString('utf8'))).toEqual({
      partialSuccess: {
        rejectedSpans: '0',
        errorMessage: '2 values redacted: bearer-token, openai-api-key',
      },
    })

    const detail = await fetch(`${served.uiUrl}/api/traces/${traceId}/spans/${spanId}`, {
      headers: { Authorization: `Bearer ${token}` },
    })
    expect(detail.status).toBe(200)
    const [span] = (await detail.json()) as SpanJson[]
    const attributes = span!.attributes
    expect(attributes['gen_ai.input.messages']).toBe(
      JSON.stringify([
        {
          role: 'user',
          parts: [{ type: 'text', content: 'Why is [REDACTED:openai-api-key] rejected?' }],
        },
      ]),
    )
    expect(attributes['http.request.header.authorization']).toBe('Bearer [REDACTED:bearer-token]')
    expect(attributes['gen_ai.request.model']).toBe('gpt-4o')
    expect(attributes['loupe.redactions']).toBe(2)
    expect(attributes['loupe.redaction_rules']).toEqual(['bearer-token', 'openai-api-key'])

    // Neither secret reached the spans table.
    const leaks = served.core.database
      .prepare('SELECT count(*) AS n FROM spans WHERE attributes LIKE ? OR attributes LIKE ?')
      .get(`%${OPENAI_KEY.slice(8, 30)}%`, `%${BEARER_TOKEN.slice(0, 24)}%`) as { n: number }
    expect(leaks.n).toBe(0)
  })
})
