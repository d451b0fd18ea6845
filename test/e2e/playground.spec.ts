// The playground page in headless Chromium: a pydantic-ai agent started
// against the mock model with its output and trace appearing live, a hanging
// command stopped with its process tree, settings remembered per folder,
// and the scenario editor. Every page checks that the Content-Security-Policy
// blocked nothing and that no script error occurred.

import { join } from 'node:path'
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunJson } from '../../src/shared/api'
import { joinCommandLine } from '../../src/core/runner/command-line'
import {
  closeClean,
  launchChromium,
  openLoupePage,
  screenshot,
  type LoupePage,
} from '../helpers/browser'
import { makeDataDir, removeDir, repoRoot, startTestCore, type TestCore } from '../helpers/core'
import { isProcessRunning, waitUntilEnded } from '../helpers/processes'
import { missingPythonMessage, testPython } from '../helpers/python'
import { waitFor } from '../helpers/sse'

const python = testPython()
if (!python && process.env.CI) throw new Error(missingPythonMessage)

let browser: Browser
let loupe: TestCore
let workDir: string

beforeAll(async () => {
  browser = await launchChromium()
  loupe = await startTestCore()
  workDir = makeDataDir('loupe-playground-e2e-')
})

afterAll(async () => {
  await browser?.close()
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
  if (workDir) removeDir(workDir)
})

async function openPlayground(hash = '#/playground'): Promise<LoupePage> {
  const opened = await openLoupePage(browser, loupe, hash)
  await opened.page.getByTestId('playground-page').waitFor()
  return opened
}

/** The id of the run the page shows, from the address bar. */
async function shownRunId(page: Page): Promise<string> {
  // Starting a run parses its scenario and spawns its command, which a loaded machine can take
  // well over the default 10 s for.
  return waitFor(
    'the page to show a run',
    async () => {
      const match = /#\/playground\/(run_[0-9a-f]+)$/.exec(page.url())
      return match?.[1]
    },
    30_000,
  )
}

async function getRun(runId: string): Promise<RunJson> {
  const response = await fetch(`${loupe.uiUrl}/api/runs/${runId}?wait=1`, {
    headers: { Authorization: `Bearer ${loupe.core.discovery.token}` },
  })
  return (await response.json()) as RunJson
}

/** Monaco renders spaces as no-break spaces; this reads its text with plain ones. */
async function editorText(editor: Locator): Promise<string> {
  return (await editor.innerText()).replaceAll('\u00a0', ' ')
}

/**
 * Waits for the shown run's output to contain `text`. On a timeout the error
 * lists what the page showed instead: its address, output, state and alerts.
 */
async function waitForOutput(page: Page, text: string, timeoutMs = 30_000): Promise<void> {
  const output = page.getByTestId('run-output')
  try {
    await output.getByText(text).waitFor({ timeout: timeoutMs })
  } catch (error) {
    const visibleText = async (locator: Locator) =>
      (await locator.count()) === 0 ? '(none)' : JSON.stringify(await locator.first().innerText())
    const alerts = await page.getByRole('alert').allInnerTexts()
    throw new Error(
      `the output did not show ${JSON.stringify(text)} within ${timeoutMs} ms; ` +
        `address ${page.url()}, output ${await visibleText(output)}, ` +
        `state ${await visibleText(page.locator('.run-output-pane').getByTestId('run-state'))}, ` +
        `alerts ${JSON.stringify(alerts)}`,
      { cause: error },
    )
  }
}

async function fillForm(page: Page, commandLine: string, cwd: string): Promise<void> {
  await page.getByTestId('working-folder').fill(cwd)
  await page.getByTestId('command-line').fill(commandLine)
}

