// The UI served by a real core, driven in headless Chromium: the live trace
// list, the demo, opening a pydantic-ai trace, a 50,000-span trace, the
// port-conflict banner and opening a trace by id in any case.

import { createServer, type Server } from 'node:net'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { context, trace } from '@opentelemetry/api'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { resourceFromAttributes } from '@opentelemetry/resources'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base'
import pino from 'pino'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCore } from '../../src/core/core'
import { launchChromium, screenshot } from '../helpers/browser'
import {
  fixturesDir,
  makeDataDir,
  postOtlp,
  removeDir,
  startTestCore,
  type TestCore,
} from '../helpers/core'

let browser: Browser

beforeAll(async () => {
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
})

async function openUi(loupe: TestCore, hash = ''): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(error.message))
  await page.goto(`${loupe.uiUrl}/?token=${loupe.core.discovery.token}${hash}`)
  ;(page as Page & { problems: string[] }).problems = problems
  return page
}

function pageErrors(page: Page): string[] {
  return (page as Page & { problems: string[] }).problems
}

describe('trace list', () => {
  let loupe: TestCore

  beforeAll(async () => {
    loupe = await startTestCore()
  })

  afterAll(async () => {
    await loupe.stop()
    removeDir(loupe.dataDir)
  })

  it('explains how to connect when empty', async () => {
    const page = await openUi(loupe)
    await page.getByText('Load demo traces').waitFor()
    const text = await page.locator('body').innerText()
    expect(text).toContain(`OTEL_EXPORTER_OTLP_ENDPOINT=${loupe.otlpHttpUrl}`)
    expect(text).toContain('LOGFIRE_SEND_TO_LOGFIRE=false')
    expect(page.url()).not.toContain('token=')
    await screenshot(page, 'trace-list-empty')
    expect(pageErrors(page)).toEqual([])
    await page.close()
  })

  it('shows a new trace without reload', async () => {
    const page = await openUi(loupe)
    await page.getByText('Load demo traces').waitFor()
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'live-service' }),
      spanProcessors: [
        new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${loupe.otlpHttpUrl}/v1/traces` })),
      ],
    })
    const span = provider.getTracer('e2e').startSpan('live request')
    span.end()
    await provider.forceFlush()
    const traceId = span.spanContext().traceId
    const row = page.locator(`[data-testid="trace-row"][data-trace-id="${traceId}"]`)
    await row.waitFor({ timeout: 5000 })
    expect(await row.innerText()).toContain('live request')
    expect(await row.innerText()).toContain('live-service')
    await screenshot(page, 'trace-list-live')
    await provider.shutdown()
    await page.close()
  })

  it('opens a trace by id in upper case', async () => {
    const body = readFileSync(join(fixturesDir, 'cases/c01-uppercase-hex.json'))
    const sent = await postOtlp(loupe.otlpHttpUrl, '/v1/traces', body, {
      'Content-Type': 'application/json',
    })
    expect(sent.status).toBe(200)
    const page = await openUi(loupe)
    await page.locator('#open-trace-id').fill('E4B7C2A19F0D3E5B6A7C8D9E0F1A2B3C')
    await page.getByRole('button', { name: 'Open', exact: true }).click()
    await page.getByTestId('span-tree').waitFor()
    expect(await page.getByTestId('trace-id').innerText()).toBe('e4b7c2a19f0d3e5b6a7c8d9e0f1a2b3c')
    expect(await page.getByTestId('trace-span-count').innerText()).toBe('2 spans')
    await page.close()
  })
})

describe('demo traces', () => {
  let loupe: TestCore

  beforeAll(async () => {
    loupe = await startTestCore()
  })

  afterAll(async () => {
    await loupe.stop()
    removeDir(loupe.dataDir)
  })

  it('loads the demo and opens the failed pydantic-ai run', async () => {
    const page = await openUi(loupe)
    await page.getByRole('button', { name: 'Load demo traces' }).click()
    const rows = page.locator('[data-testid="trace-row"]')
    await rows.filter({ hasText: 'chat_turn' }).nth(1).waitFor()
    const failed = page.locator('[data-testid="trace-row"].failed')
    expect(await failed.count()).toBe(1)
    await failed.click()

    const tree = page.getByTestId('span-tree')
    await tree.waitFor()
    expect(await page.getByTestId('trace-span-count').innerText()).toBe('4 spans')
    const names = await page.locator('[data-testid="span-row"]').allInnerTexts()
    expect(names.join('\n')).toContain('invoke_agent support_agent')
    expect(names.join('\n')).toContain('execute_tool lookup_order')

    // Collapse everything, then expand the root again from its toggle.
    await page.getByRole('button', { name: 'Collapse all' }).click()
    expect(await page.locator('[data-testid="span-row"]').count()).toBe(1)
    await page
      .locator('[data-testid="span-row"]')
      .first()
      .getByRole('button', { name: 'Expand' })
      .click()
    await page
      .locator('[data-testid="span-row"]', { hasText: 'invoke_agent support_agent' })
      .waitFor()
    await page.getByRole('button', { name: 'Expand all' }).click()

    await page.locator('[data-testid="span-row"]', { hasText: 'execute_tool lookup_order' }).click()
    const detail = page.getByTestId('span-detail')
    await detail.getByText('gen_ai.tool.name').first().waitFor()
    const detailText = await detail.innerText()
    expect(detailText).toContain('lookup_order')
    expect(detailText).toContain('KeyError')
    expect(await page.getByTestId('exception').count()).toBeGreaterThan(0)
    await screenshot(page, 'trace-demo-failed-tool')
    expect(pageErrors(page)).toEqual([])
    await page.close()
  })
})

/** One trace of 50,000 spans: a root, steps every 50 spans, and children under each step. */
function buildBigTrace(): { spans: ReadableSpan[]; lastSpanId: string; traceId: string } {
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'big-trace' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  })
  const tracer = provider.getTracer('e2e')
  const start = Date.UTC(2026, 2, 2, 3, 0, 0)
  const root = tracer.startSpan('invoke_agent research_swarm', { startTime: start })
  const rootContext = trace.setSpan(context.active(), root)
  let step = root
  let last = root
  for (let i = 1; i < 50_000; i++) {
    const at = start + i
    if (i % 50 === 1) {
      step?.end(at)
      step = tracer.startSpan(`step ${Math.floor(i / 50)}`, { startTime: at }, rootContext)
      continue
    }
    last = tracer.startSpan(
      `tool call ${i}`,
      { startTime: at },
      trace.setSpan(context.active(), step),
    )
    last.end(at + 1)
  }
  step.end(start + 50_000)
  root.end(start + 50_001)
  return {
    spans: exporter.getFinishedSpans(),
    lastSpanId: last.spanContext().spanId,
    traceId: root.spanContext().traceId,
  }
}

describe('50,000-span trace', () => {
  let loupe: TestCore
  let big: ReturnType<typeof buildBigTrace>

  beforeAll(async () => {
    loupe = await startTestCore()
    big = buildBigTrace()
    expect(big.spans).toHaveLength(50_000)
    const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(big.spans)!)
    const sent = await postOtlp(loupe.otlpHttpUrl, '/v1/traces', body, {
      'Content-Type': 'application/x-protobuf',
    })
    expect(sent.status).toBe(200)
  })

  afterAll(async () => {
    await loupe.stop()
    removeDir(loupe.dataDir)
  })

  it('opens with all spans counted and few rows rendered', async () => {
    const page = await openUi(loupe, `#/trace/${big.traceId}`)
    await page.getByTestId('span-tree').waitFor()
    expect(await page.getByTestId('trace-span-count').innerText()).toBe('50,000 spans')
    const rendered = await page.locator('[data-testid="span-row"]').count()
    expect(rendered).toBeGreaterThan(10)
    expect(rendered).toBeLessThan(200)
    await screenshot(page, 'trace-50k-top')
    await page.close()
  })

  it('shows first rows before all spans load', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
    // Hold every page after the first until the first rows have been checked.
    let releaseLaterPages = () => {}
    const laterPagesReleased = new Promise<void>((resolve) => (releaseLaterPages = resolve))
    const laterPageRequests: string[] = []
    await page.route(/\/api\/traces\/[0-9a-f]+\/tree\?.*after=/, async (route) => {
      laterPageRequests.push(route.request().url())
      await laterPagesReleased
      await route.continue()
    })
    await page.goto(`${loupe.uiUrl}/?token=${loupe.core.discovery.token}#/trace/${big.traceId}`)
    const firstRow = page.locator('[data-testid="span-row"]').first()
    await firstRow.waitFor()
    expect(await firstRow.innerText()).toContain('invoke_agent research_swarm')
    const note = page.getByTestId('tree-loading')
    expect(await note.innerText()).toBe('loading 1,000 of 50,000 spans…')
    expect(await page.getByTestId('shown-count').innerText()).toContain('49,000 not loaded yet')
    await screenshot(page, 'trace-50k-first-page')

    releaseLaterPages()
    await note.waitFor({ state: 'detached', timeout: 30_000 })
    expect(await page.locator('.shown-count').innerText()).toBe('all 50,000 spans shown')
    expect(laterPageRequests.length).toBeGreaterThan(0)
    await page.close()
  })

  it('reaches the last span by keyboard', async () => {
    const page = await openUi(loupe, `#/trace/${big.traceId}`)
    const tree = page.getByTestId('span-tree')
    await tree.waitFor()
    await page.getByTestId('tree-loading').waitFor({ state: 'detached', timeout: 30_000 })
    await tree.focus()
    await page.keyboard.press('End')
    const lastRow = page.locator(`[data-testid="span-row"][data-span-id="${big.lastSpanId}"]`)
    await lastRow.waitFor({ timeout: 5000 })
    expect(await lastRow.getAttribute('aria-selected')).toBe('true')
    expect(await lastRow.innerText()).toContain('tool call 49999')
    expect(await page.locator('[data-testid="span-row"]').count()).toBeLessThan(200)
    await screenshot(page, 'trace-50k-end-key')
    await page.close()
  })

  it('reaches the last span by scrolling', async () => {
    const page = await openUi(loupe, `#/trace/${big.traceId}`)
    const tree = page.getByTestId('span-tree')
    await tree.waitFor()
    await page.getByTestId('tree-loading').waitFor({ state: 'detached', timeout: 30_000 })
    for (let i = 0; i < 5; i++) {
      await tree.evaluate((element) => element.scrollTo({ top: element.scrollHeight }))
      await page.waitForTimeout(100)
    }
    const lastRow = page.locator(`[data-testid="span-row"][data-span-id="${big.lastSpanId}"]`)
    await lastRow.waitFor({ timeout: 5000 })
    expect(await lastRow.isVisible()).toBe(true)
    expect(await page.locator('[data-testid="span-row"]').count()).toBeLessThan(200)
    await screenshot(page, 'trace-50k-scrolled')
    expect(pageErrors(page)).toEqual([])
    await page.close()
  })
  // Runs last because it adds a span to the big trace.
  it('adds a span sent mid-load once', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
    const problems: string[] = []
    page.on('pageerror', (error) => problems.push(error.message))
    let releaseLaterPages = () => {}
    const laterPagesReleased = new Promise<void>((resolve) => (releaseLaterPages = resolve))
    await page.route(/\/api\/traces\/[0-9a-f]+\/tree\?.*after=/, async (route) => {
      await laterPagesReleased
      await route.continue()
    })
    await page.goto(`${loupe.uiUrl}/?token=${loupe.core.discovery.token}#/trace/${big.traceId}`)
    const note = page.getByTestId('tree-loading')
    await note.waitFor()

    const root = big.spans.find((span) => span.parentSpanContext === undefined)!
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'big-trace' }),
      spanProcessors: [
        new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${loupe.otlpHttpUrl}/v1/traces` })),
      ],
    })
    const parent = trace.setSpanContext(context.active(), root.spanContext())
    const late = provider.getTracer('e2e').startSpan('late arrival', {}, parent)
    late.end()
    await provider.forceFlush()
    await provider.shutdown()
    releaseLaterPages()

    await note.waitFor({ state: 'detached', timeout: 30_000 })
    await expect
      .poll(() => page.locator('.shown-count').innerText(), { timeout: 30_000 })
      .toBe('all 50,001 spans shown')
    await page.getByPlaceholder('Search spans').fill('late arrival')
    await expect.poll(() => page.getByTestId('match-count').innerText()).toBe('1 match')
    expect(problems).toEqual([])
    await page.close()
  })
})

describe('port conflict', () => {
  it('says who holds the OTLP port and what to set', async () => {
    const held: Server = createServer()
    await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', () => resolve()))
    const address = held.address()
    const port = typeof address === 'object' && address ? address.port : 0
    const dataDir = makeDataDir()
    const core = await startCore({
      dataDir,
      otlpHttpPort: port,
      otlpGrpcPort: 0,
      uiPort: 0,
      fallbackOnConflict: true,
      logger: pino({ level: 'silent' }),
    })
    try {
      const status = core.status()
      const page = await browser.newPage()
      await page.goto(core.uiUrlWithToken)
      const banner = page.locator('.port-banner')
      await banner.waitFor()
      const text = await banner.innerText()
      expect(text).toContain(`Port ${port} (OTLP/HTTP) is in use by`)
      expect(text).toContain(`pid ${process.pid}`)
      expect(text).toContain(`OTEL_EXPORTER_OTLP_ENDPOINT=${status.otlpHttpUrl}`)
      await screenshot(page, 'port-conflict-banner')
      await page.close()
    } finally {
      await core.stop()
      held.close()
      removeDir(dataDir)
    }
  })
})
