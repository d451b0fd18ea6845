"""A pydantic-ai agent for the replay tests, with a tool that fails on one city until it is fixed.

Usage: replay_agent.py MODEL

`build_agent` makes the same agent for tests that import it (the pytest that
`loupe replay --export-test` writes). FORECAST_TOOL_NAME renames the forecast tool, as a change
to the agent that such a test must catch.

The prompt and the instructions come from AGENT_PROMPT and AGENT_INSTRUCTIONS (with defaults),
so a test can change either one between a recording and its replay. `get_forecast` raises
ValueError for the city Atlantis unless FORECAST_FIXED=1. Spans go through the Logfire SDK to
OTEL_EXPORTER_OTLP_ENDPOINT. The OpenAI client takes its base URL and key from the environment.

Output: one JSON line with the exception type (or null), the output (or null), and the tool
calls in order (name and arguments). Exits 1 when the run failed.
"""

from __future__ import annotations

import json
import os
import sys

import logfire
from pydantic_ai import Agent, Tool
from pydantic_ai.messages import ModelResponse, ToolCallPart


def get_forecast(city: str) -> str:
    """Forecast for a city."""
    if city == 'Atlantis' and os.environ.get('FORECAST_FIXED') != '1':
        raise ValueError(f'no forecast data for {city}')
    return f'sunny in {city}'


def get_humidity(city: str) -> int:
    """Relative humidity in a city, in percent."""
    return 40


def build_agent(model: str = 'test') -> Agent[None, str]:
    return Agent(
        model,
        name='replay_agent',
        instructions=os.environ.get('AGENT_INSTRUCTIONS', 'You answer questions about the weather.'),
        tools=[Tool(get_forecast, name=os.environ.get('FORECAST_TOOL_NAME', 'get_forecast')), get_humidity],
    )


def main() -> int:
    logfire.configure(service_name='replay-agent', send_to_logfire=False, console=False)
    logfire.instrument_pydantic_ai()
    agent = build_agent(sys.argv[1])
    prompt = os.environ.get('AGENT_PROMPT', 'What is the weather in Atlantis?')
    error: BaseException | None = None
    output = None
    messages = []
    try:
        with logfire.span('replay_turn'):
            result = agent.run_sync(prompt)
            output = result.output
            messages = result.all_messages()
    except Exception as caught:
        error = caught
    logfire.force_flush()
    tool_calls = [
        {'name': part.tool_name, 'arguments': part.args_as_dict()}
        for message in messages
        if isinstance(message, ModelResponse)
        for part in message.parts
        if isinstance(part, ToolCallPart)
    ]
    print(
        json.dumps(
            {
                'error': None if error is None else type(error).__name__,
                'message': None if error is None else str(error)[:300],
                'output': output,
                'toolCalls': tool_calls,
            }
        )
    )
    return 0 if error is None else 1


if __name__ == '__main__':
    sys.exit(main())
