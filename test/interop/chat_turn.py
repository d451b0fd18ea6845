"""A pydantic-ai agent with two tools, instrumented through Logfire and run on
pydantic-ai's TestModel, wrapped the way services usually wrap a chat turn.

It reads no Loupe-specific setting: where the telemetry goes comes only from
the environment (OTEL_EXPORTER_OTLP_ENDPOINT, or LOGFIRE_TOKEN with
LOGFIRE_BASE_URL). It prints the trace id of the chat turn on its last line.
"""

import logfire
from pydantic_ai import Agent
from pydantic_ai.models.test import TestModel

logfire.configure(service_name='interop-chat', console=False)
logfire.instrument_pydantic_ai()

agent = Agent(
    TestModel(),
    name='weather_agent',
    instructions='You answer questions about the weather. Use the tools.',
)


@agent.tool_plain
def get_forecast(city: str) -> str:
    """Forecast for a city."""
    return f'sunny in {city}'


@agent.tool_plain
def get_humidity(city: str) -> int:
    """Relative humidity in a city, in percent."""
    return 40


def main() -> None:
    with logfire.span('chat_turn', user_id='u-123') as turn:
        result = agent.run_sync('What is the weather in Utrecht?')
        logfire.info('chat turn used {tokens} tokens', tokens=result.usage.total_tokens)
    trace_id = turn.get_span_context().trace_id
    logfire.force_flush()
    print(format(trace_id, '032x'))


if __name__ == '__main__':
    main()
