// The live tail, logs and sessions pages in headless Chromium. The tail
// page pauses and resumes on spans sent over OTLP/HTTP, filters them and
// opens one in its trace. A `logfire.info` sent by the Logfire Python SDK
// inside a span shows in that span's logs and in the logs view. Runs of a
// pydantic-ai agent that share a conversation show as one session, which
// the trace header links to. Every page checks that the
// Content-Security-Policy blocked nothing and that no script error occurred.

import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TraceDetail } from '../../src/shared/api'
import { closeClean, launchChromium, openLoupePage, screenshot } from '../helpers/browser'
import {
  agentEnv,
  apiJson,
  postOtlp,
  removeDir,
  repoRoot,
  startTestCore,
  type TestCore,
} from '../helpers/core'
import { missingPythonMessage, testPython } from '../helpers/python'
import { waitFor } from '../helpers/sse'

const execFileAsync = promisify(execFile)
const python = testPython()
if (!python && process.env.CI) throw new Error(missingPythonMessage)

const VIEWPORT = { width: 1400, height: 900 }

let browser: Browser
let loupe: TestCore

beforeAll(async () => {
  browser = await launchChromium()
  loupe = await startTestCore()
})

afterAll(async () => {
  await browser?.close()
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

async function runPython(script: string): Promise<string> {
  const { stdout } = await execFileAsync(python!, [join(repoRoot, 'test/interop', script)], {
    env: agentEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: loupe.otlpHttpUrl,
      LOGFIRE_SEND_TO_LOGFIRE: 'false',
    }),
    timeout: 90_000,
  })
  return stdout.trim().split('\n').at(-1)!
}

/** Sends `count` spans of one trace over OTLP/HTTP JSON; every third one fails. */
async function sendSpans(batch: number, count: number): Promise<string[]> {
  const traceId = (0xe2e00000 + batch).toString(16).padStart(32, '0')
  const nowNs = BigInt(Date.now()) * 1_000_000n
  const spanIds: string[] = []
  const spans = Array.from({ length: count }, (_, index) => {
    const spanId = ((batch << 8) + index + 1).toString(16).padStart(16, '0')
    spanIds.push(spanId)
    return {
      traceId,
      spanId,
      parentSpanId: index === 0 ? '' : spanIds[0],
      name: `batch ${batch} step ${index}`,
      kind: 1,
      startTimeUnixNano: (nowNs - 2_000_000n).toString(),
      endTimeUnixNano: nowNs.toString(),
      attributes: [],
      status: index % 3 === 2 ? { code: 2, message: 'ValueError: bad step' } : { code: 0 },
    }
  })
  const body = JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'tail-e2e' } }] },
        scopeSpans: [{ scope: { name: 'tail-e2e' }, spans }],
      },
    ],
  })
  const response = await postOtlp(loupe.otlpHttpUrl, '/v1/traces', body, {
    'Content-Type': 'application/json',
  })
  expect(response.status).toBe(200)
  return spanIds
}

function tailRows(page: Page): Locator {
  return page.getByTestId('tail-row')
}

async function rowCount(page: Page, count: number): Promise<void> {
  await waitFor(`${count} rows on the tail`, async () =>
    (await tailRows(page).count()) === count ? true : undefined,
  )
}

