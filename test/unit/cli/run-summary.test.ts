import { describe, expect, it } from 'vitest'
import type { RunJson } from '../../../src/shared/api'
import { formatRunSummary } from '../../../src/cli/run'

function runEndedWith(exitCode: number | null, signal: string | null): RunJson {
  return {
    id: 'run_0123456789abcdef',
    exitCode,
    signal,
    traceIds: [],
    modelCalls: 0,
    toolCalls: 0,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: null,
    errorClass: 'none',
    errorClasses: [],
    replay: null,
  } as unknown as RunJson
}

function firstLine(run: RunJson): string {
  return formatRunSummary(run, 1500, (traceId) => traceId).split('\n')[0]!
}

describe('formatRunSummary', () => {
  it('gives the exit code of a command that exited', () => {
    expect(firstLine(runEndedWith(7, null))).toBe(
      'loupe: run run_0123456789abcdef exited with code 7 after 1.50 s',
    )
  })

  it('names the signal that ended a command', () => {
    expect(firstLine(runEndedWith(null, 'SIGINT'))).toBe(
      'loupe: run run_0123456789abcdef was ended by SIGINT after 1.50 s',
    )
  })

  it('says when neither a code nor a signal is known', () => {
    expect(firstLine(runEndedWith(null, null))).toBe(
      'loupe: run run_0123456789abcdef ended without an exit code after 1.50 s',
    )
  })
})
