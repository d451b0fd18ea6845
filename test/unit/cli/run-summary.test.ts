import { describe, expect, it } from 'vitest'
import type { RunJson } from '../../../src/shared/api'
import { formatRunSummary, shellStatus } from '../../../src/cli/run'

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

function summaryLine(run: RunJson, index: number): string {
  return formatRunSummary(run, 1500, (traceId) => traceId).split('\n')[index]!
}

function firstLine(run: RunJson): string {
  return summaryLine(run, 0)
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

  it('gives no cost to a run without model calls', () => {
    expect(summaryLine(runEndedWith(0, null), 2)).toBe(
      '  tokens: 0 in / 0 out, cost: none (no model calls)',
    )
  })

  it('marks an unpriced model call', () => {
    const run = { ...runEndedWith(0, null), modelCalls: 1, inputTokens: 10, outputTokens: 2 }
    expect(summaryLine(run, 2)).toBe('  tokens: 10 in / 2 out, cost: unpriced')
  })

  it('gives the cost of priced model calls', () => {
    const run = { ...runEndedWith(0, null), modelCalls: 1, costUsd: 0.0045 }
    expect(summaryLine(run, 2)).toBe('  tokens: 0 in / 0 out, cost: $0.004500')
  })
})

describe('shellStatus', () => {
  it.each([
    [0, null, 0],
    [3, null, 3],
    [null, 'SIGINT', 130],
    [null, 'SIGKILL', 137],
    [null, 'SIGNOTREAL', 1],
    [null, null, 1],
  ])('exit code %s and signal %s give %i', (exitCode, signal, status) => {
    expect(shellStatus(exitCode, signal)).toBe(status)
  })
})
