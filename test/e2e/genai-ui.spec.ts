// The agent views of the UI in headless Chromium. The tests cover the trace
// list's GenAI columns and sorting, the trace header's figures and error
// evidence, and the conversation view of a model call with Monaco JSON views.
// They also cover retried tool attempts, Logfire log lines and source links,
// the ingest inspector and price overrides. Every page checks that the
// Content-Security-Policy blocked nothing.

import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TraceSummary } from '../../src/shared/api'
import {
  closeClean,
  launchChromium,
  openLoupePage,
  screenshot,
  type LoupePage,
} from '../helpers/browser'
import { apiGet, asHttp, sendCase } from '../helpers/cases'
import { postOtlp, removeDir, startTestCore, type TestCore } from '../helpers/core'

const C28_TRACE = '28a9d0e5a9d0e5a9d0e5a9d0e5a9d0e5'
/** The second 'chat gpt-4o' call of c28, whose input contains both tool calls and their results. */
const C28_SECOND_CHAT = '28a0000000000005'
const C30_TRACE = '30c4a5e1c4a5e1c4a5e1c4a5e1c4a5e1'
const C30_ROOT = '3000000000000001'
const C43_TRACE = '43a1e7a143a1e7a143a1e7a143a1e7a1'
const C27_TRACE = '27a0a0a0b1b1b1b1c2c2c2c2d3d3d3d3'

const VIEWPORT = { width: 1400, height: 900 }

let browser: Browser

beforeAll(async () => {
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
})

/** Opens a trace and waits until its span tree shows a row. */
async function openTrace(loupe: TestCore, traceId: string, spanId?: string): Promise<LoupePage> {
  const opened = await openLoupePage(
    browser,
    loupe,
    `#/trace/${traceId}${spanId ? `/${spanId}` : ''}`,
    { viewport: VIEWPORT },
  )
  await opened.page.getByTestId('span-tree').waitFor()
  await opened.page.getByTestId('span-row').first().waitFor()
  return opened
}

/** Sends a case and waits until the core has normalized the trace. */
async function sendNormalized(loupe: TestCore, caseId: string, traceId: string): Promise<void> {
  for (const response of await sendCase(loupe, caseId)) {
    if (response.transport === 'http') expect(asHttp(response).status).toBe(200)
  }
  await waitForTrace(loupe, traceId, (trace) => trace.unnormalizedSpans === 0)
}

