// The fork editor and the single-call page in headless Chromium. A
// pydantic-ai agent whose tool fails for Atlantis is recorded against a
// scenario of the mock model. In the replay form, the recorded tool call's
// argument is edited in Monaco, and the replay runs as a fork with the new
// argument. From the trace view, the model call opens in the single-call
// page, its user message is edited, and it runs again against the mock, with
// both replies side by side. Every page checks that the
// Content-Security-Policy blocked nothing and that no script error occurred.

import { join } from 'node:path'
import type { Browser, Locator, Page } from 'playwright-core'
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
  workDir = makeDataDir('loupe-editors-e2e-')
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

/** Waits until the page shows a run in the playground, and returns its id. */
async function shownRunId(page: Page): Promise<string> {
  return waitFor('the page to show the new run', async () => {
    const match = /#\/playground\/(run_[0-9a-f]+)$/.exec(page.url())
    return match !== null ? match[1] : undefined
  })
}

async function editorText(editor: Locator): Promise<string> {
  return (await editor.innerText()).replaceAll('\u00a0', ' ')
}

/** Returns every tool call span's arguments and result in a trace, as stored. */
async function toolCallsOf(traceId: string): Promise<string[]> {
  const detail = await api<TraceDetail>(`/api/traces/${traceId}/full`)
  return detail.spans
    .filter((span) => span.kind === 'tool')
    .map((span) => JSON.stringify(span.attributes))
}

