"""Run one pydantic-ai agent scenario against the stub OpenAI API and send its trace over OTLP.

Usage: scenarios.py SCENARIO (logfire|otel)

`logfire` instruments through the Logfire SDK, `otel` through a plain OpenTelemetry
TracerProvider and `Agent.instrument_all()`. Either way the OTLP endpoint comes from
OTEL_EXPORTER_OTLP_ENDPOINT. The run is wrapped in an `agent_turn` root span. A
scenario that is meant to fail catches its expected exception outside that span, so
the root span records it, and the script still exits 0; any other outcome exits 1.

Output: one JSON line with the request count the stub received and the usage of
each model response (as the stub returned it, or as TestModel reported it), then the
trace id (32 hex digits) on the last line.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from opentelemetry.trace import Span
from pydantic import BaseModel
from pydantic_ai import Agent, ModelRetry
from pydantic_ai.exceptions import ModelHTTPError, UnexpectedModelBehavior, UsageLimitExceeded
from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models import Model
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.models.test import TestModel
from pydantic_ai.providers.openai import OpenAIProvider
from pydantic_ai.settings import ModelSettings
from pydantic_ai.usage import UsageLimits

from stub_openai import Reply, StubOpenAI, Usage, hang, http_error, text, tool_calls

PROMPT = 'What is the weather in Utrecht?'
INSTRUCTIONS = 'You answer questions about the weather. Use the tools.'
CLIENT_TIMEOUT_SECONDS = 5.0
"""The OpenAI client's request timeout in the `timeout` scenario. The stub hangs for longer."""
RUN_TIMEOUT_SECONDS = 1.0
"""The `asyncio.wait_for` limit around the run in the `timeout` scenario, shorter than the client timeout."""


class WeatherReport(BaseModel):
    city: str
    summary: str
    humidity_percent: int


def get_forecast(city: str) -> str:
    """Forecast for a city."""
    return f'sunny in {city}'


def get_humidity(city: str) -> int:
    """Relative humidity in a city, in percent."""
    return 40


def openai_model(stub: StubOpenAI, **settings: Any) -> OpenAIChatModel:
    provider = OpenAIProvider(base_url=stub.base_url, api_key='stub-key')
    return OpenAIChatModel('gpt-4o-mini', provider=provider, settings=ModelSettings(**settings))


def weather_agent(model: Model, **options: Any) -> Agent[None, Any]:
    """Build the agent that every scenario runs: two weather tools, named `weather_agent`."""
    return Agent(model, name='weather_agent', instructions=INSTRUCTIONS, tools=[get_forecast, get_humidity], **options)


@dataclass
class Scenario:
    """A stub script, the run against it, and the exception the run must end with (None for success).

    The run of a TestModel scenario returns the run's messages, because TestModel never calls the stub
    and the report takes its usage from them. Other runs return None, and the report takes the usage
    that the stub returned.
    """

    script: list[Reply]
    run: Callable[[StubOpenAI], Awaitable[list[ModelMessage] | None]]
    expected: type[BaseException] | None


async def run_tools_structured(stub: StubOpenAI) -> None:
    agent = weather_agent(openai_model(stub), output_type=WeatherReport)
    result = await agent.run(PROMPT)
    assert result.output == WeatherReport(city='Utrecht', summary='Sunny, 40% humidity', humidity_percent=40)


async def run_streaming(stub: StubOpenAI) -> None:
    agent = weather_agent(openai_model(stub))
    async with agent.run_stream(PROMPT) as result:
        outputs = [output async for output in result.stream_output(debounce_by=None)]
    assert outputs[-1] == 'It is sunny in Utrecht today.', outputs


async def run_usage_limit(stub: StubOpenAI) -> None:
    agent = weather_agent(openai_model(stub))
    await agent.run(PROMPT, usage_limits=UsageLimits(request_limit=1))


async def run_unexpected_behavior(stub: StubOpenAI) -> None:
    agent = weather_agent(openai_model(stub), output_type=WeatherReport, retries={'output': 1})
    await agent.run(PROMPT)


async def run_model_retry_exhausted(stub: StubOpenAI) -> None:
    agent = Agent(openai_model(stub), name='weather_agent', instructions=INSTRUCTIONS)

    @agent.tool_plain(retries=1)
    def get_forecast(city: str) -> str:  # pyright: ignore[reportUnusedFunction]
        """Forecast for a city."""
        raise ModelRetry(f'No forecast for {city!r}; use the official city name.')

    await agent.run(PROMPT)