describe('playground', () => {
  it('links the page from the header', async () => {
    const opened = await openLoupePage(browser, loupe, '#/')
    await opened.page.getByRole('link', { name: 'Playground' }).click()
    await opened.page.getByTestId('playground-page').waitFor()
    expect(opened.page.url()).toMatch(/#\/playground$/)
    await expect(
      opened.page.getByRole('heading', { name: 'Playground' }).isVisible(),
    ).resolves.toBe(true)
    await closeClean(opened)
  })

  it.skipIf(!python)('runs a mock agent and shows output and trace', async () => {
    const opened = await openPlayground()
    const { page } = opened
    const agent = join(repoRoot, 'test/interop/gateway_agent.py')
    await fillForm(
      page,
      joinCommandLine([python!, agent, 'openai-chat:gpt-4o-mini', 'run']),
      repoRoot,
    )
    await page.getByTestId('mode-mock').check()
    await page.getByTestId('run-button').click()
    const runId = await shownRunId(page)

    // The agent prints one JSON report line when it is done.
    const output = page.getByTestId('run-output')
    await output.getByText('"outputValid": true').waitFor({ timeout: 60_000 })
    const state = page.locator('.run-output-pane').getByTestId('run-state')
    await waitFor('the run to show exit 0', async () =>
      (await state.innerText()) === 'exit 0' ? true : undefined,
    )
    const report = JSON.parse((await output.innerText()).trim().split('\n').at(-1)!) as {
      traceId: string
    }

    // The agent's trace shows beside the output, with its model and tool spans.
    const traces = page.getByTestId('run-traces')
    await traces.getByTestId('span-row').first().waitFor()
    await waitFor('the agent trace with its tool spans', async () =>
      (await traces.getByTestId('span-row').count()) >= 4 ? true : undefined,
    )
    const tree = traces.getByTestId('span-tree')
    await expect(tree.getByText('agent_turn').isVisible()).resolves.toBe(true)
    await expect(tree.getByText('running tool: get_forecast').isVisible()).resolves.toBe(true)
    expect(await traces.getByTestId('open-run-trace').getAttribute('href')).toBe(
      `#/trace/${report.traceId}`,
    )

    // The past runs list shows the run with its totals.
    const row = page.locator(`[data-testid="run-row"][data-run-id="${runId}"]`)
    await row.waitFor()
    const stored = await getRun(runId)
    expect(stored.inputTokens).toBeGreaterThan(0)
    await waitFor('the run tokens in the list', async () =>
      (await row.getByTestId('run-tokens').innerText()).includes(' in / ') ? true : undefined,
    )
    expect(await row.getByTestId('run-error-class').innerText()).toBe('none')
    expect(await row.getByTestId('run-state').innerText()).toBe('exit 0')
    await expect(row.getByRole('link', { name: report.traceId.slice(0, 8) }).count()).resolves.toBe(
      1,
    )
    await screenshot(page, 'playground-mock-agent')

    // A span in the run's tree opens in the trace view.
    await traces.getByTestId('span-row').first().click()
    await page.getByTestId('span-tree').first().waitFor()
    expect(page.url()).toContain(`#/trace/${report.traceId}/`)
    await closeClean(opened)
  })

  it('stops a hanging command and its children', async () => {
    const opened = await openPlayground()
    const { page } = opened
    await fillForm(page, `sh -c 'sleep 300 & echo "waiting on $!"; wait'`, workDir)
    await page.getByTestId('mode-mock').check()
    await page.getByTestId('run-button').click()
    const runId = await shownRunId(page)

    const output = page.getByTestId('run-output')
    await output.getByText(/waiting on \d+/).waitFor()
    const sleepPid = Number(/waiting on (\d+)/.exec(await output.innerText())![1])
    expect(isProcessRunning(sleepPid)).toBe(true)
    const state = page.locator('.run-output-pane').getByTestId('run-state')
    expect(await state.innerText()).toBe('running')
    await screenshot(page, 'playground-hanging-run')

    await page.getByTestId('stop-button').click()
    await waitFor('the run to show stopped', async () =>
      (await state.innerText()) === 'stopped' ? true : undefined,
    )
    await waitUntilEnded([sleepPid])
    await output.getByText('stop requested; sent SIGTERM to the process group').waitFor()
    const row = page.locator(`[data-testid="run-row"][data-run-id="${runId}"]`)
    await waitFor('the list to show the run stopped', async () =>
      (await row.getByTestId('run-state').innerText()) === 'stopped' ? true : undefined,
    )
    expect(await page.getByTestId('stop-button').isDisabled()).toBe(true)
    expect((await getRun(runId)).state).toBe('stopped')
    await screenshot(page, 'playground-stopped-run')
    await closeClean(opened)
  })

  it('never mixes two runs in the pane', async () => {
    const opened = await openPlayground()
    const { page } = opened
    const runIds: string[] = []
    for (const mark of ['AAA', 'BBB']) {
      await fillForm(page, `sh -c 'for i in 1 2 3 4 5 6; do echo ${mark}$i; done'`, workDir)
      await page.getByTestId('run-button').click()
      await waitForOutput(page, `${mark}6`)
      runIds.push(await shownRunId(page))
    }
    const [a, b] = runIds

    // Every DOM change is recorded, so a single rendered frame with the run id
    // of one run and the text of the other shows up here.
    await page.evaluate(`
      window.seen = []
      new MutationObserver(() => {
        const pane = document.querySelector('.run-output-pane')
        window.seen.push({
          id: pane?.querySelector('.run-id')?.textContent ?? '',
          text: pane?.querySelector('[data-testid="run-output"]')?.textContent ?? '',
        })
      }).observe(document.body, { subtree: true, childList: true, characterData: true })
    `)

    for (let i = 0; i < 6; i++) {
      const target = i % 2 === 0 ? a : b
      await page.evaluate(`location.hash = '#/playground/${target}'`)
      await waitForOutput(page, target === a ? 'AAA6' : 'BBB6')
    }

    const seen = await page.evaluate<{ id: string; text: string }[]>('window.seen')
    const mixed = seen.filter(
      (state) =>
        (state.id === a && state.text.includes('BBB')) ||
        (state.id === b && state.text.includes('AAA')),
    )
    expect(seen.length).toBeGreaterThan(0)
    expect(mixed).toEqual([])
    await closeClean(opened)
  })

  it('remembers the last folder and command', async () => {
    const folder = join(workDir, 'remembered')
    const { mkdirSync } = await import('node:fs')
    mkdirSync(folder)
    const commandLine = `sh -c 'echo remembered'`
    const first = await openPlayground()
    await fillForm(first.page, commandLine, folder)
    await first.page.getByTestId('mode-live').check()
    await first.page.getByTestId('run-button').click()
    await waitForOutput(first.page, 'remembered')
    await closeClean(first)

    const second = await openPlayground()
    const { page } = second
    await waitFor('the form to fill in', async () =>
      (await page.getByTestId('working-folder').inputValue()) === folder ? true : undefined,
    )
    expect(await page.getByTestId('command-line').inputValue()).toBe(commandLine)
    expect(await page.getByTestId('mode-live').isChecked()).toBe(true)
    expect(await page.getByTestId('mode-hint').innerText()).toContain(
      'API keys in the environment of loupe serve',
    )
    await closeClean(second)
  })

  it('opens a run whose program cannot start', async () => {
    const opened = await openPlayground()
    const { page } = opened
    await fillForm(page, 'loupe-e2e-missing-program --flag', workDir)
    await page.getByTestId('mode-mock').check()
    await page.getByTestId('run-button').click()
    const alert = page.getByRole('alert').filter({ hasText: 'Could not start the command' })
    await alert.waitFor()
    const runId = /\(run (run_[0-9a-f]+)\)/.exec(await alert.innerText())![1]!
    await waitFor('the page to show the failed run', async () =>
      page.url().endsWith(`#/playground/${runId}`) ? true : undefined,
    )
    await waitForOutput(page, 'could not start loupe-e2e-missing-program')
    const state = page.locator('.run-output-pane').getByTestId('run-state')
    expect(await state.innerText()).toBe('failed')
    await closeClean(opened)
  })

  it('shows an error for a missing folder', async () => {
    const opened = await openPlayground()
    const { page } = opened
    await fillForm(page, 'echo hi', '/nonexistent/loupe-folder')
    await page.getByTestId('run-button').click()
    const alert = page.getByRole('alert').filter({ hasText: 'Could not start the command' })
    await alert.waitFor()
    expect(await alert.innerText()).toContain(
      'the working folder /nonexistent/loupe-folder does not exist',
    )
    await closeClean(opened)
  })

  it('validates a scenario against its schema', async () => {
    const opened = await openPlayground()
    const { page } = opened
    await page.getByTestId('mode-scenario').check()
    const editor = page.getByTestId('scenario-editor')
    await editor.locator('.monaco-editor').waitFor()
    // Every example is valid: after broken text, each one clears the problems.
    const select = page.getByTestId('scenario-example')
    const problems = page.getByTestId('scenario-problems')
    const labels = (await select.locator('option').allInnerTexts()).slice(1)
    expect(labels).toContain('Model that never answers')
    for (const label of labels) {
      await editor.locator('.view-lines').click()
      await page.keyboard.press('Control+End')
      await page.keyboard.insertText(',')
      await problems.waitFor()
      await select.selectOption(label)
      await waitFor(`example ${label} without problems`, async () => {
        const shown = (await editorText(editor)).includes(`"name": "${label}"`)
        return shown && (await problems.count()) === 0 ? true : undefined
      })
    }

    // A fault the format does not have: the schema rejects it at its line.
    await select.selectOption('Model that never answers')
    await waitFor('the hanging example', async () =>
      (await editorText(editor)).includes('"fault": "hang"') ? true : undefined,
    )
    await editor.getByText('"hang"', { exact: true }).dblclick()
    await page.keyboard.insertText('explode')
    await problems.waitFor()
    expect(await problems.innerText()).toBe(
      'line 5: Value is not accepted. Valid values: "hang", "malformed_json", "cut_stream".',
    )
    expect(await page.getByTestId('scenario-schema-problem').count()).toBe(0)
    await screenshot(page, 'playground-scenario-editor')

    // Broken JSON is reported by line too.
    await page.keyboard.press('Control+End')
    await page.keyboard.insertText(',')
    await waitFor('the syntax error', async () =>
      /line 10: End of file expected/.test(await problems.innerText()) ? true : undefined,
    )
    await closeClean(opened)
  })

  it('runs a command against a scenario', async () => {
    const opened = await openPlayground()
    const { page } = opened
    // One chat completion through the gateway, printing the answer's text. The
    // command line is one line, so the script is too.
    const script = [
      '(async () => {',
      'const response = await fetch(process.env.OPENAI_BASE_URL + "/chat/completions", {',
      'method: "POST",',
      'headers: { Authorization: "Bearer " + process.env.OPENAI_API_KEY, "Content-Type": "application/json" },',
      'body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }) });',
      'console.log("answer:", (await response.json()).choices[0].message.content);',
      '})()',
    ].join(' ')
    await fillForm(page, joinCommandLine([process.execPath, '-e', script]), workDir)
    await page.getByTestId('mode-scenario').check()
    await page.getByTestId('scenario-editor').locator('.monaco-editor').waitFor()
    await page.getByTestId('scenario-example').selectOption('Scripted answers')
    await page.getByTestId('run-button').click()
    const runId = await shownRunId(page)

    await waitForOutput(page, 'answer: Hello from the scenario.')
    const row = page.locator(`[data-testid="run-row"][data-run-id="${runId}"]`)
    await row.waitFor()
    expect(await row.locator('td').nth(2).innerText()).toBe('mock, scenario')
    const stored = await getRun(runId)
    expect(stored.scenario).toBe('playground scenario')
    expect(stored.scenarioText).toContain('Hello from the scenario.')

    // Rerun starts the same command with the same scenario as a new run.
    await page.getByTestId('rerun-button').click()
    await waitFor('the page to show the new run', async () =>
      page.url().endsWith(runId) ? undefined : true,
    )
    await waitForOutput(page, 'answer: Hello from the scenario.')
    const rerun = await getRun(await shownRunId(page))
    expect(rerun.id).not.toBe(runId)
    expect(rerun.scenarioText).toBe(stored.scenarioText)
    const state = page.locator('.run-output-pane').getByTestId('run-state')
    await waitFor('the rerun to show exit 0', async () =>
      (await state.innerText()) === 'exit 0' ? true : undefined,
    )
    await screenshot(page, 'playground-scenario-run')
    await closeClean(opened)
  })
})
