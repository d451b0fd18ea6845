// The evals pages in headless Chromium, over two runs of the pydantic_evals
// experiment in test/interop/eval_experiment.py (a pydantic-ai agent on the
// gateway's mock model, with Logfire sending to Loupe). The case table
// highlights the case that failed an assertion and opens a case's span in
// the trace view. The comparison marks the regression, the fix and the case
// only the second run has. Every page checks that the Content-Security-Policy
// blocked nothing and that no script error occurred.

import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ExperimentDetail } from '../../src/shared/evals'
import { closeClean, launchChromium, openLoupePage, screenshot } from '../helpers/browser'
import { postOtlp, removeDir, startTestCore, type TestCore } from '../helpers/core'
import {
  missingPydanticEvals,
  runExperiment,
  twoExperimentsTrace,
  waitForExperiment,
} from '../helpers/evals'
import { missingPythonMessage, testPython } from '../helpers/python'

const python = testPython()
if (!python && process.env.CI) throw new Error(missingPythonMessage)
const missingEvals = python ? missingPydanticEvals(python) : null
if (missingEvals !== null && process.env.CI) throw new Error(missingEvals)
const runnable = python !== null && missingEvals === null

const VIEWPORT = { width: 1400, height: 900 }

let browser: Browser
let loupe: TestCore
let v1: ExperimentDetail
let v2: ExperimentDetail

beforeAll(async () => {
  browser = await launchChromium()
  loupe = await startTestCore()
  if (!runnable) return
  const first = await runExperiment(loupe, python!, '1')
  const second = await runExperiment(loupe, python!, '2', ['france', 'spain', 'atlantis'])
  v1 = await waitForExperiment(loupe, first.report.traceId, (d) => d.cases.length === 2)
  v2 = await waitForExperiment(loupe, second.report.traceId, (d) => d.cases.length === 3)
}, 180_000)

