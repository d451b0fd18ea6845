// The dashboards page and the SQL explorer in headless Chromium, over a
// store seeded with 300 copies of real pydantic-ai and AI SDK traces
// (test/helpers/seed-runs.ts). The cost dashboard shows each model's cost
// and its hover values, and a panel opens in the SQL explorer with its
// chart. A query typed in the explorer runs with Ctrl+Enter and shows its
// rows and its chart. The explorer offers completion and shows the core's
// errors, and a chart is pinned to the dashboards and removed again. Every page checks that the
// Content-Security-Policy blocked nothing and that no script error occurred.

import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeClean, launchChromium, openLoupePage, screenshot } from '../helpers/browser'
import { removeDir, startTestCore, type TestCore } from '../helpers/core'
import { missingPythonMessage, testPython } from '../helpers/python'
import { seedCost, seedStore, type SeededStore } from '../helpers/seed-runs'

const python = testPython()
if (!python && process.env.CI) throw new Error(missingPythonMessage)

const DAY_MS = 24 * 3_600_000

let browser: Browser
let loupe: TestCore
let seeded: SeededStore

beforeAll(async () => {
  browser = await launchChromium()
  loupe = await startTestCore()
  if (python) seeded = await seedStore(loupe, python, { runs: 300, seed: 7 })
}, 600_000)