describe.skipIf(!python)('fork and single-call editors', () => {
  let recorded: RunJson
  let failedTraceId: string

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

  it('forks a run with an edited tool argument', async () => {
    const opened = await openLoupePage(browser, loupe, `#/replay/${recorded.id}`)
    const { page } = opened
    await page.getByTestId('replay-form').waitFor()
    await waitFor('the command line to fill in', async () =>
      (await page.getByTestId('replay-command-line').inputValue()) === recorded.commandLine
        ? true
        : undefined,
    )
    await page.getByTestId('replay-then-mock').check()

    // The recorded call's reply opens in the editor, prefilled.
    const fork = page.getByTestId('fork-editor')
    const callSelect = fork.getByTestId('fork-call')
    await waitFor('the recorded calls', async () =>
      (await callSelect.locator('option').count()) === 2 ? true : undefined,
    )
    const [, callLabel] = await callSelect.locator('option').allInnerTexts()
    expect(callLabel).toBe('Call 1 · gpt-4o-mini · calls get_forecast({"city":"Atlantis"})')
    const spanId = await callSelect.locator('option').nth(1).getAttribute('value')
    await callSelect.selectOption(spanId!)
    const editor = page.getByTestId('fork-reply-editor')
    await editor.locator('.monaco-editor').waitFor()
    await waitFor('the recorded reply in the editor', async () =>
      (await editorText(editor)).includes('"city": "Atlantis"') ? true : undefined,
    )
    expect(await editorText(editor)).toContain('"name": "get_forecast"')

    // The schema rejects a key that a tool call does not have, and the edit cannot be added.
    await editor.getByText('"name"', { exact: true }).dblclick()
    await page.keyboard.insertText('tool')
    const problems = fork.getByTestId('fork-problems')
    await waitFor('the schema problem', async () =>
      (await problems.innerText()).includes('Property tool is not allowed.') ? true : undefined,
    )
    expect(await problems.innerText()).toContain(
      'toolCalls[0] has the unknown key tool; a tool call has "id", "name" and "arguments"',
    )
    expect(await fork.getByTestId('fork-add').isDisabled()).toBe(true)
    await editor.getByText('"tool"', { exact: true }).dblclick()
    await page.keyboard.insertText('name')
    await waitFor('the schema problem to clear', async () =>
      (await problems.count()) === 0 ? true : undefined,
    )

    // Breaking the JSON is reported by line, and the edit cannot be added.
    await editor.locator('.view-lines').click()
    await page.keyboard.press('Control+End')
    await page.keyboard.insertText(',')
    await waitFor('the syntax error by line', async () =>
      /line \d+: End of file expected/.test(await problems.innerText()) ? true : undefined,
    )
    expect(await fork.getByTestId('fork-add').isDisabled()).toBe(true)
    await page.keyboard.press('Backspace')
    await waitFor('the problems to clear', async () =>
      (await problems.count()) === 0 ? true : undefined,
    )

    // The edit: the same tool call, for Lisbon.
    await editor.getByText('"Atlantis"', { exact: true }).dblclick()
    await page.keyboard.insertText('Lisbon')
    await waitFor('the edited argument', async () =>
      (await editorText(editor)).includes('"city": "Lisbon"') ? true : undefined,
    )
    expect(await fork.getByTestId('fork-unsaved').count()).toBe(1)
    await fork.getByTestId('fork-add').click()
    const added = fork.getByTestId('fork-edit')
    await added.waitFor()
    expect(await fork.getByTestId('fork-unsaved').count()).toBe(0)
    expect(await added.getAttribute('data-span-id')).toBe(spanId)
    expect(await added.locator('span').first().innerText()).toBe(
      `Call 1 (span ${spanId}): no text, calls get_forecast({"city":"Lisbon"})`,
    )
    expect(await page.getByTestId('replay-button').innerText()).toBe('Replay with the edits')
    await screenshot(page, 'editors-fork-form')

    // The fork runs: the agent calls the tool for Lisbon, which succeeds.
    const sent = page.waitForRequest(
      (request) => request.url().endsWith('/api/playground/runs') && request.method() === 'POST',
    )
    await page.getByTestId('replay-button').click()
    expect((await sent).postDataJSON()).toMatchObject({
      mode: 'mock',
      replay: {
        source: recorded.id,
        then: 'mock',
        edits: [
          {
            spanId,
            text: null,
            toolCalls: [{ name: 'get_forecast', arguments: { city: 'Lisbon' } }],
          },
        ],
      },
    })
    const forkRunId = await shownRunId(page)
    const started = await api<RunJson>(`/api/runs/${forkRunId}`)
    expect(started.replay?.editedSpanIds).toEqual([spanId])
    const output = page.getByTestId('run-output')
    await output.getByText('"error": null').waitFor({ timeout: 60_000 })
    expect(await output.innerText()).toContain(
      '"toolCalls": [{"name": "get_forecast", "arguments": {"city": "Lisbon"}}',
    )
    const report = page.getByTestId('replay-report')
    await report.getByRole('heading', { name: 'Fork report' }).waitFor({ timeout: 60_000 })
    expect(await report.getByTestId('run-lineage').innerText()).toBe(
      `fork of ${recorded.id}, edited reply at span ${spanId}`,
    )

    // The run list marks the fork and links it to its source.
    const row = page.locator(`[data-testid="run-row"][data-run-id="${forkRunId}"]`)
    await row.waitFor()
    const lineage = row.getByTestId('run-lineage')
    expect(await lineage.innerText()).toBe(`fork of ${recorded.id}, edited reply at span ${spanId}`)
    expect(await lineage.getByRole('link').getAttribute('href')).toBe(`#/playground/${recorded.id}`)
    await screenshot(page, 'editors-fork-run')

    // The fork's trace has the tool call with the new argument and its result.
    const forkRun = await api<RunJson>(`/api/runs/${forkRunId}?wait=1`)
    expect(forkRun.replay?.editedSpanIds).toEqual([spanId])
    let turnTrace: string | undefined
    for (const traceId of forkRun.traceIds) {
      const toolCalls = await toolCallsOf(traceId)
      if (toolCalls.some((attributes) => attributes.includes('sunny in Lisbon')))
        turnTrace = traceId
    }
    expect(turnTrace).toBeDefined()
    await page.goto(`${loupe.uiUrl}/?token=${loupe.core.discovery.token}#/trace/${turnTrace}`)
    await page.getByTestId('span-tree').waitFor()
    const toolRow = page.locator('[data-testid="span-row"]').filter({ hasText: 'get_forecast' })
    await toolRow.first().click()
    await page.getByTestId('span-detail').getByText('Lisbon').first().waitFor()
    await screenshot(page, 'editors-fork-trace')
    await closeClean(opened)
  })

  it('runs a model call again with an edited message', async () => {
    const detail = await api<TraceDetail>(`/api/traces/${failedTraceId}/full`)
    const modelSpan = detail.spans.find((span) => span.kind === 'model')!
    const opened = await openLoupePage(
      browser,
      loupe,
      `#/trace/${failedTraceId}/${modelSpan.spanId}`,
    )
    const { page } = opened
    await page.getByTestId('open-call').waitFor()
    await screenshot(page, 'editors-open-call')
    await page.getByTestId('open-call').click()
    await page.getByTestId('call-page').waitFor()
    expect(page.url()).toMatch(new RegExp(`#/call/${failedTraceId}/${modelSpan.spanId}$`))

    // The rebuilt request, with the tools the agent offered.
    const editor = page.getByTestId('call-request-editor')
    await editor.locator('.monaco-editor').waitFor()
    await waitFor('the request in the editor', async () =>
      (await editorText(editor)).includes('What is the weather in Atlantis?') ? true : undefined,
    )
    expect(await editorText(editor)).toContain('"name": "get_forecast"')
    const original = page.getByTestId('call-original')
    expect(await original.getByTestId('reply-tool-call').allInnerTexts()).toEqual([
      expect.stringMatching(/^get_forecast\(\{"city":"Atlantis"\}\)/),
    ])
    expect(await page.getByTestId('call-mode-mock').isChecked()).toBe(true)

    // Edit the user message: "Atlantis?" becomes "Lisbon?".
    await editor.getByText('"What is the weather in Atlantis?"', { exact: true }).click()
    await page.keyboard.press('End')
    await page.keyboard.press('ArrowLeft')
    for (let count = 0; count < 'Atlantis?'.length; count++) await page.keyboard.press('Backspace')
    await page.keyboard.insertText('Lisbon?')
    await waitFor('the edited message', async () =>
      (await editorText(editor)).includes('What is the weather in Lisbon?') ? true : undefined,
    )

    // The mock model replies, and both replies show side by side.
    await page.getByTestId('call-run').click()
    const newReply = page.getByTestId('call-new')
    const link = newReply.getByTestId('call-trace-link')
    await link.waitFor({ timeout: 30_000 })
    const newToolCalls = await newReply.getByTestId('reply-tool-call').allInnerTexts()
    expect(newToolCalls.map((text) => text.split('(')[0])).toEqual(['get_forecast', 'get_humidity'])
    expect(await newReply.getByTestId('reply-finish-reason').innerText()).toBe(
      'Finish reason: tool_calls',
    )
    const originalBox = (await original.boundingBox())!
    const newBox = (await newReply.boundingBox())!
    expect(newBox.x).toBeGreaterThan(originalBox.x + originalBox.width - 1)
    expect(Math.abs(newBox.y - originalBox.y)).toBeLessThan(2)
    await screenshot(page, 'editors-single-call')

    // The new call's trace shows the edited message the model received.
    const href = (await link.getAttribute('href'))!
    const newTraceId = /^#\/trace\/([0-9a-f]{32})$/.exec(href)![1]!
    const newTrace = await api<TraceDetail>(`/api/traces/${newTraceId}/full`)
    const received = newTrace.spans.map((span) => JSON.stringify(span.inputMessages)).join('\n')
    expect(received).toContain('What is the weather in Lisbon?')
    expect(received).not.toContain('What is the weather in Atlantis?')
    await link.click()
    await page.getByTestId('span-tree').waitFor()
    await closeClean(opened)
  })
})