afterAll(async () => {
  await browser?.close()
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

describe.skipIf(!runnable)('evals UI', () => {
  it('case table highlights the failure', async () => {
    const opened = await openLoupePage(browser, loupe, '#/evals', { viewport: VIEWPORT })
    const { page } = opened
    const rows = page.getByTestId('experiment-row')
    await rows.nth(1).waitFor()
    expect(await rows.count()).toBe(2)
    const v1Row = page.locator(
      `[data-testid="experiment-row"][data-experiment-id="${v1.experiment.id}"]`,
    )
    expect(await v1Row.getByTestId('experiment-pass-rate').innerText()).toBe('50%')

    await v1Row.getByRole('link', { name: 'capitals v1' }).click()
    await page.getByTestId('case-table').waitFor()
    expect(await page.getByTestId('experiment-name').innerText()).toBe('capitals v1')
    expect(await page.getByTestId('total-failed').innerText()).toBe('1')
    expect(await page.getByTestId('total-pass-rate').innerText()).toBe('50% (2 of 4)')

    const caseRows = page.getByTestId('case-row')
    expect(
      await caseRows.evaluateAll((list) => list.map((row) => row.dataset['caseName'])),
    ).toEqual(['france', 'spain'])
    const spain = page.locator('[data-testid="case-row"][data-case-name="spain"]')
    const france = page.locator('[data-testid="case-row"][data-case-name="france"]')
    expect(await spain.getAttribute('data-outcome')).toBe('failed')
    expect(await france.getAttribute('data-outcome')).toBe('passed')
    expect(await spain.getByTestId('case-outcome').innerText()).toBe('failed')
    expect(await spain.getByTestId('case-output').innerText()).toBe('Barcelona')

    // The failed case is drawn on the error background, and the passed one is not.
    const background = (row: typeof spain) =>
      row.evaluate(
        (element) => element.ownerDocument.defaultView!.getComputedStyle(element).backgroundColor,
      )
    expect(await background(spain)).not.toBe(await background(france))
    const failedAssertions = spain.locator('[data-testid="assertion"][data-passed="false"]')
    expect(await failedAssertions.allInnerTexts()).toEqual([
      '✗ EqualsExpected',
      "✗ MatchesCity: expected 'Madrid', got 'Barcelona'",
    ])
    const failedColor = await failedAssertions
      .first()
      .evaluate((element) => element.ownerDocument.defaultView!.getComputedStyle(element).color)
    const passedColor = await france
      .getByTestId('assertion')
      .first()
      .evaluate((element) => element.ownerDocument.defaultView!.getComputedStyle(element).color)
    expect(failedColor).not.toBe(passedColor)
    await screenshot(page, 'evals-case-table')

    const spainCase = v1.cases.find((c) => c.name === 'spain')!
    await spain.click()
    await page.waitForURL(`**#/trace/${spainCase.traceId}/${spainCase.spanId}`)
    const selected = page.locator(`[data-testid="span-row"][data-span-id="${spainCase.spanId}"]`)
    await selected.waitFor()
    expect(await selected.getAttribute('aria-selected')).toBe('true')
    const detailName = page.getByTestId('span-detail').getByTestId('span-detail-name')
    await detailName.waitFor()
    expect(await detailName.innerText()).toBe('case: {case_name}')
    expect(await page.locator('.span-title-heading').innerText()).toBe('case: spain')
    await screenshot(page, 'evals-case-trace')
    await closeClean(opened)
  })

  it('case error shows in the table', async () => {
    const opened = await openLoupePage(browser, loupe, `#/evals/${v2.experiment.id}`, {
      viewport: VIEWPORT,
    })
    const { page } = opened
    const atlantis = page.locator('[data-testid="case-row"][data-case-name="atlantis"]')
    await atlantis.waitFor()
    expect(await atlantis.getAttribute('data-outcome')).toBe('error')
    expect(await atlantis.getByTestId('case-error').innerText()).toContain(
      'ModelRequestRejectedError: ',
    )
    expect(await atlantis.getByTestId('case-error').innerText()).toContain(
      'Atlantis is not a country.',
    )
    expect(await page.getByTestId('total-errors').innerText()).toBe('1')
    await closeClean(opened)
  })

  it('compare view lines up cases', async () => {
    const opened = await openLoupePage(browser, loupe, '#/evals', { viewport: VIEWPORT })
    const { page } = opened
    await page.getByTestId('experiment-row').nth(1).waitFor()
    // Select the newer run first: the comparison still puts the older one as A.
    await page.getByRole('checkbox', { name: 'Select capitals v2 to compare' }).check()
    await page.getByRole('checkbox', { name: 'Select capitals v1 to compare' }).check()
    await page.getByTestId('compare-selected').click()
    await page.waitForURL(`**#/evals/compare/${v1.experiment.id}/${v2.experiment.id}`)
    await page.getByTestId('compare-table').waitFor()

    const rows = page.getByTestId('compare-row')
    const row = (name: string) =>
      page.locator(`[data-testid="compare-row"][data-case-name="${name}"]`)
    expect(await rows.evaluateAll((list) => list.map((r) => r.dataset['caseName']))).toEqual([
      'france',
      'spain',
      'atlantis',
    ])
    expect(await row('france').getAttribute('data-mark')).toBe('regression')
    expect(await row('spain').getAttribute('data-mark')).toBe('fix')
    expect(await row('atlantis').getAttribute('data-change')).toBe('only_b')
    expect(await row('france').getByTestId('case-change').allInnerTexts()).toEqual([
      'EqualsExpected ✓ → ✗',
      'MatchesCity ✓ → ✗',
      'conciseness 1 → 0.333 (−0.667)',
      'answer_form city → sentence',
    ])
    expect(await page.getByTestId('compare-regressions').innerText()).toBe(
      'Regressions (passed in A, not in B): france',
    )
    expect(await page.getByTestId('compare-fixes').innerText()).toBe(
      'Fixes (failed in A, passed in B): spain',
    )
    const errors = page.locator('[data-testid="compare-total"][data-label="Errors"] td')
    expect(await errors.allInnerTexts()).toEqual(['0', '1', '+1'])
    await screenshot(page, 'evals-compare')
    await closeClean(opened)
  })

  it('experiment page offers a comparison', async () => {
    const opened = await openLoupePage(browser, loupe, `#/evals/${v2.experiment.id}`, {
      viewport: VIEWPORT,
    })
    const { page } = opened
    await page.getByTestId('case-table').waitFor()
    await page.getByTestId('compare-with').selectOption(v1.experiment.id)
    await page.getByRole('button', { name: 'Compare', exact: true }).click()
    await page.waitForURL(`**#/evals/compare/${v1.experiment.id}/${v2.experiment.id}`)
    await page.getByTestId('compare-table').waitFor()
    await closeClean(opened)
  })

  it('list shows new experiments', async () => {
    const opened = await openLoupePage(browser, loupe, '#/evals', { viewport: VIEWPORT })
    const { page } = opened
    const rows = page.getByTestId('experiment-row')
    await rows.nth(1).waitFor()
    const third = await runExperiment(loupe, python!, '2', ['spain'])
    const detail = await waitForExperiment(loupe, third.report.traceId, (d) => d.cases.length === 1)
    // The list reloads on its own when the experiment's spans arrive.
    const newRow = page.locator(
      `[data-testid="experiment-row"][data-experiment-id="${detail.experiment.id}"]`,
    )
    await newRow.waitFor({ timeout: 15_000 })
    expect(await rows.count()).toBe(3)
    expect(await rows.first().getAttribute('data-experiment-id')).toBe(detail.experiment.id)
    expect(await newRow.getByTestId('experiment-pass-rate').innerText()).toBe('100%')

    // Experiments under another root span show after Reload.
    const traceId = '0e7a0e7a0e7a0e7a0e7a0e7a0e7a0e7a'
    const startNs = (BigInt(Date.now()) - 3_600_000n) * 1_000_000n
    const { status } = await postOtlp(
      loupe.otlpHttpUrl,
      '/v1/traces',
      JSON.stringify(twoExperimentsTrace(traceId, startNs)),
      { 'Content-Type': 'application/json' },
    )
    expect(status).toBe(200)
    await page.getByTestId('reload-experiments').click()
    await page
      .locator('[data-testid="experiment-row"][data-experiment-id="e000000000000002"]')
      .waitFor()
    expect(await rows.count()).toBe(5)
    await closeClean(opened)
  })
})