afterAll(async () => {
  await browser?.close()
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

function panel(page: Page, id: string): Locator {
  return page.locator(`[data-testid="panel"][data-panel-id="${id}"]`)
}

async function legend(chart: Locator): Promise<string[]> {
  return (await chart.locator('.chart-legend-item').allInnerTexts()).map((text) => text.trim())
}

/** Replaces the SQL editor's text; Monaco takes typed text, not `fill`. */
async function setSql(page: Page, sql: string): Promise<void> {
  await page.getByTestId('sql-editor').locator('.monaco-editor').click()
  await page.keyboard.press('Control+A')
  await page.keyboard.press('Delete')
  await page.keyboard.insertText(sql)
}

function hourOf(ns: bigint): string {
  return new Date(Math.round(Number(ns) / 1e6)).toISOString().slice(0, 13).replace('T', ' ')
}

describe.skipIf(!python)('dashboards page', () => {
  it('cost dashboard shows model costs', async () => {
    const from = new Date(seeded.nowMs - DAY_MS).toISOString()
    const to = new Date(seeded.nowMs).toISOString()
    const opened = await openLoupePage(browser, loupe, `#/dashboards?from=${from}&to=${to}`)
    const { page } = opened
    const cost = panel(page, 'cost-by-model')
    await cost.getByTestId('chart').waitFor()

    // Expected from the plan: each model's cost in the last hour bucket that has calls.
    const calls = seeded.runs
      .flatMap((run) => run.calls)
      .filter((call) => {
        const ms = Math.round(Number(call.startNs) / 1e6)
        return ms >= seeded.nowMs - DAY_MS && ms < seeded.nowMs
      })
    const models = [...new Set(calls.map((call) => call.model))].sort()
    expect((await legend(cost)).sort()).toEqual(models)
    const lastHour = calls
      .map((call) => hourOf(call.startNs))
      .sort()
      .at(-1)!
    const lastCosts = new Map<string, number>()
    for (const call of calls) {
      if (hourOf(call.startNs) !== lastHour) continue
      lastCosts.set(call.model, (lastCosts.get(call.model) ?? 0) + seedCost(call))
    }

    const plot = cost.locator('.chart-hit-area')
    const box = (await plot.boundingBox())!
    await page.mouse.move(box.x + box.width - 1, box.y + box.height / 2)
    const hover = cost.getByTestId('chart-hover')
    await hover.waitFor()
    const text = await hover.innerText()
    expect(text).toContain(`${lastHour}:00 UTC`)
    for (const [model, value] of lastCosts) {
      // The hover shows three significant digits, such as $0.000368.
      const shown = new RegExp(`${model}\\s+\\$([\\d.]+)`).exec(text)
      expect(shown, `hover value of ${model}`).not.toBeNull()
      const difference = Math.abs(Number(shown![1]) - value) / value
      expect(difference, `hover value of ${model}`).toBeLessThan(0.005)
    }
    await screenshot(page, 'dashboards-cost')

    await cost.getByTestId('show-sql').click()
    expect(await cost.getByTestId('panel-sql').innerText()).toContain('FROM model_calls')
    for (const id of ['cost-by-provider', 'cost-by-agent', 'cost-by-route', 'tokens']) {
      await panel(page, id).getByTestId('chart').waitFor()
    }
    await page.mouse.move(0, 0)
    await screenshot(page, 'dashboards-cost-sql')

    await cost.getByTestId('open-in-explorer').click()
    await page.getByTestId('sql-page').waitFor()
    const chart = page.getByTestId('chart')
    await chart.waitFor()
    expect((await legend(chart)).sort()).toEqual(models)
    expect(await page.getByTestId('chart-x').inputValue()).toBe('hour')
    expect(await page.getByTestId('chart-series').inputValue()).toBe('model')
    await screenshot(page, 'dashboards-open-in-explorer')
    await closeClean(opened)
  })

  it('explorer runs a query and charts it', async () => {
    const opened = await openLoupePage(browser, loupe, '#/sql')
    const { page } = opened
    await page.getByTestId('sql-editor').locator('.monaco-editor').waitFor()
    const sql =
      'SELECT agent_name, count(*) AS runs, sum(cost_usd) AS cost_usd\nFROM agent_runs\nGROUP BY agent_name\nORDER BY agent_name'
    await setSql(page, sql)
    await page.keyboard.press('Control+Enter')
    await page.getByTestId('result-table').waitFor()

    const expected = new Map<string, { runs: number; cost: number }>()
    for (const run of seeded.runs) {
      const totals = expected.get(run.agentName) ?? { runs: 0, cost: 0 }
      totals.runs++
      totals.cost += run.calls.reduce((sum, call) => sum + seedCost(call), 0)
      expected.set(run.agentName, totals)
    }
    const agents = [...expected.keys()].sort()
    const rows = page.getByTestId('result-row')
    await expect.poll(() => rows.count()).toBe(agents.length)
    for (const [index, agent] of agents.entries()) {
      const cells = await rows.nth(index).locator('[role="cell"]').allInnerTexts()
      expect(cells[0]).toBe(agent)
      expect(Number(cells[1])).toBe(expected.get(agent)!.runs)
      expect(Number(cells[2])).toBeCloseTo(expected.get(agent)!.cost, 9)
    }
    expect(await page.getByTestId('query-status').innerText()).toMatch(
      new RegExp(`^${agents.length} rows in .* · row limit 10,000$`),
    )
    // The query that ran is in the URL, so the link shares it.
    const hash = new URL(page.url()).hash
    expect(new URLSearchParams(hash.slice(hash.indexOf('?') + 1)).get('q')).toBe(sql)

    await page.getByTestId('view-chart').click()
    const chart = page.getByTestId('chart')
    await chart.waitFor()
    expect(await chart.getAttribute('data-chart-type')).toBe('bar')
    expect(await legend(chart)).toEqual(['cost_usd'])
    expect(await chart.locator('.chart-bar').count()).toBe(agents.length)
    expect(await chart.locator('.chart-x-axis text').allTextContents()).toEqual(agents)
    await screenshot(page, 'sql-explorer-chart')

    await page.getByTestId('pin-title').fill('Cost by agent, all time')
    await page.getByRole('button', { name: 'Pin to dashboards' }).click()
    await page.getByTestId('pin-notice').waitFor()
    await page.getByTestId('pin-notice').getByRole('link').click()
    await page.getByTestId('dashboards-page').waitFor()
    const pinned = page.getByTestId('pinned-panels').getByTestId('panel')
    await pinned.getByTestId('chart').waitFor()
    expect(await pinned.locator('h3').innerText()).toBe('Cost by agent, all time')
    expect(await pinned.locator('.chart-bar').count()).toBe(agents.length)
    await pinned.scrollIntoViewIfNeeded()
    await screenshot(page, 'dashboards-pinned')
    await pinned.getByTestId('remove-pinned').click()
    await page.getByTestId('no-pinned').waitFor()
    await closeClean(opened)
  })

  it('explorer completes columns and shows errors', async () => {
    const opened = await openLoupePage(browser, loupe, '#/sql')
    const { page } = opened
    await page.getByTestId('sql-editor').locator('.monaco-editor').waitFor()
    await setSql(page, 'SELECT * FROM model_calls m WHERE ')
    await page.keyboard.type('m.')
    const suggestions = page.locator('.monaco-editor .suggest-widget')
    await suggestions.waitFor()
    await expect.poll(() => suggestions.innerText()).toContain('cost_usd')
    expect(await suggestions.innerText()).not.toContain('agent_runs')
    await screenshot(page, 'sql-explorer-completion')
    await page.keyboard.press('Escape')

    await setSql(page, 'SELECT * FROM nope')
    await page.getByTestId('run-query').click()
    // Monaco has role="alert" elements of its own, so the notice is found by its class.
    const notice = page.locator('.error-notice')
    await notice.waitFor()
    expect(await notice.innerText()).toContain('invalid SQL: no such table: nope')

    await setSql(
      page,
      'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n',
    )
    await page.getByLabel('Time limit (s)').fill('1')
    await page.getByTestId('run-query').click()
    await expect
      .poll(() => notice.innerText(), { timeout: 15_000 })
      .toContain('the query timed out after 1000 ms and was stopped')
    expect(await notice.innerText()).toContain('or raise the "Time limit (s)" field (at most 60 s)')
    expect(await notice.innerText()).not.toContain('timeoutMs')
    await screenshot(page, 'sql-explorer-timeout')
    await closeClean(opened)
  })
})
