// settings.json with the built `loupe serve`. The file sets what the core
// runs with (allowed hosts, redaction rules, a prices file). Flags and
// environment variables override it, and the start-up lines show which came
// from where. An invalid file stops serve with each field named, and
// GET/PUT /api/settings read and save the file. Also checks the
// Content-Security-Policy that serve sends against the one the desktop
// window sets.

import { request } from 'node:http'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { withContentSecurityPolicy } from '../../src/main/csp'
import type { PriceOverrides, SpanJson } from '../../src/shared/api'
import { CONTENT_SECURITY_POLICY } from '../../src/shared/csp'
import type { SettingsRejection, SettingsView } from '../../src/shared/settings'
import { makeDataDir, removeDir } from '../helpers/core'
import { encodeSpans, recordSpans } from '../helpers/otlp-bodies'
import { serveUntilExit, startServe, type ServedLoupe } from '../helpers/serve'

const cleanups: (() => Promise<unknown> | void)[] = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function dataFolder(settings?: unknown): string {
  const dir = makeDataDir('loupe-settings-it-')
  cleanups.push(() => removeDir(dir))
  if (settings !== undefined) writeFileSync(join(dir, 'settings.json'), JSON.stringify(settings))
  return dir
}

async function serve(
  dir: string,
  extra: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<ServedLoupe> {
  const served = await startServe(dir, extra, env)
  cleanups.push(() => served.stop())
  return served
}

async function api<T>(
  served: ServedLoupe,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${served.discovery.uiUrl}${path}`, {
    ...init,
    headers: {
      Authorization: `Bearer ${served.discovery.token}`,
      'Content-Type': 'application/json',
    },
  })
  return { status: response.status, body: (await response.json()) as T }
}

/** Sends GET / with a chosen Host header (fetch cannot set one) and returns the status. */
function statusForHost(served: ServedLoupe, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(served.discovery.uiUrl)
    const sent = request(
      { host: url.hostname, port: url.port, path: '/', headers: { Host: host } },
      (response) => {
        response.resume()
        resolve(response.statusCode ?? 0)
      },
    )
    sent.on('error', reject)
    sent.end()
  })
}

describe('loupe serve with settings.json', () => {
  it('prints each value and its source', async () => {
    const dir = dataFolder({ retentionDays: 2, maxAttributeMb: 8 })
    const served = await serve(dir, ['--retention-days', '3'], { LOUPE_MAX_STORE_MB: '64' })
    const lines = served.output().split('\n')
    expect(lines).toContain(`  Settings:  ${join(dir, 'settings.json')}`)
    expect(lines).toContain('    dataDir = ' + JSON.stringify(dir) + ' (flag --data)')
    expect(lines).toContain('    retentionDays = 3 (flag --retention-days)')
    expect(lines).toContain('    maxStoreMb = 64 (environment LOUPE_MAX_STORE_MB)')
    expect(lines).toContain('    maxAttributeMb = 8 (settings file)')
    expect(lines).toContain('    ports.ui = 0 (flag --ui-port)')
    expect(lines).toContain('  Retention: at most 64 MiB, traces kept 3 days')
  })

  it('says when there is no file', async () => {
    const dir = dataFolder()
    const served = await serve(dir)
    expect(served.output()).toContain(`Settings:  defaults (no ${join(dir, 'settings.json')})`)
  })

  it('exits naming each invalid field', async () => {
    const dir = dataFolder({ ports: { ui: 70000 }, retentionDays: 'forever', colour: 'blue' })
    const exited = await serveUntilExit(dir)
    expect(exited.code).toBe(1)
    const lines = exited.stderr.trim().split('\n')
    expect(lines[0]).toBe(`loupe: invalid settings in ${join(dir, 'settings.json')}:`)
    expect(lines).toContain('  colour: unknown setting, ignored')
    expect(lines).toContain('  retentionDays: expected a number, not "forever"')
    expect(lines).toContain('  ports.ui: Too big: expected number to be <=65535, not 70000')
    expect(lines.at(-1)).toBe('Fix or remove these fields in the file.')
  })

  it('exits on a prices file that does not load', async () => {
    const dir = dataFolder()
    const prices = join(dir, 'prices.json')
    writeFileSync(prices, '[{"provider": "openai"}]')
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ pricesFile: prices }))
    const exited = await serveUntilExit(dir)
    expect(exited.code).toBe(1)
    expect(exited.stderr).toContain(`  pricesFile: ${prices}: entry 0.model:`)
  })

  it('serves the allowed hosts of the file', async () => {
    const served = await serve(dataFolder({ allowedHosts: ['loupe.test'] }))
    const port = new URL(served.discovery.uiUrl).port
    expect(await statusForHost(served, `loupe.test:${port}`)).toBe(200)
    expect(await statusForHost(served, `other.test:${port}`)).toBe(421)
  })

  it('applies extra redaction rules', async () => {
    const rule = { name: 'internal-token', pattern: 'itk_[0-9a-f]{20}' }
    const served = await serve(dataFolder({ redaction: { extraRules: [rule] } }))
    const secret = 'itk_0123456789abcdef0123'
    const spans = recordSpans('settings-test', (tracer) => {
      tracer.startSpan('call internal api', { attributes: { 'http.header': secret } }).end()
    })
    const response = await fetch(`${served.otlpHttpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: encodeSpans(spans).json,
    })
    expect(response.status).toBe(200)
    const traceId = spans[0]!.spanContext().traceId
    const spanId = spans[0]!.spanContext().spanId
    const stored = await api<SpanJson[]>(served, `/api/traces/${traceId}/spans/${spanId}`)
    expect(stored.body[0]!.attributes['http.header']).toBe('[REDACTED:internal-token]')
  })

  it('saves the prices file into the store', async () => {
    const dir = dataFolder()
    const prices = join(dir, 'prices.json')
    const price = {
      provider: 'openai',
      model: 'gpt-settings-test',
      inputPerMTok: 1,
      outputPerMTok: 2,
    }
    writeFileSync(prices, JSON.stringify([price]))
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ pricesFile: prices }))
    const served = await serve(dir)
    const listed = await api<PriceOverrides>(served, '/api/prices')
    expect(listed.body.overrides).toEqual([
      { ...price, cacheReadPerMTok: null, cacheWritePerMTok: null },
    ])
  })
})

