"""Run a pydantic-ai agent against Loupe's model gateway and report what happened.

Usage: gateway_agent.py MODEL (run|stream) [--traceparent] [--native]

MODEL is a pydantic-ai model name such as `openai:gpt-4o-mini` (the Responses API) or
`openai-chat:gpt-4o-mini` (Chat Completions). The OpenAI client takes its base URL and key
from OPENAI_BASE_URL and OPENAI_API_KEY, which the test points at the gateway. The agent
has two tools with nested, bounded and patterned arguments and a structured output type,
which pydantic-ai requests through its output tool, or with --native as the API's own
structured output (response_format or text.format with a JSON schema).

Spans go over OTLP to OTEL_EXPORTER_OTLP_ENDPOINT through a plain OpenTelemetry
TracerProvider, under an `agent_turn` root span. With --traceparent, every HTTP request to
the gateway carries the W3C traceparent of the span that is current when it is sent
(pydantic-ai's model request span), as an instrumented HTTP client would send it.

Output: one JSON line with the tool calls in call order (name, id, arguments, and the
problems of the arguments against the tool's parameter model), the retry prompts that
pydantic-ai sent back, the output, the usage, and the trace id. There are no retry prompts
when every argument and the output were valid.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import datetime
from typing import Annotated, Literal

import httpx2
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.propagate import inject
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from pydantic import BaseModel, Field, ValidationError
from pydantic_ai import Agent, NativeOutput
from pydantic_ai.messages import ModelResponse, RetryPromptPart, ToolCallPart
from pydantic_ai.models import Model
from pydantic_ai.models.openai import OpenAIChatModel, OpenAIResponsesModel
from pydantic_ai.providers.openai import OpenAIProvider

PROMPT = 'What is the weather in Utrecht?'


class Coordinates(BaseModel):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class Location(BaseModel):
    city: str = Field(min_length=2, max_length=40)
    country_code: str = Field(pattern=r'^[A-Z]{2}$')
    coordinates: Coordinates | None = None


class WeatherReport(BaseModel):
    """A weather report for one city."""

    city: str
    summary: str = Field(min_length=5)
    humidity_percent: int = Field(ge=0, le=100)
    temperatures_celsius: list[float] = Field(min_length=1, max_length=5)
    conditions: Literal['sunny', 'cloudy', 'rain', 'snow']
    observed_at: datetime


def get_forecast(
    city: str, days: Annotated[int, Field(ge=1, le=7)], unit: Literal['celsius', 'fahrenheit'] = 'celsius'
) -> str:
    """Forecast for a city over a number of days."""
    return f'sunny in {city} for {days} days ({unit})'


def get_humidity(location: Location, include_history: bool) -> int:
    """Relative humidity at a location, in percent."""
    return 40


class ForecastArgs(BaseModel):
    """The arguments of get_forecast, to check the arguments the gateway sent."""

    city: str
    days: int = Field(ge=1, le=7)
    unit: Literal['celsius', 'fahrenheit'] = 'celsius'


class HumidityArgs(BaseModel):
    location: Location
    include_history: bool


ARGUMENT_MODELS: dict[str, type[BaseModel]] = {'get_forecast': ForecastArgs, 'get_humidity': HumidityArgs}


def tracer_provider() -> TracerProvider:
    endpoint = os.environ['OTEL_EXPORTER_OTLP_ENDPOINT'].rstrip('/')
    provider = TracerProvider(resource=Resource.create({'service.name': 'gateway-agent'}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=f'{endpoint}/v1/traces')))
    return provider


async def send_traceparent(request: httpx2.Request) -> None:
    inject(request.headers)


def build_model(name: str, traceparent: bool) -> Model | str:
    if not traceparent:
        return name
    client = httpx2.AsyncClient(event_hooks={'request': [send_traceparent]}, timeout=30)
    provider = OpenAIProvider(http_client=client)
    kind, model_name = name.split(':', 1)
    if kind == 'openai':
        return OpenAIResponsesModel(model_name, provider=provider)
    if kind == 'openai-chat':
        return OpenAIChatModel(model_name, provider=provider)
    raise SystemExit(f'--traceparent supports openai: and openai-chat: models, not {name}')


def argument_problems(part: ToolCallPart) -> str | None:
    model = ARGUMENT_MODELS.get(part.tool_name)
    if model is None:
        return None
    try:
        model.model_validate(part.args_as_dict())
    except ValidationError as error:
        return str(error)
    return None


async def main() -> None:
    model_name, mode, *flags = sys.argv[1:]
    provider = tracer_provider()
    trace.set_tracer_provider(provider)
    Agent.instrument_all()
    agent = Agent(
        build_model(model_name, '--traceparent' in flags),
        name='gateway_agent',
        instructions='You answer questions about the weather. Use the tools.',
        tools=[get_forecast, get_humidity],
        output_type=NativeOutput(WeatherReport) if '--native' in flags else WeatherReport,
    )
    tracer = trace.get_tracer('gateway_agent')
    with tracer.start_as_current_span('agent_turn') as root:
        if mode == 'stream':
            async with agent.run_stream(PROMPT) as result:
                output = await result.get_output()
            messages = result.all_messages()
            usage = result.usage
        else:
            run = await agent.run(PROMPT)
            output = run.output
            messages = run.all_messages()
            usage = run.usage
        trace_id = format(root.get_span_context().trace_id, '032x')
    provider.shutdown()

    tool_calls = [
        {
            'name': part.tool_name,
            'id': part.tool_call_id,
            'arguments': part.args_as_dict(),
            'problem': argument_problems(part),
        }
        for message in messages
        if isinstance(message, ModelResponse)
        for part in message.parts
        if isinstance(part, ToolCallPart)
    ]
    retries = [
        part.model_response()
        for message in messages
        for part in getattr(message, 'parts', [])
        if isinstance(part, RetryPromptPart)
    ]
    report = {
        'toolCalls': tool_calls,
        'retries': retries,
        'output': output.model_dump(mode='json'),
        'outputValid': isinstance(output, WeatherReport),
        'requests': usage.requests,
        'inputTokens': usage.input_tokens,
        'outputTokens': usage.output_tokens,
        'traceId': trace_id,
    }
    print(json.dumps(report))


if __name__ == '__main__':
    asyncio.run(main())
