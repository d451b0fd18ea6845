// The alerts page in headless Chromium, over three runs of a pydantic-ai
// agent: two that a provider 401 fails and one that succeeds. A rule from
// the rules file fires when evaluated, and the page shows its state, a
// toast and the recent alert with its traces. A cost rule is created,
// tested and saved through the form, then edited until it resolves. A rule whose query writes is rejected with
// the core's reason. Every page checks that the Content-Security-Policy
// blocked nothing and that no script error occurred.

import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunJson } from '../../src/shared/api'
import { closeClean, launchChromium, openLoupePage, screenshot } from '../helpers/browser'
import {
  agentEnv,
  fixturesDir,
  makeDataDir,
  removeDir,
  repoRoot,
  runCli,
  startTestCore,
  waitForFirstAlertEvaluation,
  type TestCore,
} from '../helpers/core'
import { missingPythonMessage, testPython } from '../helpers/python'
import { waitFor } from '../helpers/sse'

const python = testPython()
if (!python && process.env.CI) throw new Error(missingPythonMessage)

const RULES = `interval: 1h
rules:
  - name: agent failures
    description: Most runs of the fault agent fail.
    kind: error_rate
    threshold: 20
    window: 15m
`

let browser: Browser
let loupe: TestCore
const failedTraceIds: string[] = []
let succeededTraceId = ''

/** Waits until the row of `rule` shows `state`. */
async function waitForState(page: Page, rule: string, state: string): Promise<void> {
  const badge = page.locator(`tr[data-rule="${rule}"] .alert-state`)
  await waitFor(`${rule} to show ${state}`, async () =>
    (await badge.count()) === 1 && (await badge.innerText()) === state ? true : undefined,
  )
}

/** Runs the fault agent against a gateway scenario and returns its trace id. */
async function runAgent(scenario: string): Promise<string> {
  const result = await runCli(
    [
      'run',
      '--json',
      '--data',
      loupe.dataDir,
      '--mock',
      join(fixturesDir, 'gateway-scenarios', scenario),
      '--',
      python!,
      join(repoRoot, 'test/interop/fault_agent.py'),
      'openai-chat:gpt-4o-mini',
    ],
    agentEnv(),
  )
  const run = JSON.parse(result.stdout.slice(result.stdout.indexOf('{\n'))) as RunJson
  expect(run.errorClass).toBe(scenario === 'weather.yaml' ? 'none' : 'provider_rejected')
  const report = run.output!.split('\n').find((line) => line.startsWith('{"error"'))!
  return (JSON.parse(report) as { traceId: string }).traceId
}

beforeAll(async () => {
  browser = await launchChromium()
  const dataDir = makeDataDir('loupe-alerts-e2e-')
  writeFileSync(join(dataDir, 'alerts.yaml'), RULES)
  loupe = await startTestCore(dataDir)
  await waitForFirstAlertEvaluation(loupe)
  if (python) {
    for (let i = 0; i < 2; i++) failedTraceIds.push(await runAgent('unauthorized.yaml'))
    succeededTraceId = await runAgent('weather.yaml')
  }
})

