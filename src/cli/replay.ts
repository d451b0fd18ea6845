// `loupe replay SOURCE -- CMD`: run the agent again against the gateway,
// which serves the recorded model replies of a run, a trace or a cassette
// file in order, and reports where the new run's requests first differ.

import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { basename } from 'node:path'
import type { RunDiffJson, RunDiffSide } from '../shared/api'
import type { ErrorClass } from '../shared/genai'
import { exportTest } from './export-test'
import { formatDuration } from './format'
import { parseCassette } from '../core/replay/cassette'
import { ReplayPlayer } from '../core/replay/player'
import { CliError } from './folder'
import { api, runCommand, withCore } from './run'

export interface ReplayCommandOptions {
  dataDir: string
  until: string | null
  then: 'fail' | 'mock' | 'live'
  /** A file to write the cassette to. */
  save: string | null
  /** `SPAN=REPLY` edits of recorded replies; REPLY is JSON or a JSON file. */
  edits: string[]
  /** A folder to write the cassette and a pytest to, and the agent the test imports. */
  exportTest: string | null
  agent: string | null
  /** The agent command the exported vitest runs, already split into arguments. */
  agentCommand: string[]
  failOn: ErrorClass[]
  json: boolean
}

const TRACE_ID = /^[0-9a-f]{32}$/

async function readCassetteFile(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown
  } catch (error) {
    throw new CliError(`cannot read cassette ${path}: ${(error as Error).message}`)
  }
}

/**
 * Reads one `--edit SPAN=REPLY`: REPLY is a JSON object with `text` and/or
 * `toolCalls`, given inline or as the path of a file that contains it.
 */
async function readEdit(
  value: string,
): Promise<{ spanId: string; text?: string | null; toolCalls?: unknown[] }> {
  const at = value.indexOf('=')
  if (at <= 0) {
    throw new CliError(
      `invalid --edit ${JSON.stringify(value)}: write SPAN=REPLY, e.g. --edit 4f3c2a1b0e9d8c7f='{"text": "Done."}'`,
    )
  }
  const spanId = value.slice(0, at)
  const reply = value.slice(at + 1)
  let text = reply
  if (!reply.trimStart().startsWith('{')) {
    try {
      text = await readFile(reply, 'utf8')
    } catch (error) {
      throw new CliError(
        `cannot read the edit of span ${spanId} from ${reply}: ${(error as Error).message}`,
      )
    }
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new CliError(`the edit of span ${spanId} is not JSON: ${(error as Error).message}`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CliError(
      `the edit of span ${spanId} must be a JSON object with "text" and/or "toolCalls"`,
    )
  }
  return { spanId, ...(parsed as { text?: string | null; toolCalls?: unknown[] }) }
}

/** Prints the diff of two runs or traces; resolves with 0, or 1 when they differ. */
export async function diffCommand(
  a: string,
  b: string,
  options: { dataDir: string; json: boolean },
): Promise<number> {
  const query = `a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`
  const diff = await withCore(options.dataDir, (core) =>
    api<RunDiffJson>(core, `/api/diff?${query}`),
  )
  process.stdout.write(`${options.json ? JSON.stringify(diff, null, 2) : formatDiff(diff)}\n`)
  return diff.firstDivergence === null ? 0 : 1
}

function formatSide(side: RunDiffSide): string {
  const cost = side.costUsd === null ? 'unpriced' : `$${side.costUsd.toFixed(6)}`
  return (
    `${side.id}: ${side.modelCalls} model calls, ${side.toolCalls} tool calls, ` +
    `${side.inputTokens} in / ${side.outputTokens} out tokens, ${cost}, ` +
    `${formatDuration(side.durationMs)}, error class ${side.errorClass}`
  )
}

/** Formats a diff for people: both runs' totals, then each step that differs. */
export function formatDiff(diff: RunDiffJson): string {
  const lines = [`A  ${formatSide(diff.a)}`, `B  ${formatSide(diff.b)}`, '']
  if (diff.firstDivergence === null) {
    lines.push(`the runs match in all ${diff.steps.length} model and tool calls`)
    return lines.join('\n')
  }
  lines.push(`first divergence at step ${diff.firstDivergence}`)
  for (const step of diff.steps) {
    if (step.status === 'same') continue
    lines.push(`  step ${step.index} (${step.kind} call, ${step.status}):`)
    for (const change of step.changes) lines.push(`    ${change}`)
  }
  return lines.join('\n')
}

/** Resolves with the exit code `loupe replay` should end with. */
export async function replayCommand(
  source: string,
  command: string[],
  options: ReplayCommandOptions,
): Promise<number> {
  if (command.length === 0 && options.save === null && options.exportTest === null) {
    throw new CliError(
      'no command to replay; put it after --, e.g. loupe replay RUN -- python agent.py, or give --save FILE',
    )
  }
  const fromFile = !TRACE_ID.test(source) && !source.startsWith('run_') && existsSync(source)
  const cassette = fromFile ? await readCassetteFile(source) : undefined
  if (options.exportTest !== null) {
    if (fromFile) {
      throw new CliError(
        '--export-test needs the run or trace id, so that the test knows how the run ended',
      )
    }
    await exportTest(
      options.dataDir,
      source,
      options.agent,
      options.agentCommand,
      options.exportTest,
    )
    if (command.length === 0 && options.save === null) return 0
  }
  if (options.save !== null) {
    const saved =
      cassette ??
      (await withCore(options.dataDir, (core) =>
        api<unknown>(
          core,
          `/api/${TRACE_ID.test(source) ? 'traces' : 'runs'}/${encodeURIComponent(source)}/cassette`,
        ),
      ))
    await writeFile(options.save, `${JSON.stringify(saved, null, 2)}\n`)
    process.stderr.write(`loupe: wrote the cassette of ${source} to ${options.save}\n`)
    if (command.length === 0) return 0
  }
  return runCommand(command, {
    dataDir: options.dataDir,
    mock: false,
    record: false,
    scenario: null,
    failOn: options.failOn,
    json: options.json,
    replay: {
      source: fromFile ? basename(source) : source,
      cassette,
      until: options.until,
      then: options.then,
      edits: await Promise.all(options.edits.map(readEdit)),
    },
  })
}

/** Reads a cassette file for `loupe mock --replay`; throws a CliError or CassetteError saying what is wrong. */
export async function readReplay(path: string, then: 'fail' | 'mock'): Promise<ReplayPlayer> {
  const cassette = parseCassette(await readCassetteFile(path), basename(path))
  return new ReplayPlayer(cassette, { source: basename(path), until: null, then })
}
