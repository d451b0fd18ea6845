// The Import… entry beside "Open trace" in headless Chromium: it fetches a
// trace by id from a stand-in for Jaeger's query API (node:http on
// 127.0.0.1), and the trace view then shows the imported spans. A trace
// id that Jaeger does not have gives the error in the form.

import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, screenshot } from '../helpers/browser'
import { removeDir, startTestCore, type TestCore } from '../helpers/core'

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const START_US = 1772420400123456

const jaegerResponse = {
  data: [
    {
      traceID: TRACE_ID,
      spans: [
        {
          traceID: TRACE_ID,
          spanID: '00f067aa0ba902b7',
          operationName: 'POST /checkout',
          references: [],
          startTime: START_US,
          duration: 120_000,
          tags: [{ key: 'span.kind', type: 'string', value: 'server' }],
          logs: [],
          processID: 'p1',
        },
        {
          traceID: TRACE_ID,
          spanID: '00f067aa0ba902b8',
          operationName: 'charge card',
          references: [{ refType: 'CHILD_OF', traceID: TRACE_ID, spanID: '00f067aa0ba902b7' }],
          startTime: START_US + 10_000,
          duration: 90_000,
          tags: [
            { key: 'span.kind', type: 'string', value: 'client' },
            { key: 'error', type: 'bool', value: true },
          ],
          logs: [],
          processID: 'p1',
        },
      ],
      processes: { p1: { serviceName: 'shop', tags: [] } },
    },
  ],
}

let browser: Browser
let loupe: TestCore
let jaeger: Server
let jaegerUrl = ''

beforeAll(async () => {
  jaeger = createServer((request, response) => {
    if (request.url === `/api/traces/${TRACE_ID}`) {
      response.writeHead(200, { 'Content-Type': 'application/json' })
      response.end(JSON.stringify(jaegerResponse))
      return
    }
    response.writeHead(404, { 'Content-Type': 'application/json' })
    response.end(JSON.stringify({ data: null, errors: [{ code: 404, msg: 'trace not found' }] }))
  })
  await new Promise<void>((resolve) => jaeger.listen(0, '127.0.0.1', resolve))
  jaegerUrl = `http://127.0.0.1:${(jaeger.address() as AddressInfo).port}`
  loupe = await startTestCore()
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
  await new Promise((resolve) => jaeger?.close(resolve))
})

describe('Import… from Jaeger', () => {
  it('imports a trace and opens it', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    await page.goto(`${loupe.uiUrl}/?token=${loupe.core.discovery.token}`)

    await page.getByRole('button', { name: 'Import…' }).click()
    const form = page.getByRole('form', { name: 'Import a trace' })
    await form.getByLabel('Query API').selectOption('jaeger')
    await form.getByLabel('Base URL').fill(jaegerUrl)
    await form.getByLabel('Trace id to import').fill('ffffffffffffffffffffffffffffffff')
    await form.getByRole('button', { name: 'Import' }).click()
    const alert = form.getByRole('alert')
    await alert.waitFor()
    expect(await alert.textContent()).toContain(
      'trace ffffffffffffffffffffffffffffffff not found: Jaeger at',
    )
    await screenshot(page, 'import-trace-not-found')

    await form.getByLabel('Trace id to import').fill(TRACE_ID.toUpperCase())
    await form.getByRole('button', { name: 'Import' }).click()
    await page.getByTestId('span-tree').waitFor()
    await page.getByTestId('span-row').nth(1).waitFor()
    expect(page.url()).toContain(`#/trace/${TRACE_ID}`)
    const rows = await page.getByTestId('span-row').allTextContents()
    expect(rows).toHaveLength(2)
    expect(rows[0]).toContain('POST /checkout')
    expect(rows[1]).toContain('charge card')
    await screenshot(page, 'import-trace-opened')
    expect(errors).toEqual([])
    await page.close()
  })
})
