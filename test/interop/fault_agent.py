"""Run a pydantic-ai agent against Loupe's mock gateway, scripted by a scenario, and report how it ended.

Usage: fault_agent.py MODEL [--timeout SECONDS]

MODEL is a pydantic-ai model name (`openai:gpt-4o-mini`, `openai-chat:gpt-4o-mini`,
`anthropic:claude-sonnet-4-5`); its client takes the base URL and key from the environment
that `loupe run --mock SCENARIO` sets. --timeout sets the model request timeout in
model_settings. The OpenAI and Anthropic clients keep their default retries (two), so
retried calls reach the gateway.

Spans go through the Logfire SDK to OTEL_EXPORTER_OTLP_ENDPOINT, under an `agent_turn`
span that records the exception that ended the run. The script exits 1 when the run
failed, 0 when it succeeded.

Output: one JSON line with the exception type (or null), the output (or null), and the
trace id.
"""

from __future__ import annotations

import json
import sys

import logfire
from pydantic import BaseModel
from pydantic_ai import Agent
from pydantic_ai.settings import ModelSettings


class Forecast(BaseModel):
    city: str
    summary: str


def get_forecast(city: str) -> str:
    """Forecast for a city."""
    return f'sunny in {city}'


def main() -> int:
    model = sys.argv[1]
    settings = ModelSettings()
    if '--timeout' in sys.argv:
        settings['timeout'] = float(sys.argv[sys.argv.index('--timeout') + 1])
    logfire.configure(service_name='fault-agent', send_to_logfire=False, console=False)
    logfire.instrument_pydantic_ai()
    agent = Agent(
        model,
        name='fault_agent',
        instructions='You answer questions about the weather. Use the tools.',
        tools=[get_forecast],
        output_type=Forecast,
        model_settings=settings,
    )
    error: BaseException | None = None
    output = None
    trace_id = None
    try:
        # The span records the exception that ends the run and marks itself failed.
        with logfire.span('agent_turn') as root:
            trace_id = format(root.get_span_context().trace_id, '032x')
            output = agent.run_sync('What is the weather in Utrecht?').output.model_dump()
    except Exception as caught:
        error = caught
    logfire.force_flush()
    print(
        json.dumps(
            {
                'error': None if error is None else f'{type(error).__module__}.{type(error).__qualname__}',
                'message': None if error is None else str(error)[:500],
                'output': output,
                'traceId': trace_id,
            }
        )
    )
    return 0 if error is None else 1


if __name__ == '__main__':
    sys.exit(main())
