"""A FastAPI service that runs a Pydantic AI agent, traced with Logfire.

Endpoints:
    POST /chat         runs the agent and returns its structured output and usage.
    POST /chat-stream  runs the agent and sends the text as Server-Sent Events.
    GET  /healthz      returns {"status": "ok"} without touching the model.

A failed request returns the HTTP status of its error class:

    input_invalid         400  the request body failed validation
    quota_exceeded        429  the run hit this service's UsageLimits
    provider_rejected     502  the provider returned a 4xx status other than 408 and 429
    upstream_unavailable  503  the provider returned 408, 429 or 5xx, or could not be reached
    model_output_invalid  500  the model's output stayed invalid after the output retries
    timeout               504  the model (or the whole run) took longer than its timeout
    internal              500  any other exception

Settings come from environment variables:
    AGENT_MODEL            pydantic-ai model name (default openai:gpt-4o-mini)
    MODEL_TIMEOUT_SECONDS  timeout of one model request attempt (default 30)
    RUN_TIMEOUT_SECONDS    timeout of a whole agent run (default 120)
    RUN_TOKEN_LIMIT        maximum input plus output tokens of one run (default 20000)
    RUN_REQUEST_LIMIT      maximum model requests of one run (default 8)

Run it with `uvicorn app:app --reset-contextvars`, or under Loupe with
`loupe run --mock -- uvicorn app:app --reset-contextvars`. README.md explains the flag.
"""

from __future__ import annotations

import logging
import os
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Annotated, Literal

import logfire
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.sse import EventSourceResponse, ServerSentEvent
from opentelemetry import trace
from pydantic import BaseModel, Field
from pydantic_ai import Agent, UsageLimits
from pydantic_ai.exceptions import (
    AgentRunError,
    ModelAPIError,
    ModelHTTPError,
    ModelRequestRejectedError,
    ModelRequestTimeout,
    ModelTimeoutError,
    UnexpectedModelBehavior,
    UsageLimitExceeded,
)
from pydantic_ai.usage import RunUsage

MODEL = os.getenv('AGENT_MODEL', 'openai:gpt-4o-mini')
MODEL_TIMEOUT_SECONDS = float(os.getenv('MODEL_TIMEOUT_SECONDS', '30'))
RUN_TIMEOUT_SECONDS = float(os.getenv('RUN_TIMEOUT_SECONDS', '120'))
RUN_TOKEN_LIMIT = int(os.getenv('RUN_TOKEN_LIMIT', '20000'))
RUN_REQUEST_LIMIT = int(os.getenv('RUN_REQUEST_LIMIT', '8'))

logger = logging.getLogger('fastapi_agent')

# With no LOGFIRE_TOKEN nothing goes to Logfire's cloud, and the spans go to
# OTEL_EXPORTER_OTLP_ENDPOINT when it is set, as `loupe run` sets it.
logfire.configure(
    service_name='fastapi-agent',
    environment=os.getenv('APP_ENVIRONMENT', 'development'),
    send_to_logfire='if-token-present',
)
logfire.instrument_pydantic_ai()
logfire.instrument_httpx()


class Weather(BaseModel):
    city: str
    temperature_celsius: float
    conditions: Literal['sunny', 'cloudy', 'rain', 'snow']


class CityBrief(BaseModel):
    """A short brief about a city for a traveller."""

    city: str = Field(min_length=1, max_length=80)
    summary: str = Field(min_length=1, max_length=600)
    temperature_celsius: float = Field(ge=-60, le=60)
    local_time: str = Field(description='Local time as HH:MM')
    suggestions: list[str] = Field(min_length=1, max_length=5)


def get_weather(city: Annotated[str, Field(min_length=1, max_length=80)]) -> Weather:
    """Return the current weather in a city."""
    # A stand-in for a weather API: the same city always gets the same weather.
    digest = zlib.crc32(city.strip().lower().encode())
    conditions: list[Literal['sunny', 'cloudy', 'rain', 'snow']] = ['sunny', 'cloudy', 'rain', 'snow']
    return Weather(city=city, temperature_celsius=float(digest % 35 - 5), conditions=conditions[digest % 4])