async def run_tool_key_error(stub: StubOpenAI) -> None:
    agent = Agent(openai_model(stub), name='weather_agent', instructions=INSTRUCTIONS)
    humidity_by_city = {'Amsterdam': 55}

    @agent.tool_plain
    def get_humidity(city: str) -> int:  # pyright: ignore[reportUnusedFunction]
        """Relative humidity in a city, in percent."""
        return humidity_by_city[city]

    await agent.run(PROMPT)


async def run_failing_request(stub: StubOpenAI, max_retries: int) -> None:
    """Run against a stub that replies with an HTTP error. The OpenAI client retries `max_retries` times."""
    agent = weather_agent(openai_model(stub, max_retries=max_retries))
    await agent.run(PROMPT)


async def run_timeout(stub: StubOpenAI) -> None:
    agent = weather_agent(openai_model(stub, timeout=CLIENT_TIMEOUT_SECONDS, max_retries=0))
    await asyncio.wait_for(agent.run(PROMPT), timeout=RUN_TIMEOUT_SECONDS)


async def run_test_model(stub: StubOpenAI) -> list[ModelMessage]:
    agent = weather_agent(TestModel())
    result = await agent.run(PROMPT)
    return result.all_messages()


def response_usage(messages: list[ModelMessage]) -> list[dict[str, int]]:
    """List the usage of each model response, in the report's form."""
    return [
        {
            'promptTokens': message.usage.input_tokens,
            'completionTokens': message.usage.output_tokens,
            'cachedTokens': message.usage.cache_read_tokens,
        }
        for message in messages
        if isinstance(message, ModelResponse)
    ]


FORECAST_CALL = ('call_forecast_1', 'get_forecast', {'city': 'Utrecht'})
HUMIDITY_CALL = ('call_humidity_1', 'get_humidity', {'city': 'Utrecht'})

SCENARIOS: dict[str, Scenario] = {
    'tools_structured': Scenario(
        script=[
            tool_calls([FORECAST_CALL, HUMIDITY_CALL], Usage(prompt_tokens=412, completion_tokens=38)),
            tool_calls(
                [
                    (
                        'call_final_1',
                        'final_result',
                        {'city': 'Utrecht', 'summary': 'Sunny, 40% humidity', 'humidity_percent': 40},
                    )
                ],
                Usage(prompt_tokens=1530, completion_tokens=41, cached_tokens=1280),
            ),
        ],
        run=run_tools_structured,
        expected=None,
    ),
    'streaming': Scenario(
        script=[
            tool_calls([FORECAST_CALL], Usage(prompt_tokens=96, completion_tokens=17)),
            text('It is sunny in Utrecht today.', Usage(prompt_tokens=131, completion_tokens=9)),
        ],
        run=run_streaming,
        expected=None,
    ),
    'usage_limit': Scenario(
        script=[
            tool_calls([FORECAST_CALL], Usage(prompt_tokens=96, completion_tokens=17)),
            text('It is sunny in Utrecht today.', Usage(prompt_tokens=131, completion_tokens=9)),
        ],
        run=run_usage_limit,
        expected=UsageLimitExceeded,
    ),
    'unexpected_behavior': Scenario(
        # The output tool call lacks `summary` and `humidity_percent`, so validation fails every time.
        script=[
            tool_calls(
                [('call_final_1', 'final_result', {'city': 'Utrecht'})],
                Usage(prompt_tokens=250, completion_tokens=12),
            ),
            tool_calls(
                [('call_final_2', 'final_result', {'city': 'Utrecht'})],
                Usage(prompt_tokens=340, completion_tokens=12),
            ),
        ],
        run=run_unexpected_behavior,
        expected=UnexpectedModelBehavior,
    ),
    'model_retry_exhausted': Scenario(
        script=[
            tool_calls([FORECAST_CALL], Usage(prompt_tokens=96, completion_tokens=17)),
            tool_calls(
                [('call_forecast_2', 'get_forecast', {'city': 'Utrecht, NL'})],
                Usage(prompt_tokens=150, completion_tokens=19),
            ),
        ],
        run=run_model_retry_exhausted,
        expected=UnexpectedModelBehavior,
    ),
    'tool_key_error': Scenario(
        script=[tool_calls([HUMIDITY_CALL], Usage(prompt_tokens=96, completion_tokens=17))],
        run=run_tool_key_error,
        expected=KeyError,
    ),
    'http_401': Scenario(
        script=[
            http_error(401, 'Incorrect API key provided: stub-key.', 'invalid_request_error', 'invalid_api_key')
        ],
        run=lambda stub: run_failing_request(stub, max_retries=0),
        expected=ModelHTTPError,
    ),
    'http_429': Scenario(
        script=[
            http_error(
                429,
                'Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3, Requested 1.',
                'requests',
                'rate_limit_exceeded',
            )
        ],
        run=lambda stub: run_failing_request(stub, max_retries=0),
        expected=ModelHTTPError,
    ),
    'http_500': Scenario(
        # The client retries once, after the 20 ms set by `retry-after-ms`, so the stub gets two requests
        # in one model call.
        script=[
            http_error(
                500,
                'The server had an error while processing your request. Sorry about that!',
                'server_error',
                None,
                headers={'retry-after-ms': '20'},
            )
        ],
        run=lambda stub: run_failing_request(stub, max_retries=1),
        expected=ModelHTTPError,
    ),
    'timeout': Scenario(
        script=[hang(CLIENT_TIMEOUT_SECONDS * 2)],
        run=run_timeout,
        expected=TimeoutError,
    ),
    'test_model': Scenario(
        script=[],
        run=run_test_model,
        expected=None,
    ),
}


