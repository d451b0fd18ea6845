// A big trace in the UI: headless Chromium opens the trace list, then the
// trace. The benchmark times until its first rows are interactive and until
// all its spans are loaded. It reads the renderer's JS heap through the
// Chrome DevTools Protocol.

import type { Page } from 'playwright-core'
import { launchChromium } from '../test/helpers/browser'
import type { ServedCore } from './serve'

export interface RendererResult {
  /** Milliseconds from the hash change to the first span row on screen. */
  firstRowsMs: number
  /** Milliseconds from the hash change until a click on a row has selected it. */
  interactiveMs: number
  /** Milliseconds from the hash change until the last page of spans is in the tree. */
  allLoadedMs: number
  heapBeforeMb: number
  heapAfterMb: number
  /** Rows in the DOM once the tree shows (the tree is virtualized). */
  rowsInDom: number
}

/** JSHeapUsedSize in MiB after a forced garbage collection. */
async function usedHeapMb(page: Page): Promise<number> {
  const session = await page.context().newCDPSession(page)
  await session.send('HeapProfiler.collectGarbage')
  await session.send('Performance.enable')
  const { metrics } = await session.send('Performance.getMetrics')
  await session.detach()
  const used = metrics.find((metric) => metric.name === 'JSHeapUsedSize')
  return used ? used.value / 2 ** 20 : NaN
}

/**
 * Opens the trace list, then navigates within the app to `traceId` (as a
 * click on the list does) and clicks the tree's second row. Throws when
 * Chromium cannot start, so the caller can print why.
 */
export async function measureBigTrace(core: ServedCore, traceId: string): Promise<RendererResult> {
  const browser = await launchChromium()
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
    await page.goto(`${core.uiUrl}/?token=${core.token}#/`)
    await page.getByTestId('trace-row').first().waitFor({ timeout: 60_000 })
    const heapBeforeMb = await usedHeapMb(page)

    const started = Date.now()
    // Strings, because this file compiles without the DOM's types.
    await page.evaluate(`window.location.hash = ${JSON.stringify(`#/trace/${traceId}`)}`)
    const rows = page.getByTestId('span-row')
    await rows.first().waitFor({ timeout: 60_000 })
    const firstRowsMs = Date.now() - started
    const target = rows.nth(1)
    await target.click()
    await page.waitForFunction(
      `document.querySelectorAll('[data-testid="span-row"]')[1]?.getAttribute('aria-selected') === 'true'`,
      undefined,
      { timeout: 60_000, polling: 'raf' },
    )
    const interactiveMs = Date.now() - started
    const rowsInDom = await rows.count()
    // The view shows a loading note until its last page of spans arrived.
    await page.getByTestId('tree-loading').waitFor({ state: 'detached', timeout: 120_000 })
    const allLoadedMs = Date.now() - started
    const heapAfterMb = await usedHeapMb(page)
    return { firstRowsMs, interactiveMs, allLoadedMs, heapBeforeMb, heapAfterMb, rowsInDom }
  } finally {
    await browser.close()
  }
}
