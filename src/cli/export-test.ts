// `loupe replay SOURCE --export-test DIR --agent MODULE:NAME`: write a run's
// cassette and a pytest that replays it through pydantic-ai's FunctionModel,
// with no Loupe running. The test checks that the agent accepts each
// recorded tool call (same tool, valid arguments, in order) and ends as the
// recorded run ended: with the same exception type, or the same output.

import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { RunJson, TraceSummary } from '../shared/api'
import type { Cassette } from '../core/replay/cassette'
import { CliError } from './folder'
import { api, withCore } from './run'

/** Outcome of the recorded run: the short type of the exception that ended it, or null for success. */
interface Outcome {
  error: string | null
}

const TRACE_ID = /^[0-9a-f]{32}$/

async function recordedOutcome(core: Parameters<typeof api>[0], source: string): Promise<Outcome> {
  const traceIds = TRACE_ID.test(source)
    ? [source]
    : (await api<RunJson>(core, `/api/runs/${encodeURIComponent(source)}`)).traceIds
  for (const traceId of traceIds) {
    const trace = await api<TraceSummary>(core, `/api/traces/${traceId}`)
    const type = trace.error?.exceptionType
    if (type) return { error: type.split('.').pop()! }
  }
  return { error: null }
}

function pythonString(value: string): string {
  return JSON.stringify(value)
}