async function waitForTrace(
  loupe: TestCore,
  traceId: string,
  ready: (trace: TraceSummary) => boolean,
  timeoutMs = 10_000,
): Promise<TraceSummary> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const { status, body } = await apiGet<TraceSummary>(loupe, `/api/traces/${traceId}?wait=1`)
    if (status === 200 && ready(body)) return body
    if (Date.now() > deadline) {
      throw new Error(`trace ${traceId} not ready after ${timeoutMs} ms: ${JSON.stringify(body)}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

function traceRow(page: Page, traceId: string): Locator {
  return page.locator(`[data-testid="trace-row"][data-trace-id="${traceId}"]`)
}

function rowById(page: Page, spanId: string): Locator {
  return page.locator(`[data-testid="span-row"][data-span-id="${spanId}"]`)
}

/** Monaco renders spaces as no-break spaces; this reads its text with plain ones. */
async function editorText(editor: Locator): Promise<string> {
  return (await editor.innerText()).replaceAll('\u00a0', ' ')
}

/** Parses "$0.00539" to 0.00539. */
function dollars(text: string): number {
  const match = /^\$([\d.]+)$/.exec(text.trim())
  if (match === null) throw new Error(`not a dollar amount: ${JSON.stringify(text)}`)
  return Number(match[1])
}

async function costsInOrder(page: Page): Promise<string[]> {
  return page.getByTestId('trace-row-cost').allInnerTexts()
}

describe('c28 pydantic-ai run', () => {
  let loupe: TestCore

  beforeAll(async () => {
    loupe = await startTestCore()
    await sendNormalized(loupe, 'c28', C28_TRACE)
  })

  afterAll(async () => {
    await loupe?.stop()
    if (loupe) removeDir(loupe.dataDir)
  })

  it('shows tokens and cost in header', async () => {
    const opened = await openTrace(loupe, C28_TRACE)
    const { page } = opened
    expect(await page.getByTestId('trace-tokens').innerText()).toBe(
      '1,992 in / 137 out / 768 cached',
    )
    expect(await page.getByTestId('trace-cost').innerText()).toBe('$0.00539')
    expect(await page.getByTestId('trace-model-calls').innerText()).toBe('2')
    expect(await page.getByTestId('trace-tool-calls').innerText()).toBe('2')
    expect(await page.getByTestId('trace-error-class').innerText()).toBe('none')
    await screenshot(page, 'genai-c28-header')
    await closeClean(opened)
  })

  it('tags agent, model and tool rows', async () => {
    const opened = await openTrace(loupe, C28_TRACE)
    const { page } = opened
    expect(await rowById(page, '28a0000000000001').locator('.kind-tag').innerText()).toBe('AGENT')
    const model = rowById(page, C28_SECOND_CHAT)
    expect(await model.locator('.kind-tag').innerText()).toBe('MODEL')
    expect(await model.locator('.row-figures').innerText()).toBe('1,180→96 · $0.00295')
    const tool = rowById(page, '28a0000000000003')
    expect(await tool.locator('.kind-tag').innerText()).toBe('TOOL')
    expect(await tool.locator('.span-title').innerText()).toBe('running tool: get_forecast')
    await closeClean(opened)
  })

  it('shows the model call as a conversation', async () => {
    const opened = await openTrace(loupe, C28_TRACE, C28_SECOND_CHAT)
    const { page } = opened
    const conversation = page.getByTestId('span-detail').getByTestId('conversation')
    await conversation.waitFor()

    expect(await conversation.getByTestId('system-instructions').innerText()).toContain(
      'You are a concise gardening assistant.',
    )
    const messages = conversation.getByTestId('message')
    expect(await messages.count()).toBe(4)
    const prompt = messages.nth(0)
    expect(await prompt.locator('.role').innerText()).toBe('USER')
    expect(await prompt.innerText()).toContain('Should I water bed B3 in Utrecht today?')

    const call = conversation.getByTestId('tool-call').filter({ hasText: 'get_forecast' })
    expect(await call.locator('.call-id').innerText()).toBe('call_Gd41')
    await call.scrollIntoViewIfNeeded()
    const editor = call.locator('.monaco-editor')
    await editor.waitFor()
    await editor.locator('.view-line').first().waitFor()
    const argumentsText = await editorText(editor)
    expect(argumentsText).toContain('"city": "Utrecht"')

    const result = conversation.getByTestId('tool-result').filter({ hasText: 'get_forecast' })
    expect(await result.locator('.answers').innerText()).toContain('answers call call_Gd41')
    await result.scrollIntoViewIfNeeded()
    const resultEditor = result.locator('.monaco-editor')
    await resultEditor.locator('.view-line').first().waitFor()
    expect(await editorText(resultEditor)).toContain('"rain_mm": 6.5')
    const moisture = conversation.getByTestId('tool-result').filter({ hasText: 'soil_moisture' })
    expect(await moisture.innerText()).toContain('answers call call_Sm77')
    expect(await moisture.innerText()).toContain('31%')

    const output = messages.nth(3)
    expect(await output.innerText()).toContain('finish reason: stop')
    expect(await output.innerText()).toContain('skip watering today')
    await call.scrollIntoViewIfNeeded()
    await screenshot(page, 'genai-c28-conversation')
    await closeClean(opened)
  })

  it('shows cost provenance of a call', async () => {
    const opened = await openTrace(loupe, C28_TRACE, C28_SECOND_CHAT)
    const cost = opened.page.getByTestId('cost-detail')
    await cost.waitFor()
    const text = await cost.innerText()
    expect(text).toContain('$0.00295')
    expect(text).toContain('sent by the SDK')
    expect(text).toContain('@pydantic/genai-prices')
    expect(text).toMatch(/cache_read_tokens\s+768/)
    expect(text).toMatch(/input_tokens\s+1,180/)
    await closeClean(opened)
  })

  it('keeps raw attributes in a tab', async () => {
    const opened = await openTrace(loupe, C28_TRACE, C28_SECOND_CHAT)
    const { page } = opened
    const detail = page.getByTestId('span-detail')
    await detail.getByTestId('conversation').waitFor()
    await detail.getByRole('tab', { name: 'Raw' }).click()
    await detail.getByTestId('span-raw').waitFor()
    expect(await detail.getByTestId('conversation').count()).toBe(0)
    expect(await detail.innerText()).toContain('gen_ai.input.messages')
    await detail.getByRole('tab', { name: 'Ingest' }).click()
    expect(await detail.getByTestId('ingest-convention').innerText()).toContain('pydantic-ai')
    expect(await detail.getByTestId('mapped-keys').innerText()).toContain('gen_ai.input.messages')
    await closeClean(opened)
  })

  it('shows tool call detail', async () => {
    const opened = await openTrace(loupe, C28_TRACE, '28a0000000000003')
    const summary = opened.page.getByTestId('tool-summary')
    await summary.waitFor()
    expect(await summary.innerText()).toContain('get_forecast')
    expect(await summary.innerText()).toContain('call_Gd41')
    const editors = summary.locator('.monaco-editor')
    await editors.first().locator('.view-line').first().waitFor()
    expect(await editorText(editors.first())).toContain('"city": "Utrecht"')
    await screenshot(opened.page, 'genai-c28-tool-call')
    await closeClean(opened)
  })

  it('loads Monaco only for JSON views', async () => {
    const opened = await openLoupePage(browser, loupe, '', { viewport: VIEWPORT })
    const { page } = opened
    await traceRow(page, C28_TRACE).waitFor()
    expect(opened.requests.filter((url) => url.includes('MonacoJson'))).toEqual([])
    await traceRow(page, C28_TRACE).click()
    await page.getByTestId('span-tree').waitFor()
    await rowById(page, C28_SECOND_CHAT).click()
    await page.locator('.monaco-editor').first().waitFor()
    expect(opened.requests.some((url) => url.includes('MonacoJson'))).toBe(true)
    // The JSON worker validates the document, so it must start under the page's CSP.
    await expect.poll(() => opened.workers.some((url) => url.includes('json.worker'))).toBe(true)
    await closeClean(opened)
  })
})

describe('c30 usage limit exceeded', () => {
  let loupe: TestCore

  beforeAll(async () => {
    loupe = await startTestCore()
    await sendNormalized(loupe, 'c30', C30_TRACE)
  })

  afterAll(async () => {
    await loupe?.stop()
    if (loupe) removeDir(loupe.dataDir)
  })

  it('shows error class with evidence', async () => {
    const opened = await openTrace(loupe, C30_TRACE)
    const { page } = opened
    expect(await page.getByTestId('trace-error-class').innerText()).toBe('quota_exceeded')
    const evidence = page.locator('.trace-header').getByTestId('error-evidence')
    const text = await evidence.innerText()
    expect(text).toContain('quota_exceeded')
    expect(text).toContain('HTTP 429')
    expect(text).toContain('pydantic_ai.exceptions.UsageLimitExceeded')
    expect(text).toContain('The next request would exceed the request_limit of 3')
    await screenshot(page, 'genai-c30-header')

    await evidence.getByTestId('error-origin').click()
    await page.waitForFunction(
      `document.querySelector('[data-span-id="${C30_ROOT}"]')?.getAttribute('aria-selected') === 'true'`,
    )
    expect(await page.getByTestId('span-detail-name').innerText()).toBe(
      'invoke_agent research_digest',
    )
    await closeClean(opened)
  })

  it('lists exception groups', async () => {
    const opened = await openTrace(loupe, C30_TRACE)
    const { page } = opened
    const group = page.getByTestId('exception-group')
    expect(await group.count()).toBe(1)
    const text = await group.innerText()
    expect(text).toContain('pydantic_ai.exceptions.UsageLimitExceeded')
    expect(text).toContain('×1')
    expect(text).toContain('usage.py:496 in check_before_request')
    expect(await group.locator('a').getAttribute('href')).toBe(`#/trace/${C30_TRACE}/${C30_ROOT}`)
    await closeClean(opened)
  })

  it('marks the list row', async () => {
    const opened = await openLoupePage(browser, loupe, '', { viewport: VIEWPORT })
    const row = traceRow(opened.page, C30_TRACE)
    await row.waitFor()
    expect(await row.getByTestId('error-class').innerText()).toBe('quota_exceeded')
    expect(await row.getByTestId('trace-row-cost').innerText()).toBe('$0.00192')
    await closeClean(opened)
  })
})

