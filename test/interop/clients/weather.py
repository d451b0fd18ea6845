"""The weather task that the client scripts of this folder give Loupe's mock gateway.

weather.json contains the prompt, the two tools' parameter schemas and the structured output
schema; the TypeScript tests read the same file. This module runs the tools, makes a W3C
traceparent for each scenario, and prints the report that the tests read.

A report is one JSON line: {"scenarios": {NAME: SCENARIO}}. A SCENARIO has the trace id that
its requests sent as traceparent, the model calls it made in order (`calls`) and anything
else the scenario wants to show (`details`). A scenario that raised has `error` (the
traceback) in place of `calls`, so one failing client call fails only its own test.
"""

from __future__ import annotations

import json
import os
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

FIXTURE = json.loads((Path(__file__).parent / 'weather.json').read_text())
PROMPT: str = FIXTURE['prompt']
TOOLS: list[dict[str, Any]] = FIXTURE['tools']
REPORT_FORMAT: dict[str, Any] = FIXTURE['report']


def tool_named(name: str) -> dict[str, Any]:
    return next(tool for tool in TOOLS if tool['name'] == name)


def run_tool(name: str, arguments: dict[str, Any]) -> str:
    """Return the result of one of the fixture's tools, as the agent would send it back."""
    if name == 'get_forecast':
        return f'{arguments["days"]}-day forecast for {arguments["city"]}: sunny, in {arguments["unit"]}'
    if name == 'get_humidity':
        location = arguments['location']
        return f'humidity in {location["city"]}, {location["country_code"]}: 40%'
    raise ValueError(f'unknown tool {name}')


def client_call(
    *,
    response_id: str,
    model: str,
    stream: bool,
    text: str | None,
    tool_calls: list[dict[str, Any]],
    input_tokens: int,
    output_tokens: int,
    total_tokens: int | None,
    finish_reason: str | None,
) -> dict[str, Any]:
    """Describe one model call as the SDK returned it, in the shape the tests read."""
    return {
        'responseId': response_id,
        'model': model,
        'stream': stream,
        'text': text,
        'toolCalls': tool_calls,
        'usage': {'input': input_tokens, 'output': output_tokens, 'total': total_tokens},
        'finishReason': finish_reason,
    }


class Scenario:
    """One scenario's trace context, and the calls and details that it records."""

    def __init__(self) -> None:
        self.trace_id = os.urandom(16).hex()
        self.traceparent = f'00-{self.trace_id}-{os.urandom(8).hex()}-01'
        self.calls: list[dict[str, Any]] = []
        self.details: dict[str, Any] = {}


def run_scenarios(scenarios: dict[str, Callable[[Scenario], None]], selected: list[str]) -> None:
    """Run the selected scenarios (all when none is selected) and print the report."""
    report: dict[str, Any] = {}
    for name in selected or list(scenarios):
        scenario = Scenario()
        try:
            scenarios[name](scenario)
            report[name] = {'traceId': scenario.trace_id, 'calls': scenario.calls, 'details': scenario.details}
        except Exception:
            report[name] = {'traceId': scenario.trace_id, 'error': traceback.format_exc()}
    print(json.dumps({'scenarios': report}))