def get_local_time(utc_offset_hours: Annotated[int, Field(ge=-12, le=14)]) -> str:
    """Return the local time (HH:MM) at a UTC offset in hours."""
    local = datetime.now(timezone.utc) + timedelta(hours=utc_offset_hours)
    return local.strftime('%H:%M')


agent = Agent(
    MODEL,
    name='city_guide',
    system_prompt=(
        'You brief travellers on a city. Look up the weather and the local time with the tools, '
        'then answer with a short summary and up to five suggestions.'
    ),
    tools=[get_weather, get_local_time],
    output_type=CityBrief,
    # `timeout` bounds one attempt at a model request. The OpenAI client (openai 3.x)
    # retries timeouts and 408, 409, 429 and 5xx responses twice before pydantic-ai raises.
    model_settings={'timeout': MODEL_TIMEOUT_SECONDS},
)

USAGE_LIMITS = UsageLimits(request_limit=RUN_REQUEST_LIMIT, total_tokens_limit=RUN_TOKEN_LIMIT)


class ChatRequest(BaseModel):
    message: str = Field(min_length=1, max_length=100_000)


class UsageReport(BaseModel):
    requests: int
    tool_calls: int
    input_tokens: int
    output_tokens: int

    @classmethod
    def from_run(cls, usage: RunUsage) -> UsageReport:
        # RunUsage is a dataclass, not a pydantic model: it has no model_dump().
        return cls(
            requests=usage.requests,
            tool_calls=usage.tool_calls,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
        )


class ChatResponse(BaseModel):
    output: CityBrief
    usage: UsageReport


@dataclass(frozen=True)
class ErrorMapping:
    status_code: int
    error_class: str
    detail: str


def map_error(error: Exception) -> ErrorMapping:
    """Return the HTTP status and error class of an exception that ended an agent run."""
    if isinstance(error, UsageLimitExceeded):
        return ErrorMapping(429, 'quota_exceeded', 'The request needs more model usage than one run may use.')
    # ModelTimeoutError is also a ModelAPIError, so timeouts are checked before provider errors.
    if isinstance(error, (TimeoutError, ModelTimeoutError, ModelRequestTimeout)):
        return ErrorMapping(504, 'timeout', 'The model request timed out.')
    if isinstance(error, ModelHTTPError):
        status = error.status_code
        if status in (408, 429) or status >= 500:
            return ErrorMapping(503, 'upstream_unavailable', f'The model provider is unavailable (HTTP {status}).')
        return ErrorMapping(502, 'provider_rejected', f'The model provider rejected the request (HTTP {status}).')
    if isinstance(error, ModelRequestRejectedError):
        return ErrorMapping(502, 'provider_rejected', 'The model provider rejected the request.')
    if isinstance(error, ModelAPIError):
        return ErrorMapping(503, 'upstream_unavailable', 'The model provider could not be reached.')
    if isinstance(error, UnexpectedModelBehavior):
        return ErrorMapping(500, 'model_output_invalid', 'The model output stayed invalid after its retries.')
    return ErrorMapping(500, 'internal', 'The agent run failed.')


def error_body(mapping: ErrorMapping) -> dict[str, str]:
    return {'error': mapping.error_class, 'detail': mapping.detail}


app = FastAPI(title='City guide agent')
# /healthz is polled often and runs no agent, so it is not traced.
logfire.instrument_fastapi(app, excluded_urls='/healthz')


def current_trace_id() -> str | None:
    """Return the trace id of the current span as 32 hex digits, or None outside a trace."""
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, '032x') if context.is_valid else None