/** Returns the text of the pytest module for a cassette. */
export function pytestModule(
  cassette: Cassette,
  agent: string,
  source: string,
  outcome: Outcome,
): string {
  const first = cassette.calls.find((call) => call.request.lastUserText !== null)
  if (!first)
    throw new CliError(`the recording of ${source} has no user prompt to start the agent with`)
  const toolCalls = cassette.calls.flatMap((call) =>
    (call.reply?.toolCalls ?? []).map((toolCall) => [toolCall.name, toolCall.arguments]),
  )
  return `"""Regression test of ${source}, written by \`loupe replay --export-test\`.

It replays the recorded model replies in cassette.json through pydantic-ai's
FunctionModel, so it needs no network, no key and no Loupe. It fails when the
agent stops accepting a recorded tool call (a tool renamed or removed, or
arguments that no longer validate), makes more model calls than were recorded,
or ends differently from the recorded run.
"""

from __future__ import annotations

import importlib
import json
import os
import pathlib
from typing import Any

import pytest
from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    RetryPromptPart,
    TextPart,
    ToolCallPart,
)
from pydantic_ai.exceptions import ModelHTTPError
from pydantic_ai.models.function import AgentInfo, FunctionModel

CASSETTE = json.loads((pathlib.Path(__file__).parent / 'cassette.json').read_text())
AGENT = ${pythonString(agent)}
PROMPT = ${pythonString(first.request.lastUserText!)}
EXPECTED_TOOL_CALLS = json.loads(${pythonString(JSON.stringify(toolCalls))})
EXPECTED_ERROR = ${outcome.error === null ? 'None' : pythonString(outcome.error)}


def load_agent() -> Any:
    """Imports the agent named MODULE:NAME; a function that is not an agent is called to build one."""
    # Provider clients built at import time want a key; the replay never uses it.
    for variable in ('OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GEMINI_API_KEY', 'GROQ_API_KEY', 'MISTRAL_API_KEY'):
        os.environ.setdefault(variable, 'not-used-by-the-replay')
    module_name, _, name = AGENT.partition(':')
    found = getattr(importlib.import_module(module_name), name)
    return found if hasattr(found, 'override') else found()


def recorded_replies() -> list[ModelResponse | dict[str, Any]]:
    """The recorded replies in order. An error that the client retried is left out; errors at the
    end of the recording, which ended the run, stay as dicts and are raised again."""
    calls = CASSETTE['calls']
    last_reply = max((i for i, call in enumerate(calls) if call['reply'] is not None), default=-1)
    replies: list[ModelResponse | dict[str, Any]] = []
    for index, call in enumerate(calls):
        reply = call['reply']
        if reply is None:
            if index > last_reply and call['error'] is not None:
                replies.append(call['error'])
            continue
        parts: list[Any] = []
        if reply['text']:
            parts.append(TextPart(reply['text']))
        for tool_call in reply['toolCalls']:
            parts.append(ToolCallPart(tool_call['name'], tool_call['arguments'], tool_call_id=tool_call['id']))
        replies.append(ModelResponse(parts=parts))
    return replies


def final_output(replies: list[ModelResponse | dict[str, Any]]) -> Any:
    """The output the recorded run ended with: the last reply's text, or its output tool's arguments."""
    last = replies[-1]
    assert isinstance(last, ModelResponse), 'the recorded run ended with an error, not a reply'
    for part in last.parts:
        if isinstance(part, ToolCallPart):
            return part.args_as_dict()
    return ''.join(part.content for part in last.parts if isinstance(part, TextPart))


def test_replays_the_recorded_run() -> None:
    agent = load_agent()
    replies = recorded_replies()
    remaining = iter(replies)
    handed_out: list[list[Any]] = []

    def model(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        offered = {tool.name for tool in [*info.function_tools, *info.output_tools]}
        last = messages[-1]
        if isinstance(last, ModelRequest):
            for part in last.parts:
                if isinstance(part, RetryPromptPart) and part.tool_name:
                    pytest.fail(f'the agent rejected the recorded call of {part.tool_name}: {part.content}')
        reply = next(remaining, None)
        if reply is None:
            pytest.fail(f'the agent made more model calls than the {len(replies)} recorded')
        if isinstance(reply, dict):
            model_name = CASSETTE['calls'][0]['model'] or 'recorded'
            raise ModelHTTPError(status_code=reply['status'], model_name=model_name, body=reply['message'])
        for part in reply.parts:
            if isinstance(part, ToolCallPart):
                # pytest.fail, not assert: the agent run would catch an AssertionError as its own failure.
                if part.tool_name not in offered:
                    pytest.fail(f'the agent no longer offers the recorded tool {part.tool_name}')
                handed_out.append([part.tool_name, part.args_as_dict()])
        return reply

    error: BaseException | None = None
    output: Any = None
    with agent.override(model=FunctionModel(model)):
        try:
            output = agent.run_sync(PROMPT).output
        except Exception as caught:
            error = caught

    assert handed_out == EXPECTED_TOOL_CALLS
    if EXPECTED_ERROR is None:
        assert error is None, f'the recorded run succeeded, but this one raised {error!r}'
        dumped = output.model_dump(mode='json') if hasattr(output, 'model_dump') else output
        assert dumped == final_output(replies)
    else:
        assert error is not None, f'the recorded run raised {EXPECTED_ERROR}, but this one succeeded'
        names = {cls.__name__ for cls in type(error).__mro__}
        # A provider error raised again here is a ModelHTTPError, where the recorded run may name a subclass.
        same_provider_error = isinstance(error, ModelHTTPError) and EXPECTED_ERROR.startswith('Model')
        assert EXPECTED_ERROR in names or same_provider_error, f'expected {EXPECTED_ERROR}, got {error!r}'
`
}

/**
 * Writes DIR/cassette.json and the tests asked for: test_replay.py (a pytest
 * of a pydantic-ai agent, with `agent`) and replay.test.mjs (a vitest that
 * runs `command` against `loupe mock --replay`).
 */
