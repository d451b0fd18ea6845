// Page layout in headless Chromium at wide and narrow window sizes. The
// filter bars of the tail, logs and sessions pages stay one row, and the top
// bar keeps every link on screen at 800 and 600 px. The trace table fits its
// last column in a 1024 px window, and pages share one title size. The trace
// list names a Logfire span by its formatted message
// (test/interop/templated_turn.py), and a link to a trace id that is not
// hexadecimal says the id is invalid.

import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeClean, launchChromium, openLoupePage, screenshot } from '../helpers/browser'
import {
  agentEnv,
  postOtlp,
  removeDir,
  repoRoot,
  startTestCore,
  type TestCore,
} from '../helpers/core'
import { waitForTrace } from '../helpers/fastapi-example'
import { missingPythonMessage, testPython } from '../helpers/python'

const execFileAsync = promisify(execFile)
const python = testPython()
if (!python && process.env.CI) throw new Error(missingPythonMessage)

const TOP_BAR_LINKS = [
  'Traces',
  'Playground',
  'Live tail',
  'Logs',
  'Sessions',
  'Dashboards',
  'SQL',
  'Prices',
  'Check',
  'Evals',
  'Alerts',
  'Settings',
]

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

interface Box {
  x: number
  y: number
  width: number
  height: number
}

async function boxOf(locator: Locator): Promise<Box> {
  const box = await locator.boundingBox()
  expect(box).not.toBeNull()
  return box!
}

/** Returns the boxes of an element's visible children. */
async function childBoxes(parent: Locator): Promise<Box[]> {
  const children = parent.locator(':scope > *')
  const boxes: Box[] = []
  for (let index = 0; index < (await children.count()); index++) {
    const box = await children.nth(index).boundingBox()
    if (box !== null && box.width > 0) boxes.push(box)
  }
  return boxes
}

/** Returns whether the point at an element's center hits it, so that a click would reach it. */
async function isOnTop(page: Page, target: Locator): Promise<boolean> {
  const box = await boxOf(target)
  const x = box.x + box.width / 2
  const y = box.y + box.height / 2
  await target.evaluate((element) => element.setAttribute('data-hit-target', ''))
  const hit = await page.evaluate<boolean>(
    `document.elementFromPoint(${x}, ${y})?.closest('[data-hit-target]') != null`,
  )
  await target.evaluate((element) => element.removeAttribute('data-hit-target'))
  return hit
}

describe('filter bars', () => {
  for (const [hash, name] of [
    ['#/tail', 'tail'],
    ['#/logs', 'logs'],
    ['#/sessions', 'sessions'],
  ] as const) {
    it(`keep the ${name} filters in one row`, async () => {
      const opened = await openLoupePage(browser, loupe, hash, {
        viewport: { width: 1400, height: 800 },
      })
      const { page } = opened
      const bar = page.locator('.trace-filters').first()
      await bar.waitFor()
      const boxes = await childBoxes(bar)
      expect(boxes.length).toBeGreaterThan(1)
      const tallest = Math.max(...boxes.map((box) => box.height))
      const tops = boxes.map((box) => box.y)
      // Every field starts within one field's height of the first: one row, not a stack.
      expect(Math.max(...tops) - Math.min(...tops)).toBeLessThan(tallest)
      expect((await boxOf(bar)).height).toBeLessThan(2 * tallest)
      // The placeholder fits its box: its text, measured in the input's font, is no wider.
      const room = await page.evaluate<{ text: number; box: number }>(`(() => {
        const input = document.querySelector('.trace-filters .trace-text-filter')
        const style = getComputedStyle(input)
        const probe = document.createElement('span')
        probe.style.font = style.font
        probe.style.whiteSpace = 'pre'
        probe.textContent = input.placeholder
        document.body.append(probe)
        const text = probe.getBoundingClientRect().width
        probe.remove()
        const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight)
        return { text, box: input.clientWidth - padding }
      })()`)
      expect(room.text).toBeLessThanOrEqual(room.box)
      await screenshot(page, `layout-${name}-filters`)
      await closeClean(opened)
    })
  }
})

describe('top bar', () => {
  for (const width of [800, 600]) {
    it(`reaches every link at ${width} px`, async () => {
      const opened = await openLoupePage(browser, loupe, '', { viewport: { width, height: 700 } })
      const { page } = opened
      const nav = page.locator('.top-bar nav')
      await nav.waitFor()
      const links = nav.getByRole('link')
      expect(await links.allInnerTexts()).toEqual(TOP_BAR_LINKS)

      const lineHeight = (await boxOf(nav.getByRole('link', { name: 'Traces' }))).height
      for (const name of TOP_BAR_LINKS) {
        const link = nav.getByRole('link', { name, exact: true })
        const box = await boxOf(link)
        expect(box.x, `${name} left edge`).toBeGreaterThanOrEqual(0)
        expect(box.x + box.width, `${name} right edge`).toBeLessThanOrEqual(width)
        // A link that wraps inside itself ("Live" over "tail") is taller than one line.
        expect(box.height, `${name} height`).toBeLessThanOrEqual(lineHeight)
        expect(await isOnTop(page, link), `${name} is not covered`).toBe(true)
      }

      const pushState = page.locator('.push-state')
      await pushState.getByText('live').waitFor()
      const pushBox = await boxOf(pushState)
      expect(pushBox.x + pushBox.width).toBeLessThanOrEqual(width)
      expect(pushBox.height).toBeLessThanOrEqual(lineHeight)
      await screenshot(page, `layout-top-bar-${width}`)

      await nav.getByRole('link', { name: 'Settings' }).click()
      await page.getByTestId('settings-page').waitFor()
      expect(page.url()).toContain('#/settings')
      await closeClean(opened)
    })
  }
})

