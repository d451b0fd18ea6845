// The readiness check page in headless Chromium. An unnamed pydantic-ai agent
// whose tool leaks an API key (test/interop/check_agent.py) runs under
// `loupe run --mock`. From its trace, the header's Check button opens the
// check of that trace, and its findings link to the spans they came from.
// The top bar's Check link opens the check of recent traces. Every page
// checks that the Content-Security-Policy blocked nothing and no script failed.

import { join } from 'node:path'
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SpanJson, TraceDetail } from '../../src/shared/api'
import { closeClean, launchChromium, openLoupePage, screenshot } from '../helpers/browser'
import {
  agentEnv,
  removeDir,
  repoRoot,
  runCli,
  startTestCore,
  type TestCore,
} from '../helpers/core'
import { waitForTrace } from '../helpers/fastapi-example'
import { missingPythonMessage, testPython } from '../helpers/python'

const python = testPython()
if (!python && process.env.CI) throw new Error(missingPythonMessage)

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

function finding(page: Page, id: string): Locator {
  return page.locator(`[data-testid="check-finding"][data-check-id="${id}"]`)
}

function spanOf(detail: TraceDetail, kind: SpanJson['kind']): SpanJson {
  const span = detail.spans.find((candidate) => candidate.kind === kind)
  expect(span).toBeDefined()
  return span!
}

describe.skipIf(!python)('readiness check page', () => {
  let leak: TraceDetail

  beforeAll(async () => {
    const result = await runCli(
      [
        'run',
        '--mock',
        join(repoRoot, 'test/fixtures/check/leaked-key.yaml'),
        '--data',
        loupe.dataDir,
        '--',
        python!,
        join(repoRoot, 'test/interop/check_agent.py'),
      ],
      agentEnv(),
    )
    expect(result.code, result.stderr).toBe(0)
    const line = result.stdout.split('\n').find((text) => text.startsWith('{"traceId"'))
    const { traceId } = JSON.parse(line!) as { traceId: string }
    leak = await waitForTrace(loupe, traceId, {
      until: (detail) => detail.spans.some((span) => span.kind === 'tool'),
    })
  })

  it('opens from a trace with span links', async () => {
    const opened = await openLoupePage(browser, loupe, `#/trace/${leak.trace.traceId}`)
    const { page } = opened
    await page.getByTestId('span-tree').waitFor()
    await page.getByTestId('check-trace').click()
    await finding(page, 'agent-names').waitFor()
    expect(page.url()).toMatch(new RegExp(`#/check/${leak.trace.traceId}$`))

    const agent = spanOf(leak, 'agent')
    const tool = spanOf(leak, 'tool')
    const failed = page.locator('[data-testid="check-group"][data-result="fail"]')
    const failedIds = await failed
      .getByTestId('check-finding')
      .evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-check-id')))
    expect(failedIds).toEqual(['agent-names', 'secrets', 'personal-data'])

    const names = finding(page, 'agent-names')
    expect(await names.getByTestId('check-finding-text').innerText()).toBe(
      '1 agent run of 1 ran without a name of its own.',
    )
    const nameEvidence = names.getByTestId('check-evidence')
    expect(await nameEvidence.getAttribute('data-span-id')).toBe(agent.spanId)
    expect(await nameEvidence.innerText()).toContain('gen_ai.agent.name = "agent"')

    const toolEvidence = finding(page, 'secrets').locator(
      `[data-testid="check-evidence"][data-span-id="${tool.spanId}"]`,
    )
    expect(await toolEvidence.innerText()).toContain(
      'gen_ai.tool.call.result = [REDACTED:openai-api-key]',
    )
    expect(await page.locator('main').innerText()).not.toContain('sk-test-')
    await screenshot(page, 'check-trace')

    await toolEvidence.getByTestId('check-evidence-link').click()
    await page.getByTestId('span-tree').waitFor()
    expect(page.url()).toMatch(new RegExp(`#/trace/${leak.trace.traceId}/${tool.spanId}$`))
    const selected = page.locator(`[data-testid="span-row"][aria-selected="true"]`)
    await selected.waitFor()
    expect(await selected.getAttribute('data-span-id')).toBe(tool.spanId)
    await closeClean(opened)
  })

  it('checks recent traces from the top bar', async () => {
    const opened = await openLoupePage(browser, loupe, '')
    const { page } = opened
    await page.getByRole('link', { name: 'Check', exact: true }).click()
    await finding(page, 'agent-names').waitFor()
    expect(page.url()).toMatch(/#\/check$/)
    const summary = page.getByTestId('check-summary')
    // The agent's trace, and the run's root trace with the gateway's calls.
    expect(await summary.innerText()).toMatch(/^2 traces and \d+ spans checked at .*: 3 failed, /)
    const notCheckable = page.locator('[data-testid="check-group"][data-result="not_checkable"]')
    const notCheckableIds = await notCheckable
      .getByTestId('check-finding')
      .evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-check-id')))
    expect(notCheckableIds).toContain('rollback-plan')
    expect(notCheckableIds).toContain('user-id-source')
    await screenshot(page, 'check-window')

    const reloaded = page.waitForResponse((response) =>
      response.url().includes('/api/check?since=1h'),
    )
    await page.getByTestId('check-window').selectOption('1h')
    expect((await reloaded).status()).toBe(200)
    await finding(page, 'agent-names').waitFor()
    expect(await summary.innerText()).toMatch(/^2 traces and /)
    await closeClean(opened)
  })
})
