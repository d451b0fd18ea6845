"""Drive a FastAPI agent service whose error handler responds to every agent error with 500.

Usage: check_service.py

Meant to run under `loupe run --mock test/fixtures/gateway-scenarios/rate-limit.yaml`,
where every model call gets a 429. pydantic-ai then raises a ModelHTTPError with status
429, whose error class, upstream_unavailable, maps to 503, and the handler returns 500:
the mistake that `loupe check` must report. The rest is in order: the agent is named,
the request carries a user id, the service names itself and its environment, and model
requests have a 20 s timeout.

Requests go through FastAPI's TestClient, so the service needs no port; Logfire's
FastAPI instrumentation records the request span as it does under uvicorn.

Output: one JSON line with the response's status and trace id.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import logfire
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from opentelemetry import trace
from pydantic import BaseModel
from pydantic_ai import Agent
from pydantic_ai.exceptions import AgentRunError

MODEL_TIMEOUT_SECONDS = 20

logfire.configure(
    service_name='support-desk',
    environment='staging',
    send_to_logfire=False,
    console=False,
)
logfire.instrument_pydantic_ai()
logfire.instrument_httpx()

agent = Agent(
    'openai:gpt-4o-mini',
    name='support_agent',
    instructions='You answer questions about orders.',
    model_settings={'timeout': MODEL_TIMEOUT_SECONDS},
)

app = FastAPI()
logfire.instrument_fastapi(app)


class Question(BaseModel):
    message: str


@app.middleware('http')
async def tie_to_user(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Put the X-User-Id header on the request span and its children, and return the trace id."""
    span = trace.get_current_span()
    user_id = request.headers.get('x-user-id', '')
    span.set_attribute('user.id', user_id)
    with logfire.set_baggage(**{'user.id': user_id}):
        response = await call_next(request)
    response.headers['X-Trace-Id'] = format(span.get_span_context().trace_id, '032x')
    return response


@app.exception_handler(AgentRunError)
async def answer_agent_error(request: Request, error: AgentRunError) -> JSONResponse:
    # The mistake under test: a provider's 429 should become a 503, a usage limit a 429.
    return JSONResponse({'error': type(error).__name__}, status_code=500)


@app.post('/ask')
async def ask(question: Question) -> dict[str, str]:
    result = await agent.run(question.message)
    return {'answer': result.output}


def main() -> None:
    with TestClient(app) as client:
        response = client.post('/ask', json={'message': 'Where is my order?'}, headers={'X-User-Id': 'customer-7'})
    logfire.force_flush()
    print(json.dumps({'status': response.status_code, 'traceId': response.headers.get('x-trace-id')}))


if __name__ == '__main__':
    main()
