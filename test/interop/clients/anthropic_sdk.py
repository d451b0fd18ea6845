"""Call Loupe's mock gateway with the anthropic Python SDK and report what the SDK returned.

Usage: anthropic_sdk.py BASE_URL API_KEY [SCENARIO...]

BASE_URL is the gateway's Anthropic base URL without /v1 (.../gateway/anthropic), as
ANTHROPIC_BASE_URL takes it. Each scenario sends its own W3C traceparent, so the test finds
that scenario's gateway spans in one trace:

- messages_tool: messages.create with both tools, then with the tool_result blocks.
- messages_stream: the same turn through the messages.stream helper, with the text of the
  second call read from text_stream.

Output: one JSON line, described in weather.py.
"""

from __future__ import annotations

import sys
from typing import Any

import anthropic
from anthropic.types import Message
from weather import PROMPT, TOOLS, Scenario, client_call, run_scenarios, run_tool

MODEL = 'claude-sonnet-4-5'
MAX_TOKENS = 1024
MESSAGES_TOOLS: list[Any] = [
    {'name': tool['name'], 'description': tool['description'], 'input_schema': tool['parameters']} for tool in TOOLS
]


def make_client(base_url: str, api_key: str, scenario: Scenario) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        base_url=base_url, api_key=api_key, default_headers={'traceparent': scenario.traceparent}, max_retries=0
    )


def message_call(message: Message, stream: bool) -> dict[str, Any]:
    texts = [block.text for block in message.content if block.type == 'text']
    tool_calls = [
        {'id': block.id, 'name': block.name, 'arguments': block.input}
        for block in message.content
        if block.type == 'tool_use'
    ]
    return client_call(
        response_id=message.id,
        model=message.model,
        stream=stream,
        text=''.join(texts) if texts else None,
        tool_calls=tool_calls,
        input_tokens=message.usage.input_tokens,
        output_tokens=message.usage.output_tokens,
        total_tokens=None,
        finish_reason=message.stop_reason,
    )


def answer_tool_uses(message: Message, call: dict[str, Any]) -> list[Any]:
    """Run the tools a message asked for; return the assistant message and the tool results to send back."""
    results = []
    for tool_call in call['toolCalls']:
        tool_call['result'] = run_tool(tool_call['name'], tool_call['arguments'])
        results.append({'type': 'tool_result', 'tool_use_id': tool_call['id'], 'content': tool_call['result']})
    return [{'role': 'assistant', 'content': message.content}, {'role': 'user', 'content': results}]


def messages_tool(base_url: str, api_key: str, scenario: Scenario) -> None:
    client = make_client(base_url, api_key, scenario)
    messages: list[Any] = [{'role': 'user', 'content': PROMPT}]
    first_message = client.messages.create(model=MODEL, max_tokens=MAX_TOKENS, messages=messages, tools=MESSAGES_TOOLS)
    first = message_call(first_message, False)
    messages += answer_tool_uses(first_message, first)
    second = client.messages.create(model=MODEL, max_tokens=MAX_TOKENS, messages=messages, tools=MESSAGES_TOOLS)
    scenario.calls += [first, message_call(second, False)]
    scenario.details['offeredTools'] = [tool['name'] for tool in TOOLS]


def messages_stream(base_url: str, api_key: str, scenario: Scenario) -> None:
    client = make_client(base_url, api_key, scenario)
    messages: list[Any] = [{'role': 'user', 'content': PROMPT}]
    event_types: list[str] = []
    with client.messages.stream(model=MODEL, max_tokens=MAX_TOKENS, messages=messages, tools=MESSAGES_TOOLS) as stream:
        for event in stream:
            event_types.append(event.type)
        first_message = stream.get_final_message()
    first = message_call(first_message, True)
    messages += answer_tool_uses(first_message, first)
    with client.messages.stream(model=MODEL, max_tokens=MAX_TOKENS, messages=messages, tools=MESSAGES_TOOLS) as stream:
        deltas = list(stream.text_stream)
        second = message_call(stream.get_final_message(), True)
    scenario.calls += [first, second]
    scenario.details['offeredTools'] = [tool['name'] for tool in TOOLS]
    scenario.details['eventTypes'] = event_types
    scenario.details['textDeltas'] = deltas


SCENARIOS = {'messages_tool': messages_tool, 'messages_stream': messages_stream}


def main() -> None:
    base_url, api_key, *selected = sys.argv[1:]
    run_scenarios(
        {name: (lambda s, run=run: run(base_url, api_key, s)) for name, run in SCENARIOS.items()},
        selected,
    )


if __name__ == '__main__':
    main()
