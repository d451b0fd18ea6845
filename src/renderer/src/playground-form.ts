// The playground form's values and how they come from remembered settings
// and past runs. Pure functions, so that unit tests run them without a DOM.

import type {
  PlaygroundMode,
  PlaygroundRunRequest,
  PlaygroundSettings,
  RunJson,
} from '../../shared/api'
import { DEFAULT_SCENARIO } from './scenario-examples'

export interface RunFormValues {
  commandLine: string
  cwd: string
  mode: PlaygroundMode
  /** The scenario in the editor, kept while another mode is chosen. */
  scenario: string
}

export const EMPTY_FORM: RunFormValues = {
  commandLine: '',
  cwd: '',
  mode: 'mock',
  scenario: DEFAULT_SCENARIO,
}

export const MODE_LABELS: Record<PlaygroundMode, string> = {
  mock: 'Mock model, automatic',
  scenario: 'Mock model, scenario',
  live: 'Real provider',
  record: 'Record',
}

export const MODE_HINTS: Record<PlaygroundMode, string> = {
  mock:
    'The mock model answers every OpenAI and Anthropic call, with text, tool calls or ' +
    'structured output that fits the request. No network, no API key.',
  scenario:
    'The mock model answers from the scenario below, turn by turn; calls it does not script ' +
    'get automatic answers unless the scenario says `then: error`.',
  live:
    'The command calls its provider directly with the API keys in the environment of ' +
    '`loupe serve` (or of the desktop app). Loupe receives its traces, not its model calls.',
  record:
    "Model calls go through Loupe's gateway, which forwards them to the real provider with the " +
    'API keys in the environment of `loupe serve`, and records the responses.',
}

/** Returns the form filled from the settings remembered for a folder, keeping the scenario when none was saved. */
export function formFromSettings(
  settings: PlaygroundSettings,
  current: RunFormValues,
): RunFormValues {
  return {
    commandLine: settings.commandLine,
    cwd: settings.cwd,
    mode: settings.mode,
    scenario: settings.scenario ?? current.scenario,
  }
}

/** Returns the form filled from a past run, for a rerun. */
export function formFromRun(run: RunJson, current: RunFormValues): RunFormValues {
  const scenario = run.mode === 'mock' ? run.scenarioText : null
  return {
    commandLine: run.commandLine,
    cwd: run.cwd,
    mode: scenario !== null ? 'scenario' : isPlaygroundMode(run.mode) ? run.mode : 'mock',
    scenario: scenario ?? current.scenario,
  }
}

export function runRequest(values: RunFormValues): PlaygroundRunRequest {
  return {
    commandLine: values.commandLine,
    cwd: values.cwd.trim(),
    mode: values.mode,
    scenario: values.mode === 'scenario' ? values.scenario : null,
  }
}

/** Replaces the run with the same id, or adds a new one, keeping the newest first. */
export function upsertRun(runs: readonly RunJson[], run: RunJson): RunJson[] {
  const others = runs.filter((old) => old.id !== run.id)
  return [run, ...others].sort((a, b) => b.startedAt.localeCompare(a.startedAt))
}

/**
 * Returns `loaded` with the pushed runs that it lacks or shows as still
 * running after they ended. A run only goes from running to ended, so an
 * ended copy is never older than a running one.
 */
export function withPushedRuns(loaded: RunJson[], pushed: ReadonlyMap<string, RunJson>): RunJson[] {
  let runs = loaded
  for (const run of pushed.values()) {
    const listed = runs.find((old) => old.id === run.id)
    if (listed === undefined || (listed.endedAt === null && run.endedAt !== null))
      runs = upsertRun(runs, run)
  }
  return runs
}

function isPlaygroundMode(mode: string): mode is PlaygroundMode {
  return mode in MODE_LABELS
}