describe('page titles', () => {
  it('share one font size', async () => {
    const opened = await openLoupePage(browser, loupe, '#/logs')
    const { page } = opened
    const sizes: Record<string, string> = {}
    const titles: [string, string][] = [
      ['#/logs', 'Logs'],
      ['#/tail', 'Live tail'],
      ['#/check', 'Production-readiness check'],
      ['#/sessions', 'Sessions'],
      ['#/settings', 'Settings'],
    ]
    for (const [hash, title] of titles) {
      await page.evaluate(`location.hash = '${hash}'`)
      await page.locator('main h1', { hasText: title }).waitFor()
      sizes[hash] = await page.evaluate<string>(
        "getComputedStyle(document.querySelector('main h1')).fontSize",
      )
    }
    expect(sizes).toEqual({
      '#/logs': '18px',
      '#/tail': '18px',
      '#/check': '18px',
      '#/sessions': '18px',
      '#/settings': '18px',
    })
    await closeClean(opened)
  })
})

describe('trace page of an invalid id', () => {
  it('says the id is invalid', async () => {
    const opened = await openLoupePage(browser, loupe, '#/trace/zzzz')
    const { page } = opened
    const notice = page.getByTestId('trace-not-found')
    await notice.waitFor()
    expect(await notice.locator('h1').innerText()).toBe('Invalid trace id')
    expect(await notice.innerText()).toContain('zzzz is not a trace id')
    expect(await notice.innerText()).not.toContain('as soon as they arrive')
    await closeClean(opened)
  })
})

describe.skipIf(!python)('trace list of a Logfire turn', () => {
  let traceId: string

  beforeAll(async () => {
    const { stdout } = await execFileAsync(
      python!,
      [join(repoRoot, 'test/interop/templated_turn.py')],
      {
        env: agentEnv({
          OTEL_EXPORTER_OTLP_ENDPOINT: loupe.otlpHttpUrl,
          LOGFIRE_SEND_TO_LOGFIRE: 'false',
        }),
        timeout: 90_000,
      },
    )
    traceId = stdout.trim().split('\n').at(-1)!
    await waitForTrace(loupe, traceId)
  })

  it('shows the formatted root title', async () => {
    const opened = await openLoupePage(browser, loupe, '')
    const { page } = opened
    const row = page.locator(`[data-testid="trace-row"][data-trace-id="${traceId}"]`)
    await row.waitFor()
    const name = row.locator('.trace-name a')
    expect(await name.innerText()).toBe('turn What is the weather in Utrecht?')
    expect(await name.getAttribute('title')).toBe('Span name: turn {prompt}')
    await closeClean(opened)
  })
})

describe('trace table', () => {
  it('fits the last column at 1024 px', async () => {
    // A failed trace from yesterday with long names, listed with the Logfire turn above
    // when Python ran: the widest cells the list shows.
    const wideTraceId = 'a1de0000000000000000000000000001'
    const startNs = BigInt(Date.now() - 86_400_000) * 1_000_000n
    const span = (spanId: string, parentSpanId: string, name: string, offsetNs: bigint) => ({
      traceId: wideTraceId,
      spanId,
      parentSpanId,
      name,
      kind: 1,
      startTimeUnixNano: (startNs + offsetNs).toString(),
      endTimeUnixNano: (startNs + offsetNs + 1_500_000_000n).toString(),
      attributes: [
        { key: 'gen_ai.agent.name', value: { stringValue: 'customer_support_escalation_agent' } },
      ],
      status: { code: 2, message: 'TimeoutError: the upstream inventory service timed out' },
    })
    const body = JSON.stringify({
      resourceSpans: [
        {
          resource: {
            attributes: [
              {
                key: 'service.name',
                value: { stringValue: 'checkout-recommendation-service-eu-west-1' },
              },
            ],
          },
          scopeSpans: [
            {
              scope: { name: 'layout-e2e' },
              spans: [
                span('a1de000000000001', '', 'handle checkout recommendation request', 0n),
                span('a1de000000000002', 'a1de000000000001', 'inventory lookup', 1_000n),
              ],
            },
          ],
        },
      ],
    })
    const response = await postOtlp(loupe.otlpHttpUrl, '/v1/traces', body, {
      'Content-Type': 'application/json',
    })
    expect(response.status).toBe(200)
    await waitForTrace(loupe, wideTraceId)

    const opened = await openLoupePage(browser, loupe, '', {
      viewport: { width: 1024, height: 700 },
    })
    const { page } = opened
    const row = page.locator(`[data-testid="trace-row"][data-trace-id="${wideTraceId}"]`)
    await row.waitFor()
    const errorClass = row.getByTestId('trace-row-error-class')
    expect(await errorClass.innerText()).toContain('2 errors')
    await screenshot(page, 'layout-trace-table-1024')
    // The page does not scroll sideways: the whole last column is in view as it opens.
    const box = await boxOf(errorClass)
    expect(box.x).toBeGreaterThanOrEqual(0)
    expect(box.x + box.width).toBeLessThanOrEqual(1024)
    expect(await isOnTop(page, errorClass)).toBe(true)
    const header = page.locator('.trace-table th').last()
    expect(await header.innerText()).toContain('Error class')
    await closeClean(opened)
  })
})