afterAll(async () => {
  await browser?.close()
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

describe.skipIf(!python)('alerts page', () => {
  it('shows a firing rule, its toast and its alert', async () => {
    const opened = await openLoupePage(browser, loupe, '#/alerts')
    const { page } = opened
    const row = page.locator('tr[data-rule="agent failures"]')
    await row.waitFor()
    expect(await row.innerText()).toContain('more than 20% of agent runs failed in 15m')
    expect(await page.getByTestId('alerts-page').innerText()).toContain(
      join(loupe.dataDir, 'alerts.yaml'),
    )

    await page.getByRole('button', { name: 'Evaluate now' }).click()
    await waitForState(page, 'agent failures', 'firing')
    expect(await row.locator('td.number').innerText()).toBe('66.7%')

    const toast = page.getByTestId('alert-toast')
    await toast.waitFor()
    expect(await toast.innerText()).toContain('Alert firing: agent failures')
    expect(await toast.innerText()).toContain(
      '66.67% of 3 agent runs failed in the last 15m (threshold 20%)',
    )

    const event = page.getByTestId('alert-event').first()
    await waitFor('the alert to list its deliveries', async () =>
      (await event.innerText()).includes('desktop: delivered') ? true : undefined,
    )
    const links = await event
      .locator('.alert-traces a')
      .evaluateAll((anchors) => anchors.map((anchor) => anchor.getAttribute('href')))
    expect([...links].sort()).toEqual(failedTraceIds.map((id) => `#/trace/${id}`).sort())
    await screenshot(page, 'alerts-firing')

    await row.getByRole('link', { name: 'agent failures' }).click()
    await page.getByRole('heading', { name: 'Recent alerts of agent failures' }).waitFor()
    expect(page.url()).toMatch(/#\/alerts\/agent%20failures$/)
    expect(await page.locator('tr.selected').getAttribute('data-rule')).toBe('agent failures')
    await closeClean(opened)
  })

  it('creates, tests and resolves a cost rule', async () => {
    const opened = await openLoupePage(browser, loupe, '#/alerts')
    const { page } = opened
    await page.getByRole('button', { name: 'New rule' }).click()
    const form = page.getByRole('form', { name: 'New alert rule' })
    await form.getByLabel('Name', { exact: true }).fill('hourly spend')
    await form.getByLabel('Kind').selectOption('cost_per_hour')
    await form.getByLabel('Threshold (US dollars in the last hour)').fill('0')
    await form.getByRole('button', { name: 'Test', exact: true }).click()
    const outcome = form.getByTestId('alert-test-outcome')
    await outcome.waitFor()
    expect(await outcome.innerText()).toContain('Fires now')
    // One rejected call per failed run and the two calls of the successful one.
    expect(await outcome.innerText()).toContain('spent on 4 model calls in the last hour')
    expect(await outcome.locator('a').getAttribute('href')).toBe(`#/trace/${succeededTraceId}`)
    await screenshot(page, 'alerts-rule-form')

    await form.getByRole('button', { name: 'Save rule' }).click()
    await page.getByText('Saved the rule hourly spend.').waitFor()
    const row = page.locator('tr[data-rule="hourly spend"]')
    expect(await row.innerText()).toContain('more than $0 spent in the last hour')
    await page.getByRole('button', { name: 'Evaluate now' }).click()
    await waitForState(page, 'hourly spend', 'firing')
    const firing = page.getByTestId('alert-toast').filter({ hasText: 'hourly spend' })
    await firing.waitFor()
    expect(await firing.innerText()).toContain('Alert firing: hourly spend')
    expect(await firing.getByRole('link').getAttribute('href')).toBe(`#/trace/${succeededTraceId}`)

    await row.getByRole('button', { name: 'Edit' }).click()
    const edit = page.getByRole('form', { name: 'Edit alert rule hourly spend' })
    await edit.getByLabel('Threshold (US dollars in the last hour)').fill('1000')
    await edit.getByRole('button', { name: 'Save rule' }).click()
    await page.getByText('Saved the rule hourly spend.').waitFor()
    await page.getByRole('button', { name: 'Evaluate now' }).click()
    await waitForState(page, 'hourly spend', 'ok')
    await page.getByText('Alert resolved: hourly spend').waitFor()
    await screenshot(page, 'alerts-resolved')
    await closeClean(opened)
  })

  it('shows why a rule is rejected', async () => {
    const opened = await openLoupePage(browser, loupe, '#/alerts')
    const { page } = opened
    await page.getByRole('button', { name: 'New rule' }).click()
    const form = page.getByRole('form', { name: 'New alert rule' })
    await form.getByLabel('Name', { exact: true }).fill('writes')
    await form.getByLabel('Kind').selectOption('sql')
    await form
      .getByLabel("SQL (a read-only query over the SQL explorer's views)")
      .fill('DELETE FROM spans')
    await form.getByRole('button', { name: 'Test', exact: true }).click()
    const notice = form.getByRole('alert')
    await notice.waitFor()
    expect(await notice.innerText()).toContain('DELETE is rejected because it writes')

    await form.getByLabel('Kind').selectOption('error_rate')
    await form.getByLabel('Threshold (% of runs failed)').fill('150')
    await form.getByRole('button', { name: 'Save rule' }).click()
    await waitFor('the threshold problem', async () =>
      (await notice.innerText()).includes('threshold: Too big: expected number to be <=100')
        ? true
        : undefined,
    )
    await screenshot(page, 'alerts-rule-rejected')
    await closeClean(opened)
  })
})
