// The trace list's server-side filters in headless Chromium: filter by error
// class, search the text of spans, copy the URL into a new page and see the
// same rows, keep the filtered list live, and open a trace at the span that
// matched. Traces come from the captured payloads in test/fixtures/cases and
// the bundled demo. Screenshots go to test-results/screenshots.

import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SpanJson, TraceSummary } from '../../src/shared/api'
import { launchChromium, screenshot } from '../helpers/browser'
import { apiGet, asHttp, sendCase } from '../helpers/cases'
import { apiJson, postOtlp, removeDir, startTestCore, type TestCore } from '../helpers/core'
import { encodeSpans, recordSpans } from '../helpers/otlp-bodies'

/** garden_advisor run: no error, chat spans named "chat gpt-4o", a tool call with bed_id B3. */
const C28_TRACE = '28a9d0e5a9d0e5a9d0e5a9d0e5a9d0e5'
/** research_digest run that ends in UsageLimitExceeded (quota_exceeded). */
const C30_TRACE = '30c4a5e1c4a5e1c4a5e1c4a5e1c4a5e1'
/** shipping_quote run with tool retries, no error, chat spans named "chat gpt-4o-mini". */
const C43_TRACE = '43a1e7a143a1e7a143a1e7a143a1e7a1'
/** AI SDK generateText run: no error, and no "gpt" in its span names or messages. */
const C36_TRACE = '36ad5d4e36ad5d4e36ad5d4e36ad5d4e'

/** Service of the burst of traces that a filtered list must take in. */
const BURST_SERVICE = 'burst-orders'
/** More than one push message carries (500 traces), and past the 431 that one ids request of 500 got. */
const BURST_TRACES = 600

let browser: Browser
let loupe: TestCore

beforeAll(async () => {
  browser = await launchChromium()
  loupe = await startTestCore()
  for (const [caseId, traceId] of [
    ['c28', C28_TRACE],
    ['c30', C30_TRACE],
    ['c43', C43_TRACE],
  ]) {
    await sendNormalized(caseId!, traceId!)
  }
})