describe('c43 retried tool calls', () => {
  let loupe: TestCore

  beforeAll(async () => {
    loupe = await startTestCore()
    await sendNormalized(loupe, 'c43', C43_TRACE)
  })

  afterAll(async () => {
    await loupe?.stop()
    if (loupe) removeDir(loupe.dataDir)
  })

  it('badges retries, not failures', async () => {
    const opened = await openTrace(loupe, C43_TRACE)
    const { page } = opened
    expect(await page.getByTestId('trace-tool-calls').innerText()).toMatch(/^4\s+2 retried$/)
    const retried = page.locator('[data-testid="span-row"].retried')
    expect(await retried.count()).toBe(2)
    for (const spanId of ['4300000000000003', '4300000000000005']) {
      const row = rowById(page, spanId)
      expect(await row.locator('.badge.retried').innerText()).toBe('retried')
      expect(await row.getAttribute('class')).not.toContain('failed')
      expect(await row.locator('.error-dot').count()).toBe(0)
    }
    expect(await page.locator('[data-testid="span-row"].failed').count()).toBe(0)
    await screenshot(page, 'genai-c43-retried')
    await closeClean(opened)
  })
})

describe('trace list', () => {
  let loupe: TestCore

  beforeAll(async () => {
    loupe = await startTestCore()
    await sendNormalized(loupe, 'c28', C28_TRACE)
    await sendNormalized(loupe, 'c30', C30_TRACE)
    await sendNormalized(loupe, 'c43', C43_TRACE)
  })

  afterAll(async () => {
    await loupe?.stop()
    if (loupe) removeDir(loupe.dataDir)
  })

  it('shows agent columns', async () => {
    const opened = await openLoupePage(browser, loupe, '', { viewport: VIEWPORT })
    const row = traceRow(opened.page, C28_TRACE)
    await row.waitFor()
    expect(await row.locator('.agent-name').innerText()).toBe('garden_advisor')
    expect(await row.locator('.model-names').innerText()).toBe('gpt-4o-2024-08-06')
    expect(await row.getByTestId('trace-row-tokens').innerText()).toBe(
      '1,992 in / 137 out\n768 cached',
    )
    expect(await row.getByTestId('error-class').count()).toBe(0)
    await closeClean(opened)
  })

  it('sorts by cost and keeps it live', async () => {
    const opened = await openLoupePage(browser, loupe, '', { viewport: VIEWPORT })
    const { page } = opened
    await traceRow(page, C43_TRACE).waitFor()
    await page.getByTestId('sort-cost').click()
    expect(await costsInOrder(page)).toEqual(['$0.00539', '$0.00192', '$0.000501'])
    expect(await page.locator('th[aria-sort="descending"]').innerText()).toContain('Cost')
    await page.getByTestId('sort-cost').click()
    expect(await costsInOrder(page)).toEqual(['$0.000501', '$0.00192', '$0.00539'])
    await page.getByTestId('sort-cost').click()

    // A trace that arrives now lands at its place in the cost order.
    await sendNormalized(loupe, 'c36', '36ad5d4e36ad5d4e36ad5d4e36ad5d4e')
    await page.getByTestId('trace-row').nth(3).waitFor()
    const costs = await costsInOrder(page)
    expect(costs).toEqual(['$0.0183', '$0.00539', '$0.00192', '$0.000501'])
    expect(costs.map(dollars)).toEqual([...costs.map(dollars)].sort((a, b) => b - a))
    await screenshot(page, 'genai-list-sorted-by-cost')
    await closeClean(opened)
  })

  it('filters by error class and text', async () => {
    const opened = await openLoupePage(browser, loupe, '', { viewport: VIEWPORT })
    const { page } = opened
    await traceRow(page, C43_TRACE).waitFor()
    // The core filters, so the rows change once its response arrives.
    const rowCount = () => page.getByTestId('trace-row').count()
    await page.getByLabel('Filter by error class').selectOption('quota_exceeded')
    await expect.poll(rowCount).toBe(1)
    expect(await traceRow(page, C30_TRACE).count()).toBe(1)
    await page.getByLabel('Filter by error class').selectOption('')
    await page.getByLabel('Search traces').fill('garden')
    await expect.poll(rowCount).toBe(1)
    expect(await traceRow(page, C28_TRACE).count()).toBe(1)
    await page.getByRole('button', { name: 'Clear filters' }).click()
    await expect.poll(rowCount).toBeGreaterThanOrEqual(3)
    await closeClean(opened)
  })
})

