// Replay and diff in headless Chromium. A pydantic-ai agent whose tool fails
// is recorded against a scenario of the mock model. From its failed trace,
// the Replay button opens the playground's replay form with the command
// filled in, and the replay reproduces the failure. A replay with the fix
// runs past the recording, and the diff view shows the tool call that no
// longer fails. Every page checks that the Content-Security-Policy blocked
// nothing and that no script error occurred.

import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type {
  PlaygroundRunRequest,
  RunJson,
  RunOutputEvent,
  TraceDetail,
} from '../../src/shared/api'
import { joinCommandLine } from '../../src/core/runner/command-line'
import { closeClean, launchChromium, openLoupePage, screenshot } from '../helpers/browser'
import { makeDataDir, removeDir, repoRoot, startTestCore, type TestCore } from '../helpers/core'
import { missingPythonMessage, testPython } from '../helpers/python'
import { readEvents, waitFor } from '../helpers/sse'

const python = testPython()
if (!python && process.env.CI) throw new Error(missingPythonMessage)

const agent = join(repoRoot, 'test/interop/replay_agent.py')
const MODEL = 'openai-chat:gpt-4o-mini'

/** The mock model calls get_forecast for Atlantis, which fails until FORECAST_FIXED=1. */
const ATLANTIS_SCENARIO = JSON.stringify({
  name: 'atlantis',
  turns: [
    { toolCalls: [{ name: 'get_forecast', arguments: { city: 'Atlantis' } }] },
    { text: 'Scripted: sunny in Atlantis.' },
  ],
})

let browser: Browser
let loupe: TestCore
let workDir: string

beforeAll(async () => {
  browser = await launchChromium()
  loupe = await startTestCore()
  workDir = makeDataDir('loupe-replay-e2e-')
})