afterAll(async () => {
  await browser?.close()
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

async function sendNormalized(caseId: string, traceId: string): Promise<void> {
  for (const response of await sendCase(loupe, caseId)) {
    if (response.transport === 'http') expect(asHttp(response).status).toBe(200)
  }
  const { status, body } = await apiGet<TraceSummary>(loupe, `/api/traces/${traceId}?wait=1`)
  expect(status).toBe(200)
  expect(body.unnormalizedSpans).toBe(0)
}

interface UiPage {
  page: Page
  errors: string[]
}

/**
 * Opens a page in `context`, or in a browser context of its own. Pages of one
 * context share localStorage, where the UI keeps the API token after it
 * removed it from the address bar, as tabs of one browser do.
 */
async function openUi(
  url = `${loupe.uiUrl}/?token=${loupe.core.discovery.token}`,
  context?: BrowserContext,
): Promise<UiPage> {
  const owner = context ?? (await browser.newContext({ viewport: { width: 1400, height: 900 } }))
  const page = await owner.newPage()
  const opened: UiPage = { page, errors: [] }
  page.on('pageerror', (error) => opened.errors.push(error.message))
  await page.goto(url)
  return opened
}

async function closeClean(opened: UiPage): Promise<void> {
  expect(opened.errors).toEqual([])
  const context = opened.page.context()
  await opened.page.close()
  if (context.pages().length === 0) await context.close()
}

function rows(page: Page): Locator {
  return page.getByTestId('trace-row')
}

/** Returns the trace ids of the rows once the list shows `count` rows. */
async function rowIds(page: Page, count: number): Promise<string[]> {
  await expect.poll(() => rows(page).count(), { timeout: 10_000 }).toBe(count)
  const ids: string[] = []
  for (const row of await rows(page).all()) ids.push((await row.getAttribute('data-trace-id'))!)
  return ids
}

function hashParams(page: Page): URLSearchParams {
  const hash = new URL(page.url()).hash
  return new URLSearchParams(hash.replace(/^#\/?\?/, ''))
}

describe('trace list search', () => {
  it('filters by error class', async () => {
    const opened = await openUi()
    const { page } = opened
    expect(await rowIds(page, 3)).toEqual([C43_TRACE, C30_TRACE, C28_TRACE])
    await page.getByLabel('Filter by error class').selectOption('quota_exceeded')
    expect(await rowIds(page, 1)).toEqual([C30_TRACE])
    expect(hashParams(page).get('errorClass')).toBe('quota_exceeded')
    expect(await page.getByTestId('match-count').innerText()).toBe('1 trace matches the filters.')
    await screenshot(page, 'search-error-class')
    await closeClean(opened)
  })

  it('searches text and opens the copied URL', async () => {
    const opened = await openUi()
    const { page } = opened
    await rowIds(page, 3)
    await page.getByLabel('Filter by error class').selectOption('none')
    await page.getByLabel('Search traces').fill('gpt')
    await expect.poll(() => hashParams(page).get('text')).toBe('gpt')
    expect(await rowIds(page, 2)).toEqual([C43_TRACE, C28_TRACE])
    const matches = page.getByTestId('trace-match')
    expect(await matches.count()).toBe(2)
    expect(await matches.first().locator('.match-field').innerText()).toBe('Span name')
    expect(await matches.first().locator('mark').first().innerText()).toBe('gpt')
    await screenshot(page, 'search-text')

    // What a user copies from the address bar opens the same list in a new page.
    const copied = page.url()
    expect(copied).toContain('#/?')
    expect(hashParams(page).get('errorClass')).toBe('none')
    expect(copied).not.toContain('token=')
    const second = await openUi(copied, page.context())
    expect(await rowIds(second.page, 2)).toEqual([C43_TRACE, C28_TRACE])
    expect(await second.page.getByLabel('Search traces').inputValue()).toBe('gpt')
    expect(await second.page.getByLabel('Filter by error class').inputValue()).toBe('none')
    await screenshot(second.page, 'search-copied-url')

    // New traces that match appear live; others stay out.
    await sendNormalized('c36', C36_TRACE)
    const demo = await apiJson<{ traceIds: string[] }>(loupe, '/api/demo', { method: 'POST' })
    expect(demo.status).toBe(200)
    const demoTraces = await Promise.all(
      demo.body.traceIds.map(
        async (id) => (await apiGet<TraceSummary>(loupe, `/api/traces/${id}?wait=1`)).body,
      ),
    )
    const fineDemo = demoTraces.filter((t) => t.errorClass === 'none').map((t) => t.traceId)
    expect(fineDemo).toHaveLength(1)
    const live = await rowIds(second.page, 3)
    expect(live).toContain(fineDemo[0])
    expect(live).not.toContain(C36_TRACE)
    expect(live.slice(1)).toEqual([C43_TRACE, C28_TRACE])
    await closeClean(second)
    await closeClean(opened)
  })

  it('opens a trace at the matching span', async () => {
    const opened = await openUi(
      `${loupe.uiUrl}/?token=${loupe.core.discovery.token}#/?text=bed_id+B3`,
    )
    const { page } = opened
    expect(await rowIds(page, 1)).toEqual([C28_TRACE])
    const match = page.getByTestId('trace-match')
    expect(await match.locator('mark').allInnerTexts()).toEqual(['bed_id', 'B3'])
    await match.click()
    await expect
      .poll(() => new URL(page.url()).hash)
      .toMatch(/^#\/trace\/28a9d0e5[0-9a-f]{24}\/[0-9a-f]{16}$/)
    const spanId = new URL(page.url()).hash.split('/').at(-1)!
    const selected = page.locator(`[data-testid="span-row"][data-span-id="${spanId}"]`)
    await selected.waitFor()
    expect(await selected.getAttribute('aria-selected')).toBe('true')
    const detailName = page.getByTestId('span-detail-name')
    await detailName.waitFor()
    const stored = await apiGet<SpanJson[]>(loupe, `/api/traces/${C28_TRACE}/spans/${spanId}`)
    expect(await detailName.innerText()).toBe(stored.body[0]!.name)
    await screenshot(page, 'search-open-match')
    await closeClean(opened)
  })

  it('shows an invalid filter beside its field', async () => {
    const opened = await openUi()
    const { page } = opened
    // c28, c30, c43, c36 and the two demo traces.
    await rowIds(page, 6)
    await page.getByRole('button', { name: 'More filters' }).click()
    await page.getByLabel('Minimum duration').fill('2x')
    await page.getByLabel('Minimum duration').press('Enter')
    const problem = page.getByTestId('more-filters').locator('.field-problem')
    await problem.waitFor()
    expect(await problem.innerText()).toBe(
      'Invalid minimum duration "2x": expected a duration with a unit, such as 500ms, 2s, 1.5m or 3h',
    )
    expect(await rows(page).count()).toBe(0)
    await page.getByLabel('Minimum duration').fill('7s')
    await page.getByLabel('Minimum duration').press('Enter')
    // c43 lasts 7.6 s and c30 7.3 s; c36 (6.4 s), c28 (5.2 s) and the demo runs are shorter.
    expect(await rowIds(page, 2)).toEqual([C43_TRACE, C30_TRACE])
    expect(await page.getByRole('button', { name: 'More filters (1)' }).count()).toBe(1)
    await screenshot(page, 'search-more-filters')
    await page.getByRole('button', { name: 'Clear filters' }).click()
    expect(await rowIds(page, 6)).toHaveLength(6)
    expect(new URL(page.url()).hash).toBe('#/')
    await closeClean(opened)
  })

  it('keeps a filtered list live through a burst', async () => {
    const opened = await openUi(
      `${loupe.uiUrl}/?token=${loupe.core.discovery.token}#/?service=${BURST_SERVICE}`,
    )
    const { page } = opened
    await page.getByText('No traces match the filters').waitFor()
    // 600 matching traces in one request: the core pushes their ids in
    // messages of up to 500, which the window re-checks against its filter.
    const burst = recordSpans(BURST_SERVICE, (tracer) => {
      for (let i = 0; i < BURST_TRACES; i++) tracer.startSpan(`burst ${i}`).end()
    })
    const other = recordSpans('burst-other', (tracer) => tracer.startSpan('other').end())
    const posted = await postOtlp(
      loupe.otlpHttpUrl,
      '/v1/traces',
      encodeSpans([...burst, ...other]).protobuf,
      { 'content-type': 'application/x-protobuf' },
    )
    expect(posted.status).toBe(200)
    const ids = await rowIds(page, BURST_TRACES)
    const sent = new Set(burst.map((span) => span.spanContext().traceId))
    expect(ids.every((id) => sent.has(id))).toBe(true)
    expect(await page.getByText('Could not load traces').count()).toBe(0)
    await closeClean(opened)
  })
})
