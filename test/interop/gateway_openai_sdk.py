"""Call Loupe's model gateway with the openai Python SDK and report what came back.

Usage: gateway_openai_sdk.py BASE_URL API_KEY TRACEPARENT

BASE_URL is the gateway's OpenAI base URL (.../gateway/openai/v1). Every request carries
TRACEPARENT as its W3C traceparent header, so the test finds the gateway's spans under it.

The script makes complete tool-calling turns with chat.completions and with
responses.create, each without and with streaming: two tools called in parallel, then the
final reply once the tool results are sent back. It also calls chat.completions.parse with
a pydantic response format and responses.parse with a pydantic text format, lists the
models, and sends one invalid request, which must raise BadRequestError.

Output: one JSON line with the tools' parameter schemas and what each call returned.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import openai
from pydantic import BaseModel, Field

TOOLS_CHAT: list[Any] = [
    {
        'type': 'function',
        'function': {
            'name': 'get_forecast',
            'description': 'Forecast for a city.',
            'parameters': {
                'type': 'object',
                'properties': {
                    'city': {'type': 'string', 'minLength': 2},
                    'days': {'type': 'integer', 'minimum': 1, 'maximum': 7},
                },
                'required': ['city', 'days'],
            },
        },
    },
    {
        'type': 'function',
        'function': {
            'name': 'get_humidity',
            'description': 'Relative humidity in a city.',
            'parameters': {
                'type': 'object',
                'properties': {'city': {'type': 'string'}, 'unit': {'enum': ['percent', 'ratio']}},
                'required': ['city', 'unit'],
            },
        },
    },
]
TOOLS_RESPONSES: list[Any] = [{'type': 'function', **tool['function']} for tool in TOOLS_CHAT]
PROMPT = 'What is the weather in Utrecht?'


class Report(BaseModel):
    city: str
    humidity_percent: int = Field(ge=0, le=100)


def chat_turn(client: openai.OpenAI, stream: bool) -> dict[str, Any]:
    """Make one tool-calling turn over Chat Completions: tool calls, then the reply to their results."""
    messages: list[Any] = [{'role': 'user', 'content': PROMPT}]
    if stream:
        calls: dict[int, dict[str, Any]] = {}
        usage_chunks: list[Any] = []
        finish_reasons: list[str] = []
        for chunk in client.chat.completions.create(
            model='gpt-4o-mini',
            messages=messages,
            tools=TOOLS_CHAT,
            stream=True,
            stream_options={'include_usage': True},
        ):
            if chunk.usage is not None:
                usage_chunks.append(chunk.usage.model_dump())
            for choice in chunk.choices:
                if choice.finish_reason:
                    finish_reasons.append(choice.finish_reason)
                for delta in choice.delta.tool_calls or []:
                    call = calls.setdefault(delta.index, {'id': '', 'name': '', 'arguments': ''})
                    call['id'] += delta.id or ''
                    call['name'] += (delta.function and delta.function.name) or ''
                    call['arguments'] += (delta.function and delta.function.arguments) or ''
        tool_calls = [calls[index] for index in sorted(calls)]
        first = {'finishReasons': finish_reasons, 'usageChunks': usage_chunks}
    else:
        completion = client.chat.completions.create(model='gpt-4o-mini', messages=messages, tools=TOOLS_CHAT)
        choice = completion.choices[0]
        tool_calls = [
            {'id': call.id, 'name': call.function.name, 'arguments': call.function.arguments}
            for call in choice.message.tool_calls or []
            if call.type == 'function'
        ]
        first = {'finishReasons': [choice.finish_reason], 'usage': completion.usage and completion.usage.model_dump()}
    messages.append(
        {
            'role': 'assistant',
            'tool_calls': [
                {'id': c['id'], 'type': 'function', 'function': {'name': c['name'], 'arguments': c['arguments']}}
                for c in tool_calls
            ],
        }
    )
    for call in tool_calls:
        messages.append({'role': 'tool', 'tool_call_id': call['id'], 'content': f'result of {call["name"]}'})
    answer = client.chat.completions.create(model='gpt-4o-mini', messages=messages, tools=TOOLS_CHAT)
    return {
        **first,
        'toolCalls': [{**c, 'arguments': json.loads(c['arguments'])} for c in tool_calls],
        'answer': answer.choices[0].message.content,
        'answerFinishReason': answer.choices[0].finish_reason,
    }


def responses_turn(client: openai.OpenAI, stream: bool) -> dict[str, Any]:
    """Make one tool-calling turn over the Responses API."""
    items: list[Any] = [{'role': 'user', 'content': PROMPT}]
    event_types: list[str] = []
    if stream:
        with client.responses.stream(model='gpt-4o-mini', input=items, tools=TOOLS_RESPONSES) as events:
            for event in events:
                event_types.append(event.type)
            response = events.get_final_response()
    else:
        response = client.responses.create(model='gpt-4o-mini', input=items, tools=TOOLS_RESPONSES)
    calls = [item for item in response.output if item.type == 'function_call']
    for call in calls:
        items.append({'type': 'function_call', 'call_id': call.call_id, 'name': call.name, 'arguments': call.arguments})
        items.append({'type': 'function_call_output', 'call_id': call.call_id, 'output': f'result of {call.name}'})
    answer = client.responses.create(model='gpt-4o-mini', input=items, tools=TOOLS_RESPONSES)
    return {
        'eventTypes': event_types,
        'status': response.status,
        'usage': response.usage and response.usage.model_dump(),
        'toolCalls': [{'id': c.call_id, 'name': c.name, 'arguments': json.loads(c.arguments)} for c in calls],
        'answer': answer.output_text,
    }


def main() -> None:
    base_url, api_key, traceparent = sys.argv[1:]
    client = openai.OpenAI(
        base_url=base_url, api_key=api_key, default_headers={'traceparent': traceparent}, max_retries=0
    )
    report: dict[str, Any] = {
        'parameters': {tool['function']['name']: tool['function']['parameters'] for tool in TOOLS_CHAT},
        'chat': chat_turn(client, stream=False),
        'chatStream': chat_turn(client, stream=True),
        'responses': responses_turn(client, stream=False),
        'responsesStream': responses_turn(client, stream=True),
    }
    parsed = client.chat.completions.parse(
        model='gpt-4o-mini', messages=[{'role': 'user', 'content': PROMPT}], response_format=Report
    )
    report['chatParsed'] = parsed.choices[0].message.parsed.model_dump()  # type: ignore[union-attr]
    parsed_response = client.responses.parse(model='gpt-4o-mini', input=PROMPT, text_format=Report)
    report['responsesParsed'] = parsed_response.output_parsed and parsed_response.output_parsed.model_dump()
    report['models'] = [model.id for model in client.models.list()]
    try:
        client.chat.completions.create(
            model='gpt-4o-mini',
            messages=[{'role': 'user', 'content': 'hi'}, {'role': 'tool', 'tool_call_id': 'call_x', 'content': 'r'}],
        )
        report['invalid'] = None
    except openai.BadRequestError as error:
        report['invalid'] = {'status': error.status_code, 'body': error.body}
    print(json.dumps(report))


if __name__ == '__main__':
    main()