describe('price overrides', () => {
  let loupe: TestCore

  beforeAll(async () => {
    loupe = await startTestCore()
    await sendNormalized(loupe, 'c28', C28_TRACE)
  })

  afterAll(async () => {
    await loupe?.stop()
    if (loupe) removeDir(loupe.dataDir)
  })

  it('reprices the open list live', async () => {
    const list = await openLoupePage(browser, loupe, '', { viewport: VIEWPORT })
    const cost = traceRow(list.page, C28_TRACE).getByTestId('trace-row-cost')
    await cost.waitFor()
    expect(await cost.innerText()).toBe('$0.00539')
    const timeOrigin = await list.page.evaluate<number>('performance.timeOrigin')

    const prices = await openLoupePage(browser, loupe, '#/prices', { viewport: VIEWPORT })
    const form = prices.page.getByRole('form', { name: 'Price override' })
    await form.getByLabel('Provider').fill('*')
    await form.getByLabel('Model').fill('gpt-4o-2024-08-06')
    await form.getByLabel('Input $/MTok').fill('10')
    await form.getByLabel('Output $/MTok').fill('20')
    await form.getByRole('button', { name: 'Save price' }).click()
    const override = prices.page.getByTestId('price-override')
    await override.waitFor()
    expect(await override.innerText()).toContain('gpt-4o-2024-08-06')
    await screenshot(prices.page, 'genai-prices-page')

    // (1,992 input tokens × $10 + 137 output tokens × $20) per million tokens.
    await list.page
      .getByTestId('trace-row-cost')
      .filter({ hasText: '$0.0227' })
      .waitFor({ timeout: 15_000 })
    expect(await list.page.evaluate<number>('performance.timeOrigin')).toBe(timeOrigin)
    await screenshot(list.page, 'genai-list-repriced')

    await list.page.goto(`${loupe.uiUrl}/#/trace/${C28_TRACE}/${C28_SECOND_CHAT}`)
    const detail = list.page.getByTestId('cost-detail')
    await detail.waitFor()
    expect(await detail.innerText()).toContain('your price')

    await override.getByRole('button', { name: 'Delete' }).click()
    await override.waitFor({ state: 'detached' })
    await waitForTrace(loupe, C28_TRACE, (trace) => Math.abs((trace.costUsd ?? 0) - 0.00539) < 1e-9)
    await closeClean(prices)
    await closeClean(list)
  })

  it('rejects an invalid price', async () => {
    const opened = await openLoupePage(browser, loupe, '#/prices', { viewport: VIEWPORT })
    const form = opened.page.getByRole('form', { name: 'Price override' })
    await form.getByLabel('Model').fill('gpt-4o')
    await form.getByLabel('Input $/MTok').fill('-1')
    await form.getByLabel('Output $/MTok').fill('2')
    await form.getByRole('button', { name: 'Save price' }).click()
    expect(await form.getByRole('alert').innerText()).toMatch(/^Input price must be/)
    expect(await opened.page.getByTestId('price-override').count()).toBe(0)
    await closeClean(opened)
  })
})