@dataclass
class Instrumentation:
    root_span: Callable[[str, str], AbstractContextManager[Span]]
    flush: Callable[[], None]


def instrument_with_logfire() -> Instrumentation:
    import logfire

    logfire.configure(service_name='interop-genai-logfire', send_to_logfire=False, console=False)
    logfire.instrument_pydantic_ai()

    def root_span(name: str, scenario: str) -> AbstractContextManager[Span]:
        return logfire.span(name, scenario=scenario)  # type: ignore[return-value]

    return Instrumentation(root_span=root_span, flush=logfire.force_flush)


def instrument_with_otel() -> Instrumentation:
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({'service.name': 'interop-genai-otel'}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    Agent.instrument_all()
    tracer = provider.get_tracer('loupe-interop-scenarios')

    def root_span(name: str, scenario: str) -> AbstractContextManager[Span]:
        return tracer.start_as_current_span(name, attributes={'scenario': scenario})

    return Instrumentation(root_span=root_span, flush=provider.shutdown)


INSTRUMENTATIONS: dict[str, Callable[[], Instrumentation]] = {
    'logfire': instrument_with_logfire,
    'otel': instrument_with_otel,
}


def trace_id_hex(span: Span) -> str:
    return format(span.get_span_context().trace_id, '032x')


async def run_scenario(name: str, scenario: Scenario, instrumentation: Instrumentation) -> tuple[str, dict[str, Any]]:
    """Run the scenario inside the root span; raise SystemExit when it does not end as expected."""
    trace_id = ''
    messages: list[ModelMessage] | None = None
    raised: Exception | None = None
    with StubOpenAI(scenario.script) as stub:
        try:
            with instrumentation.root_span('agent_turn', name) as span:
                trace_id = trace_id_hex(span)
                messages = await scenario.run(stub)
        except Exception as error:
            raised = error
        report = stub.report()
    if scenario.expected is None and raised is not None:
        raise SystemExit(f'scenario {name} should succeed but raised {raised!r}')
    if scenario.expected is not None and not isinstance(raised, scenario.expected):
        raise SystemExit(f'scenario {name} should raise {scenario.expected.__name__} but raised {raised!r}')
    if messages is not None:
        report['responseUsage'] = response_usage(messages)
    return trace_id, report


def main(argv: list[str]) -> None:
    if len(argv) != 3 or argv[1] not in SCENARIOS or argv[2] not in INSTRUMENTATIONS:
        raise SystemExit(f'usage: {argv[0]} SCENARIO (logfire|otel)\nscenarios: {", ".join(SCENARIOS)}')
    name, instrumentation_name = argv[1], argv[2]
    instrumentation = INSTRUMENTATIONS[instrumentation_name]()
    try:
        trace_id, report = asyncio.run(run_scenario(name, SCENARIOS[name], instrumentation))
    finally:
        instrumentation.flush()
    print(json.dumps(report))
    print(trace_id)


if __name__ == '__main__':
    main(sys.argv)