export async function exportTest(
  dataDir: string,
  source: string,
  agent: string | null,
  command: string[],
  directory: string,
): Promise<void> {
  if (agent === null && command.length === 0) {
    throw new CliError(
      '--export-test needs --agent MODULE:NAME for a pytest of a pydantic-ai agent (the importable agent, or a ' +
        "function that builds it), or --agent-command 'CMD ARGS' for a vitest that runs any agent against loupe mock",
    )
  }
  if (agent !== null && !/^[\w.]+:\w+$/.test(agent)) {
    throw new CliError(`--agent ${agent} is not MODULE:NAME, e.g. --agent app.agents:support_agent`)
  }
  const { written, outcome } = await withCore(dataDir, async (core) => ({
    written: await api<Cassette>(
      core,
      `/api/${TRACE_ID.test(source) ? 'traces' : 'runs'}/${encodeURIComponent(source)}/cassette`,
    ),
    outcome: await recordedOutcome(core, source),
  }))
  const files: string[] = []
  try {
    await mkdir(directory, { recursive: true })
    await writeFile(join(directory, 'cassette.json'), `${JSON.stringify(written, null, 2)}\n`)
    if (agent !== null) {
      await writeFile(
        join(directory, 'test_replay.py'),
        pytestModule(written, agent, source, outcome),
      )
      files.push('test_replay.py (run it with pytest; the agent module must be importable)')
    }
    if (command.length > 0) {
      await writeFile(join(directory, 'replay.test.mjs'), vitestModule(command, source, outcome))
      files.push('replay.test.mjs (run it with vitest)')
    }
  } catch (error) {
    throw new CliError(
      `cannot write the test to ${directory}: ${(error as Error).message}; choose a folder you can write to`,
    )
  }
  process.stderr.write(`loupe: wrote cassette.json and ${files.join(' and ')} to ${directory}\n`)
}

/** Returns the text of a vitest module that runs a Node agent against the cassette through `loupe mock --replay`. */
export function vitestModule(command: string[], source: string, outcome: Outcome): string {
  return `// Regression test of ${source}, written by \`loupe replay --export-test\`.
//
// It serves the recorded model replies in cassette.json with \`loupe mock --replay\`,
// runs the agent against them with OPENAI_BASE_URL and ANTHROPIC_BASE_URL pointed
// at the mock, and checks that the agent's requests match the recording and that
// it ends as the recorded run did. It needs no network and no key. Set
// LOUPE_COMMAND when \`loupe\` is not on the PATH (e.g. "npx loupe"), and
// AGENT_CWD for the folder the agent runs in (default: the current one).

import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'

const here = dirname(fileURLToPath(import.meta.url))
const AGENT = ${JSON.stringify(command)}
const RECORDED_OUTCOME = ${JSON.stringify(outcome.error === null ? 'success' : 'failure')}
const LOUPE = (process.env.LOUPE_COMMAND ?? 'loupe').split(' ')

test('replays the recorded run', async () => {
  const data = mkdtempSync(join(tmpdir(), 'loupe-replay-'))
  const mock = spawn(
    LOUPE[0],
    [...LOUPE.slice(1), 'mock', '--port', '0', '--data', data, '--replay', join(here, 'cassette.json')],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let mockOutput = ''
  mock.stdout.on('data', (chunk) => (mockOutput += chunk))
  mock.stderr.on('data', (chunk) => (mockOutput += chunk))
  try {
    for (let i = 0; i < 400 && !mockOutput.includes('ANTHROPIC_BASE_URL='); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    const openai = /OPENAI_BASE_URL=(\\S+)/.exec(mockOutput)?.[1]
    const anthropic = /ANTHROPIC_BASE_URL=(\\S+)/.exec(mockOutput)?.[1]
    expect(openai, \`loupe mock did not start:\\n\${mockOutput}\`).toBeDefined()
    const agent = spawn(AGENT[0], AGENT.slice(1), {
      cwd: process.env.AGENT_CWD ?? process.cwd(),
      env: {
        ...process.env,
        OPENAI_BASE_URL: openai,
        OPENAI_API_KEY: 'not-used-by-the-replay',
        ANTHROPIC_BASE_URL: anthropic,
        ANTHROPIC_API_KEY: 'not-used-by-the-replay',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let agentOutput = ''
    agent.stdout.on('data', (chunk) => (agentOutput += chunk))
    agent.stderr.on('data', (chunk) => (agentOutput += chunk))
    const code = await new Promise((resolve) => agent.once('exit', resolve))
    expect(mockOutput, 'the agent sent requests that the recording does not have').not.toContain(
      'Loupe replay diverged',
    )
    expect(code === 0 ? 'success' : 'failure', agentOutput).toBe(RECORDED_OUTCOME)
  } finally {
    mock.kill('SIGTERM')
    await new Promise((resolve) => mock.once('exit', resolve))
    rmSync(data, { recursive: true, force: true })
  }
}, 60_000)
`
}