describe('c27 ingest inspector', () => {
  let loupe: TestCore

  beforeAll(async () => {
    loupe = await startTestCore()
    await sendNormalized(loupe, 'c27', C27_TRACE)
  })

  afterAll(async () => {
    await loupe?.stop()
    if (loupe) removeDir(loupe.dataDir)
  })

  it('highlights unknown GenAI keys', async () => {
    const opened = await openTrace(loupe, C27_TRACE, '27a0000000000002')
    const detail = opened.page.getByTestId('span-detail')
    const raw = detail.getByTestId('span-raw')
    await raw.waitFor()
    const unknownRow = raw.locator('tr.unknown-key')
    expect(await unknownRow.count()).toBe(1)
    expect(await unknownRow.locator('th').innerText()).toContain('llm.prompt.preview')
    await detail.getByRole('tab', { name: /^Ingest/ }).click()
    expect(await detail.getByTestId('unknown-keys').innerText()).toBe('llm.prompt.preview')
    expect(await detail.getByTestId('ingest-convention').innerText()).toContain('otel-genai')
    await screenshot(opened.page, 'genai-c27-ingest')
    await closeClean(opened)
  })
})

/** Builds an OTLP/JSON attribute list from plain values. */
function otlpAttributes(values: Record<string, string | number>): unknown[] {
  return Object.entries(values).map(([key, value]) => ({
    key,
    value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value },
  }))
}

