"""A pydantic-ai agent whose traces become the templates of the seeded store (test/helpers/seed-runs.ts).

Usage: seed_agent.py MODE MODEL

MODE is one of:
    turn   one agent run at the top level, under a `seed_turn` span
    route  a FastAPI app, instrumented by Logfire, that runs the agent for POST /chat and
           POST /plan. Starlette's TestClient requests each route once.

MODEL is a pydantic-ai model name (`openai-chat:gpt-4o-mini`, `anthropic:claude-3-5-haiku-latest`);
its client takes the base URL and key from the environment that `loupe run --mock SCENARIO`
sets, and makes no retries, so that each model call reaches the gateway once. The scenario
decides how the run ends: `get_forecast` raises ValueError for the city Atlantis.

Spans go through the Logfire SDK to OTEL_EXPORTER_OTLP_ENDPOINT. The agent is named
`template_agent` so the seeder can rename it. Exits 0 whether or not the run failed: the
trace records the failure.
"""

from __future__ import annotations

import sys

import logfire
from pydantic_ai import Agent
from pydantic_ai.models.anthropic import AnthropicModel
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.anthropic import AnthropicProvider
from pydantic_ai.providers.openai import OpenAIProvider


def get_forecast(city: str) -> str:
    """Forecast for a city."""
    if city == 'Atlantis':
        raise ValueError(f'no forecast data for {city}')
    return f'sunny in {city}'


def build_model(name: str) -> OpenAIChatModel | AnthropicModel:
    from anthropic import AsyncAnthropic
    from openai import AsyncOpenAI

    provider, _, model = name.partition(':')
    if provider == 'anthropic':
        return AnthropicModel(model, provider=AnthropicProvider(anthropic_client=AsyncAnthropic(max_retries=0)))
    return OpenAIChatModel(model, provider=OpenAIProvider(openai_client=AsyncOpenAI(max_retries=0)))


def build_agent(model: str) -> Agent[None, str]:
    return Agent(
        build_model(model),
        name='template_agent',
        instructions='You answer questions about the weather. Use the tools.',
        tools=[get_forecast],
    )


def run_turn(agent: Agent[None, str]) -> None:
    try:
        # The exception leaves the span, so the span records it and the trace fails.
        with logfire.span('seed_turn'):
            agent.run_sync('What is the weather in Utrecht?')
    except Exception as error:  # noqa: BLE001 - the trace records it
        print(f'run failed: {type(error).__name__}: {error}', file=sys.stderr)


def run_routes(agent: Agent[None, str]) -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    app = FastAPI()

    @app.post('/chat')
    async def chat() -> dict[str, str]:
        result = await agent.run('What is the weather in Utrecht?')
        return {'output': result.output}

    @app.post('/plan')
    async def plan() -> dict[str, str]:
        result = await agent.run('Plan a walk in Utrecht.')
        return {'output': result.output}

    logfire.instrument_fastapi(app)
    with TestClient(app) as client:
        for path in ('/chat', '/plan'):
            response = client.post(path)
            print(f'{path}: {response.status_code}', file=sys.stderr)


def main() -> int:
    mode, model = sys.argv[1], sys.argv[2]
    logfire.configure(service_name='seed-agent', send_to_logfire=False, console=False)
    logfire.instrument_pydantic_ai()
    agent = build_agent(model)
    if mode == 'route':
        run_routes(agent)
    else:
        run_turn(agent)
    logfire.force_flush()
    return 0


if __name__ == '__main__':
    sys.exit(main())
