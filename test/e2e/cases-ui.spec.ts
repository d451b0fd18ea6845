// The UI side of the OTLP cases in test/fixtures/cases. Each block starts a
// real core, sends the case's requests as manifest.json describes them, and
// checks in headless Chromium what the case expects the viewer to show.
// Receiving and storing the same cases is tested in test/integration/cases.

import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TraceDetail } from '../../src/shared/api'
import { launchChromium, screenshot } from '../helpers/browser'
import {
  apiGet,
  asHttp,
  loadCase,
  sendCase,
  sendCaseRequest,
  type CaseResponse,
} from '../helpers/cases'
import { removeDir, startTestCore, type TestCore } from '../helpers/core'

let browser: Browser

beforeAll(async () => {
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
})

/** A page of the UI and the uncaught errors it has thrown so far. */
interface UiPage {
  page: Page
  errors: string[]
}

async function openUi(loupe: TestCore, hash = ''): Promise<UiPage> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  await page.goto(`${loupe.uiUrl}/?token=${loupe.core.discovery.token}${hash}`)
  return { page, errors }
}

async function openTrace(loupe: TestCore, traceId: string, spanId?: string): Promise<UiPage> {
  const opened = await openUi(loupe, `#/trace/${traceId}${spanId ? `/${spanId}` : ''}`)
  await opened.page.getByTestId('span-tree').waitFor()
  await opened.page.getByTestId('span-row').first().waitFor()
  return opened
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** Matches an element whose whole text is `text`. */
function exactly(text: string): RegExp {
  return new RegExp(`^${escapeRegExp(text)}$`)
}

/** Returns the tree rows of the spans named exactly `name`. */
function spanRow(page: Page, name: string): Locator {
  return page
    .getByTestId('span-row')
    .filter({ has: page.locator(`.span-name[title=${JSON.stringify(name)}]`) })
}

function rowById(page: Page, spanId: string): Locator {
  return page.locator(`[data-testid="span-row"][data-span-id="${spanId}"]`)
}

/** Clicks the row of the span named `name` and waits for its detail to load. */
async function selectSpan(page: Page, name: string): Promise<Locator> {
  await spanRow(page, name).click()
  const detail = page.getByTestId('span-detail')
  await detail
    .getByTestId('span-detail-name')
    .filter({ hasText: exactly(name) })
    .waitFor()
  return detail
}

/** Returns the value of the `<dt>label</dt><dd>…</dd>` field under `scope`. */
function field(scope: Locator, label: string): Locator {
  return scope.locator(`xpath=.//dt[normalize-space()="${label}"]/following-sibling::dd[1]`).first()
}

/** Returns the table row of attribute `key` under `scope`. */
function attributeRow(scope: Locator, key: string): Locator {
  return scope.locator(
    `xpath=.//table[contains(@class,"attribute-table")]//tr[th[normalize-space(text()[1])="${key}"]]`,
  )
}

/** Waits until the tree renders exactly `count` span rows. */
async function waitForRowCount(page: Page, count: number): Promise<void> {
  await page.waitForFunction(
    `document.querySelectorAll('[data-testid="span-row"]').length === ${count}`,
  )
}

async function levelOf(row: Locator): Promise<string | null> {
  return row.getAttribute('aria-level')
}

async function classOf(row: Locator): Promise<string> {
  return (await row.getAttribute('class')) ?? ''
}

function httpStatuses(responses: CaseResponse[]): number[] {
  return responses.map((response) => asHttp(response).status)
}

describe('c01 trace id case', () => {
  const BASE64_TRACE = '7d3a1f0c9b2e4d5a8c6f1e2d3b4a5c6d'
  const HEX_TRACE = 'e4b7c2a19f0d3e5b6a7c8d9e0f1a2b3c'
  let loupe: TestCore

  beforeAll(async () => {
    loupe = await startTestCore()
    expect(httpStatuses(await sendCase(loupe, 'c01'))).toEqual([200, 200])
  })

  afterAll(async () => {
    await loupe?.stop()
    if (loupe) removeDir(loupe.dataDir)
  })

  for (const typed of [HEX_TRACE.toUpperCase(), HEX_TRACE]) {
    const label = typed === HEX_TRACE ? 'lower' : 'upper'
    it(`opens ${label}-case id from list`, async () => {
      const { page, errors } = await openUi(loupe)
      await page.locator('#open-trace-id').fill(typed)
      await page.getByRole('button', { name: 'Open', exact: true }).click()
      await page.getByTestId('span-row').first().waitFor()

      expect(await page.getByTestId('trace-id').innerText()).toBe(HEX_TRACE)
      expect(await page.getByTestId('trace-span-count').innerText()).toBe('2 spans')
      expect(await levelOf(spanRow(page, 'reconcile accounts'))).toBe('1')
      expect(await levelOf(spanRow(page, 'compare balances'))).toBe('2')
      await screenshot(page, `case-c01-open-${label}-case`)
      expect(errors).toEqual([])
      await page.close()
    })
  }

  it('opens upper-case id from address', async () => {
    const { page, errors } = await openTrace(loupe, HEX_TRACE.toUpperCase())
    expect(await page.getByTestId('trace-id').innerText()).toBe(HEX_TRACE)
    expect(await page.getByTestId('trace-span-count').innerText()).toBe('2 spans')
    expect(await page.getByTestId('trace-not-found').count()).toBe(0)
    expect(errors).toEqual([])
    await page.close()
  })

  it('shows base64 ids as hex', async () => {
    const { page, errors } = await openTrace(loupe, BASE64_TRACE)
    const rows = page.getByTestId('span-row')
    expect(await rows.count()).toBe(3)
    const ids = await rows.evaluateAll((elements) =>
      elements.map((element) => element.getAttribute('data-span-id')),
    )
    expect(ids).toEqual(['a1b2c3d4e5f60718', '0f1e2d3c4b5a6978', '5c7e9a0b1d3f2e4c'])
    expect(await levelOf(spanRow(page, 'sync ledger batch'))).toBe('1')
    expect(await levelOf(spanRow(page, 'fetch remote entries'))).toBe('2')
    expect(await levelOf(spanRow(page, 'decode entries'))).toBe('3')

    const detail = await selectSpan(page, 'decode entries')
    expect(await field(detail, 'Span id').innerText()).toContain('5c7e9a0b1d3f2e4c')
    expect(await field(detail, 'Parent').innerText()).toBe('0f1e2d3c4b5a6978')
    await screenshot(page, 'case-c01-base64-ids')
    expect(errors).toEqual([])
    await page.close()
  })
})

describe('c03 span kinds and status', () => {
  const TRACE = 'a0b1c2d3e4f5061728394a5b6c7d8e9f'
  const SPANS = [
    { name: 'POST /routes', kind: 'server', status: 'error: route table locked' },
    { name: 'GET geo-service /zones', kind: 'client', status: 'ok' },
    { name: 'publish route.updated', kind: 'producer', status: 'error: broker unavailable' },
    { name: 'consume zone.changed', kind: 'consumer', status: 'unset' },
    { name: 'score candidates', kind: 'unspecified', status: 'unset' },
    { name: 'persist route', kind: 'unknown (9)', status: 'unset' },
  ]
  let loupe: TestCore

  beforeAll(async () => {
    loupe = await startTestCore()
    expect(httpStatuses(await sendCase(loupe, 'c03'))).toEqual([200])
  })

  afterAll(async () => {
    await loupe?.stop()
    if (loupe) removeDir(loupe.dataDir)
  })

  it('shows each kind and status', async () => {
    const { page, errors } = await openTrace(loupe, TRACE)
    expect(await page.getByTestId('trace-span-count').innerText()).toBe('6 spans')
    for (const span of SPANS) {
      const detail = await selectSpan(page, span.name)
      expect(await detail.getByTestId('span-kind').innerText(), `${span.name} kind`).toBe(span.kind)
      expect(await field(detail, 'Status').innerText(), `${span.name} status`).toBe(span.status)
    }
    // The detail now shows 'persist route', the span of kind 9, with no error notice.
    expect(await page.getByRole('alert').count()).toBe(0)
    await screenshot(page, 'case-c03-unknown-kind')
    expect(errors).toEqual([])
    await page.close()
  })

  it('counts 2 error spans', async () => {
    const { page, errors } = await openTrace(loupe, TRACE)
    expect(await field(page.locator('.trace-meta'), 'Errors').innerText()).toBe('2 errors')
    const failedRows = page.locator('[data-testid="span-row"].failed')
    expect(await failedRows.count()).toBe(2)
    expect(await classOf(spanRow(page, 'POST /routes'))).toContain('failed')
    expect(await classOf(spanRow(page, 'publish route.updated'))).toContain('failed')
    expect(errors).toEqual([])
    await page.close()
  })

  it('marks failed root in header', async () => {
    const { page, errors } = await openTrace(loupe, TRACE)
    expect(await page.locator('.trace-title h1').innerText()).toBe('POST /routes')
    expect(await page.locator('.trace-title .badge.status-error').count()).toBe(1)
    expect(await levelOf(spanRow(page, 'POST /routes'))).toBe('1')
    expect(errors).toEqual([])
    await page.close()
  })

  it('marks failed trace in list', async () => {
    const { page, errors } = await openUi(loupe)
    const row = page.locator(`[data-testid="trace-row"][data-trace-id="${TRACE}"]`)
    await row.waitFor()
    expect(await classOf(row)).toContain('failed')
    expect(await row.locator('.error-count').innerText()).toBe('2 errors')
    await screenshot(page, 'case-c03-list')
    expect(errors).toEqual([])
    await page.close()
  })
})

describe('c11 5 MiB tool result', () => {
  const TRACE = '11b16a77b16a77b16a77b16a77b16a77'
  const TOOL = 'execute_tool fetch_all_pages'
  /** The case's limit for selecting the tool span, set for a 2-core machine. */
  const MAX_SELECT_MS = 2_000
  /** The default attribute value cap: the stored result is cut to it. */
  const STORED_CAP_BYTES = 4 * 1024 * 1024
  const SNAPSHOT_CHARS = 1024 * 1024
  /** Characters of a long value that the detail shows before its controls. */
  const HEAD_CHARS = 2_000
  /** Far below the 5,242,880-character result, far above what the page shows without it. */
  const MAX_PAGE_TEXT_CHARS = 100_000
  let loupe: TestCore

  beforeAll(async () => {
    loupe = await startTestCore()
    // The second request is the gzip bomb, which the core rejects with 413.
    expect(httpStatuses(await sendCase(loupe, 'c11'))).toEqual([200, 413, 200])
  })

  afterAll(async () => {
    await loupe?.stop()
    if (loupe) removeDir(loupe.dataDir)
  })

  /**
   * Returns N from the "open all (N chars) in a new tab" button of a cut value.
   * N counts the value as the table shows it, JSON-quoted with escapes, so it
   * is larger than the string's own length.
   */
  async function offeredLength(row: Locator): Promise<number> {
    const label = await row.getByRole('button', { name: /^open all/ }).innerText()
    const match = /^open all \(([\d,]+) chars\)/.exec(label)
    return match ? Number(match[1]!.replaceAll(',', '')) : NaN
  }

  it('shows head of 5 MiB result', async () => {
    const { page, errors } = await openTrace(loupe, TRACE)
    const detail = page.getByTestId('span-detail')
    const result = attributeRow(detail, 'gen_ai.tool.call.result')

    const started = performance.now()
    await spanRow(page, TOOL).click()
    await result.getByRole('button', { name: /^open all/ }).waitFor()
    const elapsedMs = performance.now() - started

    expect(elapsedMs).toBeLessThan(MAX_SELECT_MS)
    const textLength = await page.evaluate<number>('document.body.textContent.length')
    expect(textLength).toBeLessThan(MAX_PAGE_TEXT_CHARS)
    expect((await result.locator('pre.value').innerText()).length).toBeLessThanOrEqual(
      HEAD_CHARS + 1,
    )
    expect(await result.innerText()).toMatch(/2,000 of [\d,]+ chars shown/)
    // Loupe stores the result cut to its 4 MiB value cap, with a marker; the page offers all of it.
    const offered = await offeredLength(result)
    expect(offered).toBeGreaterThan(STORED_CAP_BYTES - 1024)
    expect(offered).toBeLessThanOrEqual(STORED_CAP_BYTES)
    expect(await result.getByRole('button', { name: 'show 200,000 more' }).count()).toBe(1)
    await screenshot(page, 'case-c11-tool-span')
    expect(errors).toEqual([])
    await page.close()
  })

  it('shows more of the result in steps', async () => {
    const { page, errors } = await openTrace(loupe, TRACE)
    const detail = await selectSpan(page, TOOL)
    const result = attributeRow(detail, 'gen_ai.tool.call.result')
    await result.getByRole('button', { name: 'show 200,000 more' }).click()
    await result.getByText(/^202,000 of [\d,]+ chars shown$/).waitFor()
    expect((await result.locator('pre.value').innerText()).length).toBeLessThanOrEqual(
      HEAD_CHARS + 200_000 + 1,
    )
    const textLength = await page.evaluate<number>('document.body.textContent.length')
    expect(textLength).toBeLessThan(MAX_PAGE_TEXT_CHARS + 200_000)
    expect(errors).toEqual([])
    await page.close()
  })

  it('cuts the 1 MiB event attribute', async () => {
    const { page, errors } = await openTrace(loupe, TRACE)
    const detail = await selectSpan(page, TOOL)
    const snapshot = attributeRow(detail.locator('.event-list'), 'crawler.snapshot')
    expect((await snapshot.locator('pre.value').innerText()).length).toBeLessThanOrEqual(
      HEAD_CHARS + 1,
    )
    expect(await snapshot.innerText()).toMatch(/2,000 of [\d,]+ chars shown/)
    expect(await offeredLength(snapshot)).toBeGreaterThanOrEqual(SNAPSHOT_CHARS)
    expect(errors).toEqual([])
    await page.close()
  })

  it('shows tool arguments normally', async () => {
    const { page, errors } = await openTrace(loupe, TRACE)
    const detail = await selectSpan(page, TOOL)
    const args = attributeRow(detail, 'gen_ai.tool.call.arguments')
    expect(await args.locator('pre.value').innerText()).toBe('{\n  "max_pages": 99999\n}')
    expect(await args.getByRole('button').count()).toBe(0)
    expect(errors).toEqual([])
    await page.close()
  })
})

describe('c13 5,000-span trace', () => {
  const TRACE = '13bead5000000000000000000000000a'
  /** The case's limit for rendering the trace page, set for a 2-core machine. */
  const MAX_OPEN_MS = 3_000
  /** The case's limit for one frame while the waterfall scrolls. */
  const MAX_FRAME_MS = 200
  /** Max rendered rows: about 30 rows of 26 px fit in 900 px, plus 12 overscan on each side. */
  const MAX_ROWS = 200
  let loupe: TestCore
  let finalSpanId: string
  let toolCallSpanId: string

  beforeAll(async () => {
    loupe = await startTestCore()
    expect(httpStatuses(await sendCase(loupe, 'c13'))).toEqual([200])
    const { body } = await apiGet<TraceDetail>(loupe, `/api/traces/${TRACE}/full`)
    const final = body.spans.find((s) => s.attributes['loupe.case.marker'] === 'final summary')
    const toolCall = body.spans.find((s) => s.attributes['gen_ai.tool.call.id'] === 'call_832_4')
    finalSpanId = final!.spanId
    toolCallSpanId = toolCall!.spanId
  })

  afterAll(async () => {
    await loupe?.stop()
    if (loupe) removeDir(loupe.dataDir)
  })

  it('lists 5,000 spans', async () => {
    const { page, errors } = await openUi(loupe)
    const row = page.locator(`[data-testid="trace-row"][data-trace-id="${TRACE}"]`)
    await row.waitFor()
    expect(await row.locator('td').nth(4).innerText()).toBe('5,000')
    expect(errors).toEqual([])
    await page.close()
  })

  it('opens with all spans counted', async () => {
    const started = performance.now()
    const { page, errors } = await openTrace(loupe, TRACE)
    const elapsedMs = performance.now() - started

    expect(elapsedMs).toBeLessThan(MAX_OPEN_MS)
    expect(await page.getByTestId('trace-span-count').innerText()).toBe('5,000 spans')
    expect(await page.locator('.shown-count').innerText()).toBe('all 5,000 spans shown')
    const rendered = await page.getByTestId('span-row').count()
    expect(rendered).toBeGreaterThan(10)
    expect(rendered).toBeLessThan(MAX_ROWS)
    await screenshot(page, 'case-c13-top')
    expect(errors).toEqual([])
    await page.close()
  })

  it('reaches final span by search', async () => {
    const { page, errors } = await openTrace(loupe, TRACE)
    const search = page.getByRole('searchbox', { name: 'Search spans by name' })
    await search.fill(finalSpanId)
    await page.getByTestId('match-count').filter({ hasText: '1 match' }).waitFor()
    await search.press('Enter')

    const row = rowById(page, finalSpanId)
    await row.waitFor()
    expect(await row.getAttribute('aria-selected')).toBe('true')
    expect(await row.isVisible()).toBe(true)
    const detail = page.getByTestId('span-detail')
    const marker = attributeRow(detail, 'loupe.case.marker')
    await marker.waitFor()
    expect(await marker.locator('pre.value').innerText()).toBe('"final summary"')
    expect(await page.getByTestId('span-row').count()).toBeLessThan(MAX_ROWS)
    await screenshot(page, 'case-c13-final-span')
    expect(errors).toEqual([])
    await page.close()
  })

  it('reaches final span by scrolling', async () => {
    const { page, errors } = await openTrace(loupe, TRACE)
    const tree = page.getByTestId('span-tree')
    // Record the gap between animation frames while the tree scrolls.
    await page.evaluate(
      `window.loupeFrameGaps = [];
       (() => {
         let last = performance.now();
         const tick = (now) => {
           window.loupeFrameGaps.push(now - last);
           last = now;
           if (!window.loupeStopFrames) requestAnimationFrame(tick);
         };
         requestAnimationFrame(tick);
       })()`,
    )
    await tree.hover()
    for (let i = 0; i < 30; i++) {
      await page.mouse.wheel(0, 5_000)
      await page.waitForTimeout(30)
    }
    await tree.evaluate((element) => element.scrollTo({ top: element.scrollHeight }))
    const row = rowById(page, finalSpanId)
    await row.waitFor({ timeout: 5_000 })
    const frameGaps = await page.evaluate<number[]>(
      'window.loupeStopFrames = true; window.loupeFrameGaps',
    )

    expect(await row.isVisible()).toBe(true)
    expect(frameGaps.length).toBeGreaterThan(10)
    expect(Math.max(...frameGaps)).toBeLessThan(MAX_FRAME_MS)
    expect(await page.getByTestId('span-row').count()).toBeLessThan(MAX_ROWS)
    await screenshot(page, 'case-c13-scrolled')
    expect(errors).toEqual([])
    await page.close()
  })

  it('opens tool arguments of call_832_4', async () => {
    const { page, errors } = await openTrace(loupe, TRACE)
    const search = page.getByRole('searchbox', { name: 'Search spans by name' })
    await search.fill(toolCallSpanId)
    await page.getByTestId('match-count').filter({ hasText: '1 match' }).waitFor()
    await search.press('Enter')

    const detail = page.getByTestId('span-detail')
    const args = attributeRow(detail, 'gen_ai.tool.call.arguments')
    await args.waitFor()
    expect(await args.locator('pre.value').innerText()).toBe('{\n  "step": 832,\n  "slot": 4\n}')
    expect(await attributeRow(detail, 'gen_ai.tool.call.id').innerText()).toContain('call_832_4')
    expect(errors).toEqual([])
    await page.close()
  })
})

describe('c17 late root', () => {
  const TRACE = '17a7e9a7e9a7e9a7e9a7e9a7e9a7e9a7'
  const ROOT = '17a0000000000001'
  const ROOT_NAME = 'invoke_agent support_agent'
  let loupe: TestCore
  let ui: UiPage
  let timeOrigin: number

  beforeAll(async () => {
    loupe = await startTestCore()
    const [batch1] = loadCase('c17').requests
    expect(asHttp(await sendCaseRequest(loupe, batch1!)).status).toBe(200)
    ui = await openUi(loupe)
  })

  afterAll(async () => {
    await ui?.page.close()
    await loupe?.stop()
    if (loupe) removeDir(loupe.dataDir)
  })

  it('lists trace as incomplete', async () => {
    const { page } = ui
    const row = page.locator(`[data-testid="trace-row"][data-trace-id="${TRACE}"]`)
    await row.waitFor()
    expect(await row.locator('.badge.warn').innerText()).toBe('incomplete')
    expect(await row.locator('td').nth(4).innerText()).toBe('4')
    await screenshot(page, 'case-c17-list-batch-1')
    await row.click()
    await page.getByTestId('span-row').first().waitFor()
    expect(ui.errors).toEqual([])
  })

  it('shows placeholder for missing root', async () => {
    const { page } = ui
    const placeholder = page.getByTestId('missing-parent-row')
    expect(await placeholder.count()).toBe(1)
    expect(await placeholder.getAttribute('data-span-id')).toBe(ROOT)
    expect(await placeholder.innerText()).toContain(`missing parent ${ROOT}`)
    expect(await levelOf(placeholder)).toBe('1')
    expect(await page.getByTestId('span-row').count()).toBe(4)
    expect(await page.locator('.trace-title .badge.warn').innerText()).toBe('incomplete')
    expect(await levelOf(rowById(page, '17c0000000000002'))).toBe('2')
    expect(await levelOf(rowById(page, '17c0000000000003'))).toBe('3')
    expect(await classOf(rowById(page, '17b0000000000002'))).toContain('failed')
    expect(await classOf(rowById(page, '17b0000000000001'))).not.toContain('failed')
    await screenshot(page, 'case-c17-trace-batch-1')
    timeOrigin = await page.evaluate<number>('performance.timeOrigin')
    expect(ui.errors).toEqual([])
  })

  it('re-parents under root live', async () => {
    const { page } = ui
    const [, batch2] = loadCase('c17').requests
    expect(asHttp(await sendCaseRequest(loupe, batch2!)).status).toBe(200)

    const root = rowById(page, ROOT)
    await root.waitFor({ timeout: 10_000 })
    await page.getByTestId('missing-parent-row').waitFor({ state: 'detached' })
    expect(await page.evaluate<number>('performance.timeOrigin')).toBe(timeOrigin)
    expect(await page.getByTestId('span-row').count()).toBe(5)
    expect(await levelOf(root)).toBe('1')
    expect(await root.locator('.span-name').innerText()).toBe(ROOT_NAME)
    for (const child of ['17b0000000000001', '17b0000000000002', '17c0000000000002']) {
      expect(await levelOf(rowById(page, child)), child).toBe('2')
    }
    expect(await levelOf(rowById(page, '17c0000000000003'))).toBe('3')
    await page
      .locator('.trace-title h1')
      .filter({ hasText: exactly(ROOT_NAME) })
      .waitFor()
    expect(await page.locator('.trace-title .badge.warn').count()).toBe(0)
    await screenshot(page, 'case-c17-trace-batch-2')
    expect(ui.errors).toEqual([])
  })

  it('lists trace as complete after', async () => {
    const { page } = ui
    await page.goBack()
    const row = page.locator(`[data-testid="trace-row"][data-trace-id="${TRACE}"]`)
    await row.waitFor()
    // The list shows the late root's title and names the root span in the tooltip.
    const rootLink = row.locator('.trace-name a')
    expect(await rootLink.innerText()).toBe('support_agent run')
    expect(await rootLink.getAttribute('title')).toBe(`Span name: ${ROOT_NAME}`)
    expect(await row.locator('.badge.warn').count()).toBe(0)
    expect(await row.locator('td').nth(4).innerText()).toBe('5')
    expect(ui.errors).toEqual([])
  })
})

describe('c18 parent cycles', () => {
  const SELF_TRACE = '18a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0'
  const PING_PONG_TRACE = '18b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0'
  const HEALTHY_TRACE = '18c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0'
  /** The case's limit for opening each trace. */
  const MAX_OPEN_MS = 2_000
  let loupe: TestCore

  beforeAll(async () => {
    loupe = await startTestCore()
    expect(httpStatuses(await sendCase(loupe, 'c18'))).toEqual([200])
  })

  afterAll(async () => {
    await loupe?.stop()
    if (loupe) removeDir(loupe.dataDir)
  })

  /** Clicks Collapse all and then Expand all, checking the number of rows after each. */
  async function collapseAndExpand(page: Page, roots: number, spans: number): Promise<void> {
    const rows = page.getByTestId('span-row')
    await page.getByRole('button', { name: 'Collapse all' }).click()
    await waitForRowCount(page, roots)
    expect(await rows.count()).toBe(roots)
    await page.getByRole('button', { name: 'Expand all' }).click()
    await waitForRowCount(page, spans)
    expect(await rows.count()).toBe(spans)
  }

  it('flags self-parent', async () => {
    const started = performance.now()
    const { page, errors } = await openTrace(loupe, SELF_TRACE)
    expect(performance.now() - started).toBeLessThan(MAX_OPEN_MS)

    const job = spanRow(page, 'self-parented job')
    expect(await page.getByTestId('trace-span-count').innerText()).toBe('2 spans')
    expect(await page.getByTestId('span-row').count()).toBe(2)
    expect(await levelOf(job)).toBe('1')
    expect(await job.locator('.badge.mark').innerText()).toBe('parent is itself')
    expect(await levelOf(spanRow(page, 'child of self-parented job'))).toBe('2')
    expect(await page.locator('.tree-problems').innerText()).toContain('1 span is its own parent')
    await collapseAndExpand(page, 1, 2)
    await screenshot(page, 'case-c18-self-parent')
    expect(errors).toEqual([])
    await page.close()
  })

  it('flags two-span cycle', async () => {
    const started = performance.now()
    const { page, errors } = await openTrace(loupe, PING_PONG_TRACE)
    expect(performance.now() - started).toBeLessThan(MAX_OPEN_MS)

    const ping = spanRow(page, 'ping')
    expect(await page.getByTestId('trace-span-count').innerText()).toBe('3 spans')
    expect(await field(page.locator('.trace-meta'), 'Duration').innerText()).toBe('300 ms')
    expect(await page.getByTestId('span-row').count()).toBe(3)
    expect(await levelOf(ping)).toBe('1')
    expect(await ping.locator('.badge.mark').innerText()).toBe('cycle')
    expect(await levelOf(spanRow(page, 'pong'))).toBe('2')
    expect(await levelOf(spanRow(page, 'volley'))).toBe('2')
    expect(await page.locator('.tree-problems').innerText()).toContain('1 parent cycle')
    await collapseAndExpand(page, 1, 3)
    await screenshot(page, 'case-c18-two-span-cycle')
    expect(errors).toEqual([])
    await page.close()
  })

  it('flags detached three-span cycle', async () => {
    const started = performance.now()
    const { page, errors } = await openTrace(loupe, HEALTHY_TRACE)
    expect(performance.now() - started).toBeLessThan(MAX_OPEN_MS)

    const rock = spanRow(page, 'rock')
    expect(await page.getByTestId('trace-span-count').innerText()).toBe('5 spans')
    expect(await page.getByTestId('span-row').count()).toBe(5)
    expect(await levelOf(spanRow(page, 'healthy root'))).toBe('1')
    expect(await levelOf(spanRow(page, 'healthy child'))).toBe('2')
    expect(await spanRow(page, 'healthy root').locator('.badge.mark').count()).toBe(0)
    expect(await levelOf(rock)).toBe('1')
    expect(await rock.locator('.badge.mark').innerText()).toBe('cycle')
    expect(await levelOf(spanRow(page, 'paper'))).toBe('2')
    expect(await levelOf(spanRow(page, 'scissors'))).toBe('3')
    expect(await page.locator('.tree-problems').innerText()).toContain('1 parent cycle')
    await collapseAndExpand(page, 2, 5)
    await screenshot(page, 'case-c18-three-span-cycle')
    expect(errors).toEqual([])
    await page.close()
  })

  it('reveals span inside a cycle', async () => {
    const { page, errors } = await openTrace(loupe, HEALTHY_TRACE)
    await page.getByRole('button', { name: 'Collapse all' }).click()
    await waitForRowCount(page, 2)
    await page.evaluate(`location.hash = '#/trace/${HEALTHY_TRACE}/18c0000000000013'`)

    const scissors = rowById(page, '18c0000000000013')
    await scissors.waitFor()
    expect(await scissors.getAttribute('aria-selected')).toBe('true')
    expect(await page.getByTestId('span-detail-name').innerText()).toBe('scissors')
    // Only the cycle's rows open: 'healthy root' stays collapsed over its child.
    expect(await page.getByTestId('span-row').count()).toBe(4)
    expect(await spanRow(page, 'healthy root').getAttribute('aria-expanded')).toBe('false')
    expect(errors).toEqual([])
    await page.close()
  })
})

describe('c22 span links', () => {
  const BATCH_TRACE = '22a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0'
  const REPORT_TRACE = '22b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0'
  const UNKNOWN_TRACE = '22ffffffffffffffffffffffffffff22'
  let loupe: TestCore

  beforeAll(async () => {
    loupe = await startTestCore()
    expect(httpStatuses(await sendCase(loupe, 'c22'))).toEqual([200])
  })

  afterAll(async () => {
    await loupe?.stop()
    if (loupe) removeDir(loupe.dataDir)
  })

  it('draws tree from parents only', async () => {
    const { page, errors } = await openTrace(loupe, BATCH_TRACE)
    expect(await levelOf(spanRow(page, 'handle batch'))).toBe('1')
    expect(await levelOf(spanRow(page, 'process message 1'))).toBe('2')
    expect(await levelOf(spanRow(page, 'process message 2'))).toBe('2')
    expect(await field(page.locator('.trace-meta'), 'Duration').innerText()).toBe('1 s')
    expect(await page.locator('.tree-problems').count()).toBe(0)
    await page.close()

    const report = await openTrace(loupe, REPORT_TRACE)
    expect(await levelOf(spanRow(report.page, 'aggregate report'))).toBe('1')
    expect(await levelOf(spanRow(report.page, 'render pdf'))).toBe('2')
    const duration = field(report.page.locator('.trace-meta'), 'Duration')
    expect(await duration.innerText()).toBe('600 ms')
    expect(errors).toEqual([])
    expect(report.errors).toEqual([])
    await report.page.close()
  })

  it('lists same-trace link', async () => {
    const { page, errors } = await openTrace(loupe, BATCH_TRACE)
    const detail = await selectSpan(page, 'process message 1')
    const links = detail.getByTestId('span-link')
    expect(await links.count()).toBe(1)
    const link = links.first()
    await link.locator('.link-target').waitFor()
    expect(await link.locator('a').innerText()).toBe('this trace, span 22a0000000000003')
    expect(await link.locator('.link-target').innerText()).toBe('process message 2')
    expect(await link.innerText()).toContain('trace state vendor=abc')
    const messageId = attributeRow(link, 'messaging.message.id')
    expect(await messageId.locator('pre.value').innerText()).toBe('"msg-0002"')
    expect(errors).toEqual([])
    await page.close()
  })

  it('lists cross-trace links, 3 dropped', async () => {
    const { page, errors } = await openTrace(loupe, REPORT_TRACE)
    const detail = await selectSpan(page, 'aggregate report')
    const links = detail.getByTestId('span-link')
    expect(await links.count()).toBe(2)

    const toBatch = links.nth(0)
    await toBatch.locator('.link-target').waitFor()
    expect(await toBatch.locator('a').innerText()).toBe(
      `trace ${BATCH_TRACE}, span 22a0000000000001`,
    )
    expect(await toBatch.locator('.link-target').innerText()).toBe('handle batch')
    const reason = attributeRow(toBatch, 'link.reason').locator('pre.value')
    expect(await reason.innerText()).toBe('"input batch"')

    const toUnknown = links.nth(1)
    await toUnknown.getByTestId('link-unresolved').waitFor()
    expect(await toUnknown.locator('a').innerText()).toBe(
      `trace ${UNKNOWN_TRACE}, span 22ff000000000001`,
    )
    expect(await toUnknown.getByTestId('link-unresolved').innerText()).toBe('trace not found')
    const unknownReason = attributeRow(toUnknown, 'link.reason').locator('pre.value')
    expect(await unknownReason.innerText()).toBe('"batch that was never exported"')

    expect(await detail.locator('summary', { hasText: 'Links' }).innerText()).toBe('Links (2)')
    expect(await detail.locator('.dropped', { hasText: 'link' }).innerText()).toBe(
      '3 links dropped',
    )
    await screenshot(page, 'case-c22-links')
    expect(errors).toEqual([])
    await page.close()
  })

  it('follows cross-trace link both ways', async () => {
    const { page, errors } = await openTrace(loupe, REPORT_TRACE)
    let detail = await selectSpan(page, 'aggregate report')
    await detail.getByTestId('span-link').nth(0).locator('a').click()

    await page.getByTestId('trace-id').filter({ hasText: BATCH_TRACE }).waitFor()
    const handle = rowById(page, '22a0000000000001')
    await handle.waitFor()
    detail = page.getByTestId('span-detail')
    await detail.getByTestId('span-detail-name').filter({ hasText: 'handle batch' }).waitFor()
    expect(await handle.getAttribute('aria-selected')).toBe('true')
    await screenshot(page, 'case-c22-followed-link')

    const back = detail.getByTestId('span-link').first()
    expect(await back.locator('a').innerText()).toBe(`trace ${REPORT_TRACE}, span 22b0000000000001`)
    await back.locator('a').click()
    await page.getByTestId('trace-id').filter({ hasText: REPORT_TRACE }).waitFor()
    await detail.getByTestId('span-detail-name').filter({ hasText: 'aggregate report' }).waitFor()
    expect(await rowById(page, '22b0000000000001').getAttribute('aria-selected')).toBe('true')
    expect(errors).toEqual([])
    await page.close()
  })

  it('opens unknown trace as not found', async () => {
    const { page, errors } = await openTrace(loupe, REPORT_TRACE)
    const detail = await selectSpan(page, 'aggregate report')
    const toUnknown = detail.getByTestId('span-link').nth(1)
    await toUnknown.getByTestId('link-unresolved').waitFor()
    await toUnknown.locator('a').click()

    const notFound = page.getByTestId('trace-not-found')
    await notFound.waitFor()
    expect(await notFound.innerText()).toContain('Trace not found')
    expect(await notFound.innerText()).toContain(UNKNOWN_TRACE)
    expect(await page.getByRole('alert').count()).toBe(0)
    await screenshot(page, 'case-c22-unknown-trace')

    await page.goBack()
    await page.getByTestId('trace-id').filter({ hasText: REPORT_TRACE }).waitFor()
    await spanRow(page, 'render pdf').waitFor()
    expect(await page.getByTestId('span-row').count()).toBe(2)
    expect(errors).toEqual([])
    await page.close()
  })
})

describe('c27 invalid UTF-8', () => {
  const TRACE = '27a0a0a0b1b1b1b1c2c2c2c2d3d3d3d3'
  const REPLACEMENT = '\uFFFD'
  const RESUME_NAME = `r${REPLACEMENT}sum${REPLACEMENT} upload`
  let loupe: TestCore

  beforeAll(async () => {
    loupe = await startTestCore()
    expect(httpStatuses(await sendCase(loupe, 'c27'))).toEqual([200, 200])
  })

  afterAll(async () => {
    await loupe?.stop()
    if (loupe) removeDir(loupe.dataDir)
  })

  it('shows U+FFFD in span name', async () => {
    const { page, errors } = await openTrace(loupe, TRACE)
    expect(await page.getByTestId('trace-span-count').innerText()).toBe('3 spans')
    const row = spanRow(page, RESUME_NAME)
    expect(await row.count()).toBe(1)
    expect(await row.locator('.span-name').innerText()).toBe(RESUME_NAME)
    expect(await levelOf(row)).toBe('2')

    const detail = await selectSpan(page, RESUME_NAME)
    expect(await detail.getByTestId('span-detail-name').innerText()).toBe(RESUME_NAME)
    await screenshot(page, 'case-c27-span-name')
    expect(errors).toEqual([])
    await page.close()
  })

  it('shows U+FFFD in attribute values', async () => {
    const { page, errors } = await openTrace(loupe, TRACE)
    const detail = await selectSpan(page, 'chat gpt-4o-mini')
    const preview = attributeRow(detail, 'llm.prompt.preview').locator('pre.value')
    expect(await preview.innerText()).toBe(`"preview: caf${REPLACEMENT}"`)
    const salary = attributeRow(detail, 'cv.salary.note').locator('pre.value')
    expect(await salary.innerText()).toBe(`"price 12 ${REPLACEMENT}"`)
    const inputTokens = attributeRow(detail, 'gen_ai.usage.input_tokens').locator('pre.value')
    expect(await inputTokens.innerText()).toBe('700')
    await screenshot(page, 'case-c27-attributes')
    expect(errors).toEqual([])
    await page.close()
  })

  it('finds U+FFFD name by search', async () => {
    const { page, errors } = await openTrace(loupe, TRACE)
    const search = page.getByRole('searchbox', { name: 'Search spans by name' })
    await search.fill(`r${REPLACEMENT}sum`)
    const matchCount = page.getByTestId('match-count')
    await matchCount.filter({ hasText: '1 match' }).waitFor()
    await search.press('Enter')
    const row = rowById(page, '27a0000000000003')
    await page
      .getByTestId('span-detail-name')
      .filter({ hasText: exactly(RESUME_NAME) })
      .waitFor()
    expect(await row.getAttribute('aria-selected')).toBe('true')
    expect(await matchCount.innerText()).toBe('1 of 1')
    expect(errors).toEqual([])
    await page.close()
  })
})