const LOGFIRE_TRACE = 'f1f1f1f1a2a2a2a2b3b3b3b3c4c4c4c4'
const LOGFIRE_ROOT = 'f100000000000001'
/** A 3,000-character value with quotes and line breaks, which JSON would escape. */
const LONG_REPORT = 'line "quoted"\n'.repeat(214) + 'x'.repeat(4)

/**
 * Builds an OTLP/JSON request with a trace as the Logfire Python SDK sends
 * it. Its root span has a message template, a source location, a scrubbed
 * argument and a long value. Three log lines (debug, trace and warn) follow
 * as zero-length spans.
 */
function logfireRequest(): string {
  const start = 1_772_500_000_000_000_000n
  const at = (ms: number) => String(start + BigInt(ms) * 1_000_000n)
  const log = (spanId: string, ms: number, level: number, message: string) => ({
    traceId: LOGFIRE_TRACE,
    spanId,
    parentSpanId: LOGFIRE_ROOT,
    name: message,
    kind: 1,
    startTimeUnixNano: at(ms),
    endTimeUnixNano: at(ms),
    attributes: otlpAttributes({
      'logfire.span_type': 'log',
      'logfire.level_num': level,
      'logfire.msg_template': message,
      'logfire.msg': message,
      'code.filepath': 'app/checkout.py',
      'code.lineno': 20 + level,
    }),
  })
  return JSON.stringify({
    resourceSpans: [
      {
        resource: {
          attributes: otlpAttributes({
            'service.name': 'checkout',
            'logfire.code.root_path': '/home/dev/shop',
          }),
        },
        scopeSpans: [
          {
            scope: { name: 'logfire' },
            spans: [
              {
                traceId: LOGFIRE_TRACE,
                spanId: LOGFIRE_ROOT,
                name: 'checkout {order_id}',
                kind: 1,
                startTimeUnixNano: at(0),
                endTimeUnixNano: at(50),
                attributes: otlpAttributes({
                  'logfire.span_type': 'span',
                  'logfire.msg_template': 'checkout {order_id}',
                  'logfire.msg': 'checkout o-17',
                  order_id: 'o-17',
                  password: "[Scrubbed due to 'password']",
                  report: LONG_REPORT,
                  'code.filepath': 'app/checkout.py',
                  'code.lineno': 12,
                }),
              },
              log('f100000000000002', 5, 5, 'loading cart'),
              log('f100000000000003', 10, 1, 'cache probe'),
              log('f100000000000004', 20, 13, 'stock low'),
            ],
          },
        ],
      },
    ],
  })
}

