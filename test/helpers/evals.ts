// Runs the pydantic_evals experiment of test/interop/eval_experiment.py
// through `loupe run --mock` against a test core, and reads experiments back
// from the core's API.

import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import type { ExperimentDetail } from '../../src/shared/evals'
import { agentEnv, apiJson, repoRoot, runCli, type TestCore } from './core'

export const EXPERIMENT_SCRIPT = join(repoRoot, 'test/interop/eval_experiment.py')
export const CAPITALS_SCENARIO = join(repoRoot, 'test/fixtures/evals/capitals.yaml')

/** What eval_experiment.py prints: pydantic_evals' own report of the experiment. */
export interface ExperimentReport {
  name: string
  traceId: string
  cases: Record<string, { output?: string; assertions?: Record<string, boolean>; error?: string }>
}

export interface ExperimentRun {
  report: ExperimentReport
  runId: string
}

/**
 * Returns null when `python` can import pydantic_evals, else the reason.
 * scripts/test-setup.sh installs it from test/interop/requirements-evals.txt.
 */
export function missingPydanticEvals(python: string): string | null {
  try {
    execFileSync(python, ['-c', 'import pydantic_evals'], { stdio: 'pipe' })
    return null
  } catch (error) {
    return (
      `${python} cannot import pydantic_evals (${(error as Error).message.split('\n')[0]}): ` +
      'run `npm run test:setup`'
    )
  }
}

/**
 * Runs the experiment with prompt `version` (1 or 2) on `cases`, as a run of
 * the core's gateway answered from the capitals scenario. `env` adds to the
 * script's environment.
 */
export async function runExperiment(
  loupe: TestCore,
  python: string,
  version: '1' | '2',
  cases: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<ExperimentRun> {
  const result = await runCli(
    [
      'run',
      '--mock',
      CAPITALS_SCENARIO,
      '--data',
      loupe.dataDir,
      '--',
      python,
      EXPERIMENT_SCRIPT,
      version,
      ...cases,
    ],
    agentEnv(env),
  )
  if (result.code !== 0) {
    throw new Error(
      `the experiment run failed (${result.code}):\n${result.stdout}\n${result.stderr}`,
    )
  }
  const runId = /run (run_[0-9a-f]+) started/.exec(result.stderr)?.[1]
  if (runId === undefined)
    throw new Error(`no run id in the output of loupe run:\n${result.stderr}`)
  const report = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as ExperimentReport
  return { report, runId }
}

/**
 * Polls the API until the experiment `ref` exists and passes `ready`, and
 * returns it. Throws after `timeoutMs` with the last response.
 */
export async function waitForExperiment(
  loupe: TestCore,
  ref: string,
  ready: (detail: ExperimentDetail) => boolean,
  timeoutMs = 20_000,
): Promise<ExperimentDetail> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const path = `/api/evals/experiments/${encodeURIComponent(ref)}?wait=1`
    const { status, body } = await apiJson<ExperimentDetail>(loupe, path)
    if (status === 200 && ready(body)) return body
    if (Date.now() > deadline) {
      throw new Error(`experiment ${ref} not ready after ${timeoutMs} ms: ${JSON.stringify(body)}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/**
 * Returns an OTLP/JSON request with one trace that runs two experiments of
 * one case each under an outer span, with the span names and attributes
 * that Logfire gives pydantic_evals spans.
 */
export function twoExperimentsTrace(traceId: string, startNs: bigint): object {
  const string = (key: string, value: string) => ({ key, value: { stringValue: value } })
  const span = (
    spanId: string,
    parentSpanId: string,
    name: string,
    offsetMs: number,
    attributes: object[],
  ) => ({
    traceId,
    spanId,
    parentSpanId,
    name,
    kind: 1,
    startTimeUnixNano: String(startNs + BigInt(offsetMs) * 1_000_000n),
    endTimeUnixNano: String(startNs + BigInt(offsetMs + 40) * 1_000_000n),
    attributes,
  })
  const experiment = (spanId: string, name: string, offsetMs: number) =>
    span(spanId, 'a000000000000001', 'evaluate {name}', offsetMs, [
      string('name', name),
      string('dataset_name', 'capitals'),
      string('logfire.msg_template', 'evaluate {name}'),
    ])
  const evalCase = (spanId: string, parentSpanId: string, output: string, offsetMs: number) =>
    span(spanId, parentSpanId, 'case: {case_name}', offsetMs, [
      string('case_name', 'france'),
      string('inputs', 'France'),
      string('output', output),
      string('assertions', '{}'),
      string(
        'logfire.json_schema',
        '{"type":"object","properties":{"assertions":{"type":"object"}}}',
      ),
    ])
  return {
    resourceSpans: [
      {
        resource: { attributes: [string('service.name', 'two-experiments')] },
        scopeSpans: [
          {
            scope: { name: 'pydantic-evals' },
            spans: [
              span('a000000000000001', '', 'outer', 0, []),
              experiment('e000000000000001', 'first', 1),
              evalCase('c000000000000001', 'e000000000000001', 'Paris', 2),
              experiment('e000000000000002', 'second', 50),
              evalCase('c000000000000002', 'e000000000000002', 'Lyon', 51),
            ],
          },
        ],
      },
    ],
  }
}