@app.middleware('http')
async def add_trace_id(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Send the request's trace id back in X-Trace-Id, to find its trace in Loupe.

    The id in an X-User-Id header goes on the request span and, as baggage that
    Logfire copies to span attributes, on every span under it as `user.id`.
    """
    user_id = request.headers.get('x-user-id')
    if user_id:
        # A real service takes the id from its authenticated session, never from a header the client chooses.
        trace.get_current_span().set_attribute('user.id', user_id)
        with logfire.set_baggage(**{'user.id': user_id}):
            response = await call_next(request)
    else:
        response = await call_next(request)
    trace_id = current_trace_id()
    if trace_id is not None:
        response.headers['X-Trace-Id'] = trace_id
    return response


@app.exception_handler(RequestValidationError)
async def reject_invalid_input(request: Request, error: RequestValidationError) -> JSONResponse:
    problems = [{'loc': list(problem['loc']), 'msg': problem['msg']} for problem in error.errors()]
    # FastAPI handles validation errors before any instrumentation sees an exception,
    # so the request span records it here, and the trace's error class is input_invalid.
    trace.get_current_span().record_exception(error)
    return JSONResponse({'error': 'input_invalid', 'detail': problems}, status_code=400)


# The endpoint lets agent errors propagate to these handlers, so Logfire's
# FastAPI instrumentation records the exception on the request span too.
@app.exception_handler(AgentRunError)
@app.exception_handler(TimeoutError)
async def answer_agent_error(request: Request, error: Exception) -> JSONResponse:
    mapping = map_error(error)
    logger.warning(
        '%s %s failed with %s (HTTP %d) in trace %s: %s: %s',
        request.method,
        request.url.path,
        mapping.error_class,
        mapping.status_code,
        current_trace_id(),
        type(error).__name__,
        error,
    )
    headers: dict[str, str] = {}
    if isinstance(error, ModelAPIError) and error.retry_after is not None and mapping.status_code == 503:
        headers['Retry-After'] = str(max(1, round(error.retry_after)))
    return JSONResponse(error_body(mapping), status_code=mapping.status_code, headers=headers)


@app.exception_handler(Exception)
async def answer_internal_error(request: Request, error: Exception) -> JSONResponse:
    # Starlette raises the exception again after this response is sent, so
    # uvicorn logs its traceback and the request span records it.
    return JSONResponse(error_body(map_error(error)), status_code=500)


@app.post('/chat')
async def chat(body: ChatRequest) -> ChatResponse:
    result = await agent.run(body.message, usage_limits=USAGE_LIMITS, timeout=RUN_TIMEOUT_SECONDS)
    return ChatResponse(output=result.output, usage=UsageReport.from_run(result.usage))


@app.post('/chat-stream', response_class=EventSourceResponse)
async def chat_stream(body: ChatRequest) -> AsyncIterator[ServerSentEvent]:
    """Stream the output text as `delta` events, then one `done` event with the usage.

    The status line is sent before the run starts, so a failure arrives as an
    `error` event with the status that /chat returns for it.
    """
    try:
        async with agent.run_stream(
            body.message, output_type=str, usage_limits=USAGE_LIMITS, timeout=RUN_TIMEOUT_SECONDS
        ) as result:
            async for delta in result.stream_text(delta=True, debounce_by=None):
                yield ServerSentEvent(event='delta', data=delta)
            usage = UsageReport.from_run(result.usage)
        yield ServerSentEvent(event='done', data={'usage': usage.model_dump()})
    except (AgentRunError, TimeoutError) as error:
        mapping = map_error(error)
        logger.warning(
            'POST /chat-stream failed with %s in trace %s: %s: %s',
            mapping.error_class,
            current_trace_id(),
            type(error).__name__,
            error,
        )
        # FastAPI's instrumentation records only exceptions raised before the
        # endpoint returns, and this one comes later, while the body streams.
        trace.get_current_span().record_exception(error)
        yield ServerSentEvent(event='error', data={**error_body(mapping), 'status': mapping.status_code})


@app.get('/healthz')
async def healthz() -> dict[str, str]:
    return {'status': 'ok'}