afterAll(async () => {
  await browser?.close()
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
  if (workDir) removeDir(workDir)
})

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${loupe.uiUrl}${path}`, {
    ...init,
    headers: {
      Authorization: `Bearer ${loupe.core.discovery.token}`,
      'Content-Type': 'application/json',
    },
  })
  return (await response.json()) as T
}

/** Starts a command through the playground API and resolves with the stored run once it ends. */
async function runToEnd(request: PlaygroundRunRequest): Promise<RunJson> {
  const started = await api<RunJson>('/api/playground/runs', {
    method: 'POST',
    body: JSON.stringify(request),
  })
  const url = `${loupe.uiUrl}/api/runs/${started.id}/output`
  for await (const event of readEvents<RunOutputEvent>(url, loupe.core.discovery.token)) {
    if (event.type === 'end') return api<RunJson>(`/api/runs/${started.id}?wait=1`)
  }
  throw new Error(`the output stream of ${started.id} ended without an end event`)
}

/** Waits until the page shows a run other than `previous`, and returns its id. */
async function shownRunId(page: Page, previous: string | null = null): Promise<string> {
  return waitFor('the page to show the new run', async () => {
    const match = /#\/playground\/(run_[0-9a-f]+)$/.exec(page.url())
    return match !== null && match[1] !== previous ? match[1] : undefined
  })
}

async function waitForText(page: Page, testId: string, text: string): Promise<void> {
  await waitFor(`${testId} to show ${text}`, async () =>
    (await page.getByTestId(testId).first().innerText()).includes(text) ? true : undefined,
  )
}

describe.skipIf(!python)('replay and diff', () => {
  let recorded: RunJson
  let failedTraceId: string
  let sameFailureRunId: string

  beforeAll(async () => {
    recorded = await runToEnd({
      commandLine: joinCommandLine([python!, agent, MODEL]),
      cwd: workDir,
      mode: 'scenario',
      scenario: ATLANTIS_SCENARIO,
    })
    expect(recorded.errorClass).toBe('tool_failed')
    for (const traceId of recorded.traceIds) {
      const detail = await api<TraceDetail>(`/api/traces/${traceId}/full`)
      if (detail.trace.rootName === 'replay_turn') failedTraceId = traceId
    }
  })

  it('replays a failed trace and opens the diff', async () => {
    const opened = await openLoupePage(browser, loupe, `#/trace/${failedTraceId}`)
    const { page } = opened
    await page.getByTestId('span-tree').waitFor()
    await page.getByTestId('replay-trace').click()

    // The replay form opens with the command and folder of the run that Loupe started.
    const form = page.getByTestId('replay-form')
    await form.waitFor()
    expect(page.url()).toMatch(new RegExp(`#/replay/${failedTraceId}$`))
    expect(await page.getByTestId('replay-source').inputValue()).toBe(failedTraceId)
    await waitFor('the command line to fill in', async () =>
      (await page.getByTestId('replay-command-line').inputValue()) === recorded.commandLine
        ? true
        : undefined,
    )
    expect(await page.getByTestId('replay-working-folder').inputValue()).toBe(workDir)
    expect(await page.getByTestId('replay-source-note').innerText()).toBe(
      `Trace ${failedTraceId}, from run ${recorded.id}.`,
    )
    const until = page.getByTestId('replay-until')
    await waitFor('the recorded calls', async () =>
      (await until.locator('option').count()) === 2 ? true : undefined,
    )
    expect(await until.locator('option').allInnerTexts()).toEqual([
      'The end: the 1 recorded model call',
      'Call 1 · gpt-4o-mini · calls get_forecast({"city":"Atlantis"})',
    ])
    expect(await page.getByTestId('replay-then-fail').isChecked()).toBe(true)
    await screenshot(page, 'replay-form')

    // The replay reproduces the failure, served from the recording.
    await page.getByTestId('replay-button').click()
    sameFailureRunId = await shownRunId(page)
    const output = page.getByTestId('run-output')
    await output.getByText('no forecast data for Atlantis').waitFor({ timeout: 60_000 })
    const report = page.getByTestId('replay-report')
    await waitForText(page, 'replay-served', 'Served 1 of 1')
    expect(await report.getByTestId('replay-served').innerText()).toBe(
      `Served 1 of 1 recorded model calls of ${failedTraceId} (from the agent's model-call spans).`,
    )
    expect(await report.getByTestId('replay-divergence').count()).toBe(0)
    const state = page.locator('.run-output-pane').getByTestId('run-state')
    await waitFor('the replay to show exit 1', async () =>
      (await state.innerText()) === 'exit 1' ? true : undefined,
    )
    await screenshot(page, 'replay-same-failure')

    // With the fix, the agent runs past the recording and the mock model replies to the rest.
    expect(await form.isVisible()).toBe(true)
    const fixed = joinCommandLine(['env', 'FORECAST_FIXED=1', python!, agent, MODEL])
    await page.getByTestId('replay-command-line').fill(fixed)
    await page.getByTestId('replay-then-mock').check()
    await page.getByTestId('replay-button').click()
    const fixedRunId = await shownRunId(page, sameFailureRunId)
    await output.getByText('"error": null').waitFor({ timeout: 60_000 })
    const divergence = page.getByTestId('replay-divergence')
    await divergence.waitFor()
    expect(await divergence.innerText()).toBe(
      'Diverged at model call 2 (after the last recorded call):\n' +
        'the run makes more model calls than the 1 recorded',
    )
    expect(await report.innerText()).toContain('After that, the mock model answered.')
    await screenshot(page, 'replay-fixed')

    // Rerun repeats the same replay, not a plain mock run.
    await page.getByTestId('rerun-button').click()
    const rerunId = await shownRunId(page, fixedRunId)
    await waitFor('the output pane to show the rerun', async () =>
      (await page.locator('.run-output-pane .run-id').innerText()) === rerunId ? true : undefined,
    )
    await divergence.waitFor({ timeout: 60_000 })
    expect(await report.getByTestId('replay-served').innerText()).toBe(
      `Served 1 of 1 recorded model calls of ${failedTraceId} (from the agent's model-call spans).`,
    )
    const rerun = await api<RunJson>(`/api/runs/${rerunId}?wait=1`)
    expect(rerun.mode).toBe('replay')
    expect(rerun.commandLine).toBe(fixed)
    expect(rerun.replay).toMatchObject({ source: failedTraceId, then: 'mock', until: null })

    // The diff of the failed trace and the fixed replay.
    await page.getByTestId('compare-with-source').click()
    await page.getByTestId('diff-page').waitFor()
    expect(page.url()).toMatch(new RegExp(`#/diff/${failedTraceId}/${rerunId}$`))
    const errorClass = page.locator('[data-testid="diff-total"][data-label="Error class"]')
    await errorClass.waitFor()
    expect(await errorClass.getByTestId('diff-total-difference').innerText()).toBe(
      'tool_failed → none',
    )
    expect(await page.getByTestId('diff-summary').innerText()).toMatch(
      /^First divergence at step 2 of \d+\. Go to it$/,
    )
    expect(await page.getByTestId('diff-kinds-note').innerText()).toContain(
      "One side is a trace and the other a run. A run's duration covers its whole command",
    )
    expect(await page.getByTestId('diff-same').first().innerText()).toBe(
      'Step 1 is the same.\nShow',
    )
    const first = page.locator('[data-testid="diff-step"][data-step="2"]')
    expect(await first.getAttribute('data-status')).toBe('changed')
    expect(await first.getByTestId('first-divergence').innerText()).toBe('first divergence')
    expect(await first.getByTestId('diff-changes').innerText()).toBe(
      'outcome changed: raised ValueError: no forecast data for Atlantis → returned "sunny in Atlantis"',
    )
    const added = page.locator('[data-testid="diff-step"][data-status="added"]')
    expect(await added.count()).toBeGreaterThan(0)
    expect(await added.first().getByTestId('diff-changes').innerText()).toBe(`only in ${rerunId}`)

    // Each step links to its span: A in the failed trace, B in a trace of the replay run.
    const linkA = first.getByTestId('span-link-a')
    expect(await linkA.getAttribute('href')).toMatch(
      new RegExp(`^#/trace/${failedTraceId}/[0-9a-f]{16}$`),
    )
    const linkB = first.getByTestId('span-link-b')
    await linkB.waitFor()
    const hrefB = (await linkB.getAttribute('href'))!
    expect(rerun.traceIds).toContain(/^#\/trace\/([0-9a-f]{32})\//.exec(hrefB)![1])

    // Equal steps expand on request.
    await page.getByTestId('diff-same').first().getByRole('button', { name: 'Show' }).click()
    const sameStep = page.locator('[data-testid="diff-step"][data-step="1"]')
    await sameStep.waitFor()
    expect(await sameStep.getAttribute('data-status')).toBe('same')
    await page.getByTestId('go-to-divergence').click()
    await screenshot(page, 'replay-diff')

    // The B span opens in the trace view.
    await linkB.click()
    await page.getByTestId('span-detail').waitFor()
    expect(page.url().endsWith(hrefB)).toBe(true)
    await closeClean(opened)
  })

  it('compares two runs picked in the list', async () => {
    const opened = await openLoupePage(browser, loupe, '#/playground')
    const { page } = opened
    const row = (runId: string) => page.locator(`[data-testid="run-row"][data-run-id="${runId}"]`)
    await row(sameFailureRunId).waitFor()
    expect(await page.getByTestId('compare-runs').isDisabled()).toBe(true)
    // Picked newest first; the older run still becomes A.
    await row(sameFailureRunId).getByTestId('compare-pick').check()
    await row(recorded.id).getByTestId('compare-pick').check()
    expect(await page.getByTestId('compare-hint').innerText()).toBe(
      'Compare the two picked runs, the older one as A.',
    )
    await page.getByTestId('compare-runs').click()
    await page.getByTestId('diff-page').waitFor()
    expect(page.url()).toMatch(new RegExp(`#/diff/${recorded.id}/${sameFailureRunId}$`))
    await waitForText(page, 'diff-summary', 'The runs match')
    expect(await page.getByTestId('diff-summary').innerText()).toBe(
      'The runs match in all 2 model and tool calls.',
    )
    expect(
      await page
        .locator('[data-testid="diff-total"][data-label="Error class"]')
        .getByTestId('diff-total-difference')
        .innerText(),
    ).toBe('')
    await screenshot(page, 'replay-compare-runs')
    await closeClean(opened)
  })
})