describe('live tail page', () => {
  it('pauses and resumes', async () => {
    const opened = await openLoupePage(browser, loupe, '#/tail', { viewport: VIEWPORT })
    const { page } = opened
    await page.getByTestId('tail-status').getByText('live').waitFor()

    const first = await sendSpans(1, 5)
    await rowCount(page, 5)
    // Newest at the top.
    expect(await tailRows(page).first().getAttribute('data-span-id')).toBe(first[4])
    expect(await page.getByTestId('tail-received').innerText()).toBe('5 spans received')

    await page.getByTestId('tail-pause').click()
    expect(await page.getByTestId('tail-pause').innerText()).toBe('Resume')
    const second = await sendSpans(2, 7)
    await page.getByTestId('tail-paused').getByText('7 new spans arrived').waitFor()
    expect(await page.getByTestId('tail-paused').innerText()).toBe(
      'Paused: 7 new spans arrived, 7 matching the filter.',
    )
    expect(await page.getByTestId('tail-received').innerText()).toBe('12 spans received')
    expect(await tailRows(page).count()).toBe(5)
    await screenshot(page, 'tail-paused')

    await page.getByTestId('tail-pause').click()
    await rowCount(page, 12)
    expect(await page.getByTestId('tail-paused').count()).toBe(0)
    expect(await tailRows(page).first().getAttribute('data-span-id')).toBe(second[6])
    expect(await tailRows(page).nth(7).getAttribute('data-span-id')).toBe(first[4])
    await screenshot(page, 'tail-resumed')

    await page.getByLabel('Newest at top').uncheck()
    await waitFor('oldest span first', async () =>
      (await tailRows(page).first().getAttribute('data-span-id')) === first[0] ? true : undefined,
    )
    expect(await page.getByTestId('tail-missed').count()).toBe(0)
    await closeClean(opened)
  })

  it('filters and opens a span', async () => {
    const opened = await openLoupePage(browser, loupe, '#/tail', { viewport: VIEWPORT })
    const { page } = opened
    await page.getByTestId('tail-status').getByText('live').waitFor()
    const spanIds = await sendSpans(3, 6)
    await waitFor('batch 3 on the tail', async () =>
      (await page.locator(`[data-span-id="${spanIds[5]}"]`).count()) > 0 ? true : undefined,
    )

    await page.getByLabel('Errors only').check()
    await page.getByLabel('Filter spans by text').fill('batch 3')
    await waitFor('the two failed spans of batch 3', async () =>
      (await tailRows(page).count()) === 2 ? true : undefined,
    )
    const failed = await tailRows(page).evaluateAll((rows) =>
      rows.map((row) => row.getAttribute('data-span-id')),
    )
    expect(failed).toEqual([spanIds[5], spanIds[2]])
    expect(await tailRows(page).first().getByTestId('error-class').innerText()).toBe('internal')
    await screenshot(page, 'tail-filtered')

    await tailRows(page).first().click()
    await page.waitForURL(/#\/trace\//)
    expect(new URL(page.url()).hash).toBe(
      `#/trace/${(0xe2e00003).toString(16).padStart(32, '0')}/${spanIds[5]}`,
    )
    await page.getByTestId('span-tree').waitFor()
    expect(await page.getByTestId('span-detail-name').first().innerText()).toBe('batch 3 step 5')
    await closeClean(opened)
  })
})

describe.skipIf(!python)('logfire.info in the UI', () => {
  let traceId: string
  let turnSpanId: string
  let logSpanId: string

  beforeAll(async () => {
    traceId = await runPython('chat_turn.py')
    await loupe.core.whenNormalized()
    const { body } = await apiJson<TraceDetail>(loupe, `/api/traces/${traceId}/full?wait=1`)
    turnSpanId = body.spans.find((span) => span.name === 'chat_turn')!.spanId
    logSpanId = body.spans.find((span) => span.attributes['logfire.span_type'] === 'log')!.spanId
  })

  it('shows in its span', async () => {
    const opened = await openLoupePage(browser, loupe, `#/trace/${traceId}/${turnSpanId}`, {
      viewport: VIEWPORT,
    })
    const { page } = opened
    const log = page.getByTestId('span-log')
    await log.first().waitFor()
    expect(await log.count()).toBe(1)
    expect(await log.getByTestId('span-log-body').innerText()).toMatch(
      /^chat turn used \d+ tokens$/,
    )
    expect(await log.locator('.severity').innerText()).toBe('INFO')
    await log.getByText('Logfire log').scrollIntoViewIfNeeded()
    await screenshot(page, 'logs-logfire-info-in-span')
    await log.getByText('Logfire log').click()
    await page.waitForURL(new RegExp(`${logSpanId}$`))
    await closeClean(opened)
  })

  it('shows in the logs view', async () => {
    const opened = await openLoupePage(browser, loupe, '#/logs', { viewport: VIEWPORT })
    const { page } = opened
    await page.getByLabel('Filter by service').selectOption('interop-chat')
    const row = page.getByTestId('log-row')
    await waitFor('one interop-chat log', async () =>
      (await row.count()) === 1 ? true : undefined,
    )
    expect(await row.getByTestId('log-body').innerText()).toMatch(/^chat turn used \d+ tokens$/)
    expect(await row.locator('td').nth(3).innerText()).toBe('interop-chat')
    expect(await row.locator('.log-source').innerText()).toBe('Logfire log')
    await screenshot(page, 'logs-view')

    await page.getByLabel('Filter by severity').selectOption('13')
    await page.getByTestId('logs-empty').waitFor()
    await page.getByLabel('Filter by severity').selectOption('9')
    await row.first().waitFor()
    await row.getByTestId('log-trace-link').click()
    await page.waitForURL(/#\/trace\//)
    expect(new URL(page.url()).hash).toBe(`#/trace/${traceId}/${logSpanId}`)
    await page.getByTestId('span-tree').waitFor()
    await closeClean(opened)
  })
})

describe.skipIf(!python)('sessions in the UI', () => {
  beforeAll(async () => {
    await runPython('session_agent.py')
    await loupe.core.whenNormalized()
  })

  it('groups a conversation and links from its traces', async () => {
    const opened = await openLoupePage(browser, loupe, '#/sessions', { viewport: VIEWPORT })
    const { page } = opened
    const row = page.locator('[data-testid="session-row"][data-session-id="conv-parcel-42"]')
    await row.waitFor()
    expect(await row.getByTestId('session-runs').innerText()).toBe('2')
    await screenshot(page, 'sessions-list')

    await row.click()
    await page.getByTestId('session-run-count').waitFor()
    expect(await page.getByTestId('session-run-count').innerText()).toBe('2')
    const runs = page.getByTestId('session-run')
    expect(await runs.count()).toBe(2)
    expect(await runs.first().locator('td').nth(3).innerText()).toBe('support_agent')
    await screenshot(page, 'session-page')

    const traceId = await runs.nth(1).getAttribute('data-trace-id')
    await runs.nth(1).click()
    await page.waitForURL(new RegExp(`#/trace/${traceId}$`))
    const link = page.getByTestId('trace-session')
    await link.waitFor()
    expect(await link.innerText()).toBe('Session conv-parcel-42 (2 runs)')
    await screenshot(page, 'trace-session-link')
    await link.getByRole('link').click()
    await page.waitForURL(/#\/session\/conv-parcel-42$/)
    await closeClean(opened)
  })
})
