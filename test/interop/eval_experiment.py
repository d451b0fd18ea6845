"""Run a pydantic_evals experiment whose task is a pydantic-ai agent, with spans sent through Logfire.

Usage: eval_experiment.py PROMPT_VERSION [CASE ...]

The task sends the agent a request for the capital of a country. PROMPT_VERSION (1 or 2) picks the
prompt template, as a change to the task between two runs of the same experiment: the
experiment is named `capitals v1` or `capitals v2`. CASE names the cases to run, from
`france`, `spain` and `atlantis`; without any, `france` and `spain` run.

The agent's model is `openai-chat:gpt-4o-mini`, so the OpenAI client takes its base URL and
key from OPENAI_BASE_URL and OPENAI_API_KEY; the tests run this script with `loupe run --mock`
and the scenario `test/fixtures/evals/capitals.yaml`, which answers by prompt text.
Spans go through the Logfire SDK to OTEL_EXPORTER_OTLP_ENDPOINT.

Evaluators: `EqualsExpected` (an assertion without a reason), `MatchesCity` (an assertion with
a reason), `conciseness` (a score: 1 divided by the number of words in the output) and
`answer_form` (a label: `city` for one or two words, else `sentence`).

With EVAL_HOLD_FILE set, the task waits (at most 60 s) for that file to exist before it
runs the case `spain`, so that a test can look at the experiment while it runs. The spans
then go through Logfire's own exporter (LOGFIRE_TOKEN with LOGFIRE_BASE_URL set to the
OTLP endpoint), because in logfire 5.4 only that exporter sends pending spans, the start
markers of spans that have not ended.

Output: one JSON line with the experiment name, its trace id, and per case the output (or
the error message) and the assertion values.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from dataclasses import dataclass

import logfire
from pydantic_ai import Agent
from pydantic_evals import Case, Dataset
from pydantic_evals.evaluators import EqualsExpected, EvaluationReason, Evaluator, EvaluatorContext

PROMPTS = {
    '1': 'What is the capital of {country}?',
    '2': 'What is the capital of {country}? Answer with the city name only.',
}

CASES = {
    'france': Case(name='france', inputs='France', expected_output='Paris', metadata={'continent': 'Europe'}),
    'spain': Case(name='spain', inputs='Spain', expected_output='Madrid', metadata={'continent': 'Europe'}),
    'atlantis': Case(name='atlantis', inputs='Atlantis', expected_output='Poseidonia'),
}


@dataclass
class MatchesCity(Evaluator[str, str]):
    """Pass when the output, without surrounding spaces and trailing periods, is the expected city."""

    def evaluate(self, ctx: EvaluatorContext[str, str]) -> EvaluationReason:
        answer = (ctx.output or '').strip().rstrip('.')
        if answer == ctx.expected_output:
            return EvaluationReason(value=True)
        return EvaluationReason(value=False, reason=f'expected {ctx.expected_output!r}, got {answer!r}')


@dataclass
class Conciseness(Evaluator[str, str]):
    def evaluate(self, ctx: EvaluatorContext[str, str]) -> dict[str, float | str]:
        words = len((ctx.output or '').split())
        return {
            'conciseness': round(1 / max(words, 1), 3),
            'answer_form': 'city' if words <= 2 else 'sentence',
        }


def main() -> None:
    version, *case_names = sys.argv[1:]
    prompt = PROMPTS[version]
    if os.environ.get('EVAL_HOLD_FILE'):
        os.environ['LOGFIRE_BASE_URL'] = os.environ.pop('OTEL_EXPORTER_OTLP_ENDPOINT')
        os.environ['LOGFIRE_TOKEN'] = 'loupe-local'
    logfire.configure(service_name='eval-experiment', send_to_logfire='if-token-present', console=False)
    logfire.instrument_pydantic_ai()
    agent = Agent('openai-chat:gpt-4o-mini', name='capital_agent', instructions='You answer geography questions.')

    async def ask_capital(country: str) -> str:
        hold_file = os.environ.get('EVAL_HOLD_FILE')
        if hold_file and country == 'Spain':
            deadline = time.monotonic() + 60
            while not os.path.exists(hold_file) and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
        result = await agent.run(prompt.format(country=country))
        return result.output

    dataset = Dataset(
        name='capitals',
        cases=[CASES[name] for name in case_names or ['france', 'spain']],
        evaluators=[EqualsExpected(), MatchesCity(), Conciseness()],
    )
    report = dataset.evaluate_sync(ask_capital, name=f'capitals v{version}', progress=False, max_concurrency=1)
    logfire.force_flush()

    cases = {
        case.name: {
            'output': case.output,
            'assertions': {name: result.value for name, result in case.assertions.items()},
        }
        for case in report.cases
    }
    for failure in report.failures:
        cases[failure.name] = {'error': failure.error_message}
    print(json.dumps({'name': report.name, 'traceId': report.trace_id, 'cases': cases}))


if __name__ == '__main__':
    main()