describe('/api/settings', () => {
  it('returns saved and running values', async () => {
    const dir = dataFolder({ retentionDays: 2 })
    const served = await serve(dir, [], { OPENAI_API_KEY: 'sk-test-not-a-real-key' })
    const { status, body } = await api<SettingsView>(served, '/api/settings')
    expect(status).toBe(200)
    expect(body.file).toBe(join(dir, 'settings.json'))
    expect(body.fileExists).toBe(true)
    expect(body.saved.retentionDays).toBe(2)
    expect(body.saved.dataDir).toBeNull()
    expect(body.running.retentionDays).toBe(2)
    expect(body.running.dataDir).toBe(dir)
    expect(body.sources.retentionDays).toEqual({ kind: 'file' })
    expect(body.sources['ports.otlpHttp']).toEqual({ kind: 'flag', name: '--port' })
    expect(body.sources.maxStoreMb).toEqual({ kind: 'default' })
    expect(body.problems).toEqual([])
    expect(body.restartRequired).toEqual([])
    expect(body.providerKeys.openai).toBe('environment')
    expect(JSON.stringify(body)).not.toContain('sk-test-not-a-real-key')
  })

  it('saves a valid document and lists restarts', async () => {
    const dir = dataFolder({ retentionDays: 2 })
    const served = await serve(dir)
    const current = (await api<SettingsView>(served, '/api/settings')).body.saved
    const next = {
      ...current,
      retentionDays: 5,
      redaction: { ...current.redaction, enabled: false },
      forwarding: { url: 'http://127.0.0.1:9/', headers: { 'X-Scope-OrgID': 'tenant-1' } },
    }
    const saved = await api<SettingsView>(served, '/api/settings', {
      method: 'PUT',
      body: JSON.stringify(next),
    })
    expect(saved.status).toBe(200)
    expect(saved.body.saved.retentionDays).toBe(5)
    expect(saved.body.running.retentionDays).toBe(2)
    expect(saved.body.restartRequired).toEqual([
      'retentionDays',
      'redaction.enabled',
      'forwarding.url',
      'forwarding.headers',
    ])
    const onDisk = JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8'))
    expect(onDisk.retentionDays).toBe(5)
    expect(onDisk.forwarding.headers).toEqual({ 'X-Scope-OrgID': 'tenant-1' })
    const again = await api<SettingsView>(served, '/api/settings')
    expect(again.body.restartRequired).toEqual(saved.body.restartRequired)
  })

  it('rejects an invalid document and keeps the file', async () => {
    const dir = dataFolder({ retentionDays: 2 })
    const served = await serve(dir)
    const before = readFileSync(join(dir, 'settings.json'), 'utf8')
    const rejected = await api<SettingsRejection>(served, '/api/settings', {
      method: 'PUT',
      body: JSON.stringify({ ports: { ui: -1 }, host: 'bad host', pricesFile: 'relative.json' }),
    })
    expect(rejected.status).toBe(400)
    expect(rejected.body.error).toBe('the settings were not saved: 3 fields are invalid')
    expect(rejected.body.problems.map((problem) => problem.field)).toEqual([
      'host',
      'pricesFile',
      'ports.ui',
    ])
    expect(rejected.body.problems[1]!.message).toBe('must be an absolute path')

    const wrongTypes = await api<SettingsRejection>(served, '/api/settings', {
      method: 'PUT',
      body: JSON.stringify({ maxStoreMb: '500', redaction: { enabled: 'yes' } }),
    })
    expect(wrongTypes.status).toBe(400)
    expect(wrongTypes.body.problems).toEqual([
      { field: 'maxStoreMb', message: 'expected a number, not "500"' },
      { field: 'redaction.enabled', message: 'expected true or false, not "yes"' },
    ])
    expect(readFileSync(join(dir, 'settings.json'), 'utf8')).toBe(before)
  })

  it('rejects a prices file that does not load', async () => {
    const dir = dataFolder()
    const served = await serve(dir)
    const missing = join(dir, 'missing-prices.json')
    const rejected = await api<SettingsRejection>(served, '/api/settings', {
      method: 'PUT',
      body: JSON.stringify({ pricesFile: missing }),
    })
    expect(rejected.status).toBe(400)
    expect(rejected.body.problems).toHaveLength(1)
    expect(rejected.body.problems[0]!.field).toBe('pricesFile')
    expect(rejected.body.problems[0]!.message).toMatch(/^cannot read .*missing-prices\.json/)
  })

  it('reports problems of a hand-edited file', async () => {
    const dir = dataFolder()
    const served = await serve(dir)
    writeFileSync(join(dir, 'settings.json'), '{"maxStoreMb": 0}')
    const { body } = await api<SettingsView>(served, '/api/settings')
    expect(body.problems.map((problem) => problem.field)).toEqual(['maxStoreMb'])
    expect(body.saved.maxStoreMb).toBeNull()
  })

  it('rejects other methods', async () => {
    const served = await serve(dataFolder())
    const { status, body } = await api<{ error: string }>(served, '/api/settings', {
      method: 'DELETE',
    })
    expect(status).toBe(405)
    expect(body.error).toBe('DELETE is not allowed on /api/settings; use GET or PUT')
  })
})

describe('Content-Security-Policy', () => {
  it('is the same in serve and the window', async () => {
    const served = await serve(dataFolder())
    const response = await fetch(`${served.discovery.uiUrl}/`)
    expect(response.status).toBe(200)
    const header = response.headers.get('content-security-policy')
    expect(header).toBe(
      "default-src 'self'; script-src 'self'; connect-src 'self'; " +
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
        "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; " +
        "frame-ancestors 'none'; form-action 'none'",
    )
    expect(header).toBe(CONTENT_SECURITY_POLICY)
    const windowHeaders = withContentSecurityPolicy({ 'content-type': ['text/html'] })
    expect(windowHeaders['Content-Security-Policy']).toEqual([header])
  })

  it('comes with every static file', async () => {
    const served = await serve(dataFolder())
    const html = await (await fetch(`${served.discovery.uiUrl}/`)).text()
    const script = /src="\.?\/?(assets\/[^"]+\.js)"/.exec(html)?.[1]
    expect(script).toBeDefined()
    const response = await fetch(`${served.discovery.uiUrl}/${script}`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY)
  })
})
