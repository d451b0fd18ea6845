"""A chat turn whose Logfire span is named by a message template.

Logfire names the span `turn {prompt}` and sends the formatted message
(`turn What is the weather in Utrecht?`) as its `logfire.msg` attribute.
Inside it, a pydantic-ai agent runs on pydantic-ai's TestModel. The
telemetry goes to OTEL_EXPORTER_OTLP_ENDPOINT. The last line printed is
the trace id.
"""

import logfire
from pydantic_ai import Agent
from pydantic_ai.models.test import TestModel

logfire.configure(service_name='interop-template', console=False)
logfire.instrument_pydantic_ai()

agent = Agent(TestModel(), name='weather_agent')


def main() -> None:
    prompt = 'What is the weather in Utrecht?'
    with logfire.span('turn {prompt}', prompt=prompt) as turn:
        agent.run_sync(prompt)
    trace_id = turn.get_span_context().trace_id
    logfire.force_flush()
    print(format(trace_id, '032x'))


if __name__ == '__main__':
    main()