describe('replay of a run without model calls', () => {
  it('shows why it cannot be replayed', async () => {
    const plain = await runToEnd({
      commandLine: joinCommandLine(['sh', '-c', 'echo no model here']),
      cwd: workDir,
      mode: 'mock',
    })
    const opened = await openLoupePage(browser, loupe, `#/playground/${plain.id}`)
    const { page } = opened
    const row = page.locator(`[data-testid="run-row"][data-run-id="${plain.id}"]`)
    await row.getByTestId('replay-run').click()
    await page.getByTestId('replay-form').waitFor()
    expect(page.url()).toMatch(new RegExp(`#/replay/${plain.id}$`))
    const alert = page.getByRole('alert').filter({ hasText: `${plain.id} cannot be replayed` })
    await alert.waitFor()
    expect(await alert.innerText()).toBe(
      `${plain.id} cannot be replayed\nnothing to replay\n` +
        'no model call was found in the trace; the agent made no model calls, or its instrumentation records none',
    )
    expect(await page.getByTestId('replay-button').isDisabled()).toBe(true)
    expect(await page.getByTestId('replay-command-line').inputValue()).toBe(plain.commandLine)
    await screenshot(page, 'replay-not-replayable')

    // Closing the form brings back the ordinary one.
    await page.getByTestId('replay-close').click()
    await page.getByTestId('command-line').waitFor()
    expect(await page.getByTestId('replay-form').count()).toBe(0)
    await closeClean(opened)
  })
})