describe('Logfire extras', () => {
  let loupe: TestCore

  beforeAll(async () => {
    loupe = await startTestCore()
    const sent = await postOtlp(loupe.otlpHttpUrl, '/v1/traces', logfireRequest(), {
      'Content-Type': 'application/json',
    })
    expect(sent.status).toBe(200)
    await waitForTrace(loupe, LOGFIRE_TRACE, (trace) => trace.unnormalizedSpans === 0)
  })

  afterAll(async () => {
    await loupe?.stop()
    if (loupe) removeDir(loupe.dataDir)
  })

  it('shows log lines with levels', async () => {
    const opened = await openTrace(loupe, LOGFIRE_TRACE)
    const { page } = opened
    const root = rowById(page, LOGFIRE_ROOT)
    expect(await root.locator('.span-title').innerText()).toBe('checkout o-17')
    const levels = await page.locator('[data-testid="span-row"].log-row .level-tag').allInnerTexts()
    expect(levels).toEqual(['DEBUG', 'TRACE', 'WARN'])
    expect(await rowById(page, 'f100000000000004').innerText()).toContain('stock low')
    await screenshot(page, 'genai-logfire-log-lines')

    await page.getByLabel('Lowest log level shown').selectOption({ label: 'hide debug and trace' })
    await page.waitForFunction(`document.querySelectorAll('[data-testid="span-row"]').length === 2`)
    expect(await page.getByTestId('shown-count').innerText()).toContain('2 below the level')
    await page.getByLabel('Lowest log level shown').selectOption({ label: 'all' })
    await page.waitForFunction(`document.querySelectorAll('[data-testid="span-row"]').length === 4`)
    await closeClean(opened)
  })

  it('links source and marks scrubbed values', async () => {
    const opened = await openTrace(loupe, LOGFIRE_TRACE, LOGFIRE_ROOT)
    const detail = opened.page.getByTestId('span-detail')
    const link = detail.getByTestId('code-link')
    await link.waitFor()
    expect(await link.getAttribute('href')).toBe('vscode://file/home/dev/shop/app/checkout.py:12')
    expect(await link.innerText()).toBe('/home/dev/shop/app/checkout.py:12')
    const scrubbed = detail.getByTestId('scrubbed-value')
    expect(await scrubbed.count()).toBe(1)
    expect(await scrubbed.innerText()).toMatch(/^SCRUBBED\s+due to 'password'$/)
    await screenshot(opened.page, 'genai-logfire-source-scrubbed')
    await closeClean(opened)
  })

  it('counts long strings by their length', async () => {
    const opened = await openTrace(loupe, LOGFIRE_TRACE, LOGFIRE_ROOT)
    const detail = opened.page.getByTestId('span-detail')
    const report = detail.locator(
      'xpath=.//table[contains(@class,"attribute-table")]//tr[th[normalize-space(text()[1])="report"]]',
    )
    await report.waitFor()
    expect(LONG_REPORT).toHaveLength(3_000)
    expect(await report.getByRole('button', { name: /^show all/ }).innerText()).toBe(
      'show all (3,000 chars)',
    )
    const head = await report.locator('pre.value').innerText()
    expect(head.startsWith('line "quoted"\nline')).toBe(true)
    await closeClean(opened)
  })
})
