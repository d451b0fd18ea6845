"""Run a pydantic-ai agent that has no name and whose tool returns a leaked API key.

Usage: check_agent.py

Meant to run under `loupe run --mock test/fixtures/check/leaked-key.yaml`: the scenario
makes the model call `lookup_account` and then reply with text. The tool returns an
account record that contains an API key and the owner's e-mail address, as a tool that
returns a config file or a database row might, so both reach the tool span's result and
the next model request's messages. The key is fake but matches Loupe's `openai-api-key`
redaction rule. The agent is created without `name=`, so pydantic-ai names it after its
variable: `agent`.

Spans go to Loupe through Logfire (OTEL_EXPORTER_OTLP_ENDPOINT, as `loupe run` sets it).

Output: one JSON line with the trace id and the agent's output.
"""

from __future__ import annotations

import json

import logfire
from pydantic_ai import Agent

LEAKED_KEY = 'sk-test-0123456789abcdefghijklmnop'
OWNER_EMAIL = 'jane.doe@acme.internal'

logfire.configure(
    service_name='account-helper',
    environment='test',
    send_to_logfire=False,
    console=False,
)
logfire.instrument_pydantic_ai()

agent = Agent('openai:gpt-4o-mini', instructions='You look up customer accounts with the tools.')


@agent.tool_plain
def lookup_account(account: str) -> str:
    """Return the stored record of an account."""
    # No word here matches Logfire's scrubbing patterns ("api key", "secret", ...), so the
    # key reaches Loupe, as a key in an unlabelled field would.
    return f'account {account}: plan pro, owner {OWNER_EMAIL}, deploy with {LEAKED_KEY}'


def main() -> None:
    with logfire.span('account lookup') as span:
        result = agent.run_sync('Look up account 42.')
        trace_id = format(span.get_span_context().trace_id, '032x')
    logfire.force_flush()
    print(json.dumps({'traceId': trace_id, 'output': result.output}))


if __name__ == '__main__':
    main()
