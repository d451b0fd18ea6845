"""Call Loupe's mock gateway with the openai Python SDK and report what the SDK returned.

Usage: openai_sdk.py BASE_URL API_KEY [SCENARIO...]

BASE_URL is the gateway's OpenAI base URL (.../gateway/openai/v1). Each scenario sends its
own W3C traceparent, so the test finds that scenario's gateway spans in one trace:

- chat_tools: chat.completions.create with both tools, then with the tool results.
- chat_tools_stream: the same turn streamed with stream_options include_usage, the first
  call read chunk by chunk and the second through the chat.completions.stream helper.
- responses_tool: responses.create with the get_forecast function tool, then with its output.
- responses_tool_stream: the same turn with responses.create(stream=True).
- chat_json_schema: chat.completions.create with a json_schema response_format.
- responses_json_schema: responses.create with a json_schema text.format.

Output: one JSON line, described in weather.py.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import openai
from openai.types.chat import ChatCompletion
from openai.types.responses import Response
from weather import PROMPT, REPORT_FORMAT, TOOLS, Scenario, client_call, run_scenarios, run_tool, tool_named

MODEL = 'gpt-4o-mini'
CHAT_TOOLS: list[Any] = [{'type': 'function', 'function': {**tool, 'strict': True}} for tool in TOOLS]
FORECAST_TOOL: list[Any] = [{'type': 'function', **tool_named('get_forecast'), 'strict': True}]


def make_client(base_url: str, api_key: str, scenario: Scenario) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=base_url, api_key=api_key, default_headers={'traceparent': scenario.traceparent}, max_retries=0
    )


def completion_call(completion: ChatCompletion, stream: bool) -> dict[str, Any]:
    choice = completion.choices[0]
    usage = completion.usage
    assert usage is not None, 'the completion has no usage'
    tool_calls = [
        {'id': call.id, 'name': call.function.name, 'arguments': json.loads(call.function.arguments)}
        for call in choice.message.tool_calls or []
        if call.type == 'function'
    ]
    return client_call(
        response_id=completion.id,
        model=completion.model,
        stream=stream,
        text=choice.message.content,
        tool_calls=tool_calls,
        input_tokens=usage.prompt_tokens,
        output_tokens=usage.completion_tokens,
        total_tokens=usage.total_tokens,
        finish_reason=choice.finish_reason,
    )


def answer_tool_calls(call: dict[str, Any]) -> list[Any]:
    """Run the tools a call asked for; return the assistant and tool messages to send back."""
    for tool_call in call['toolCalls']:
        tool_call['result'] = run_tool(tool_call['name'], tool_call['arguments'])
    assistant = {
        'role': 'assistant',
        'content': None,
        'tool_calls': [
            {
                'id': c['id'],
                'type': 'function',
                'function': {'name': c['name'], 'arguments': json.dumps(c['arguments'])},
            }
            for c in call['toolCalls']
        ],
    }
    results = [{'role': 'tool', 'tool_call_id': c['id'], 'content': c['result']} for c in call['toolCalls']]
    return [assistant, *results]


def chat_tools(base_url: str, api_key: str, scenario: Scenario) -> None:
    client = make_client(base_url, api_key, scenario)
    messages: list[Any] = [{'role': 'user', 'content': PROMPT}]
    first = completion_call(client.chat.completions.create(model=MODEL, messages=messages, tools=CHAT_TOOLS), False)
    messages += answer_tool_calls(first)
    second = client.chat.completions.create(model=MODEL, messages=messages, tools=CHAT_TOOLS)
    scenario.calls += [first, completion_call(second, False)]
    scenario.details['offeredTools'] = [tool['name'] for tool in TOOLS]


def chat_tools_stream(base_url: str, api_key: str, scenario: Scenario) -> None:
    client = make_client(base_url, api_key, scenario)
    messages: list[Any] = [{'role': 'user', 'content': PROMPT}]
    stream = client.chat.completions.create(
        model=MODEL, messages=messages, tools=CHAT_TOOLS, stream=True, stream_options={'include_usage': True}
    )
    response_id = ''
    model = ''
    finish_reason = None
    text = ''
    chunk_count = 0
    usage_chunks: list[tuple[int, Any]] = []
    calls: dict[int, dict[str, Any]] = {}
    for chunk in stream:
        response_id = chunk.id
        model = chunk.model
        if chunk.usage is not None:
            usage_chunks.append((chunk_count, chunk.usage))
        chunk_count += 1
        for choice in chunk.choices:
            finish_reason = choice.finish_reason or finish_reason
            text += choice.delta.content or ''
            for delta in choice.delta.tool_calls or []:
                call = calls.setdefault(delta.index, {'id': '', 'name': '', 'arguments': ''})
                call['id'] += delta.id or ''
                call['name'] += (delta.function and delta.function.name) or ''
                call['arguments'] += (delta.function and delta.function.arguments) or ''
    scenario.details['chunkCount'] = chunk_count
    scenario.details['usageChunkIndexes'] = [index for index, _ in usage_chunks]
    assert usage_chunks, 'no chunk carried usage, although stream_options set include_usage'
    usage = usage_chunks[-1][1]
    first = client_call(
        response_id=response_id,
        model=model,
        stream=True,
        # NOTE: the gateway's first chunk has content '' even before tool calls, where OpenAI
        # sends null, and the joined deltas cannot tell the two apart.
        text=text or None,
        tool_calls=[{**calls[i], 'arguments': json.loads(calls[i]['arguments'])} for i in sorted(calls)],
        input_tokens=usage.prompt_tokens,
        output_tokens=usage.completion_tokens,
        total_tokens=usage.total_tokens,
        finish_reason=finish_reason,
    )
    messages += answer_tool_calls(first)

    deltas: list[str] = []
    with client.chat.completions.stream(
        model=MODEL, messages=messages, tools=CHAT_TOOLS, stream_options={'include_usage': True}
    ) as events:
        for event in events:
            if event.type == 'content.delta':
                deltas.append(event.delta)
        final = events.get_final_completion()
    second = completion_call(final, True)
    scenario.calls += [first, second]
    scenario.details['offeredTools'] = [tool['name'] for tool in TOOLS]
    scenario.details['textDeltas'] = deltas


def response_call(response: Response, stream: bool) -> dict[str, Any]:
    usage = response.usage
    assert usage is not None, 'the response has no usage'
    tool_calls = [
        {'id': item.call_id, 'name': item.name, 'arguments': json.loads(item.arguments)}
        for item in response.output
        if item.type == 'function_call'
    ]
    return client_call(
        response_id=response.id,
        model=response.model,
        stream=stream,
        text=response.output_text or None,
        tool_calls=tool_calls,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        total_tokens=usage.total_tokens,
        finish_reason=response.status,
    )


def answer_function_calls(call: dict[str, Any]) -> list[Any]:
    """Run the tools a response asked for; return the function_call and output items to send back."""
    items: list[Any] = []
    for tool_call in call['toolCalls']:
        tool_call['result'] = run_tool(tool_call['name'], tool_call['arguments'])
        items.append(
            {
                'type': 'function_call',
                'call_id': tool_call['id'],
                'name': tool_call['name'],
                'arguments': json.dumps(tool_call['arguments']),
            }
        )
        items.append({'type': 'function_call_output', 'call_id': tool_call['id'], 'output': tool_call['result']})
    return items


def responses_tool(base_url: str, api_key: str, scenario: Scenario) -> None:
    client = make_client(base_url, api_key, scenario)
    items: list[Any] = [{'role': 'user', 'content': PROMPT}]
    first = response_call(client.responses.create(model=MODEL, input=items, tools=FORECAST_TOOL), False)
    items += answer_function_calls(first)
    second = client.responses.create(model=MODEL, input=items, tools=FORECAST_TOOL)
    scenario.calls += [first, response_call(second, False)]
    scenario.details['offeredTools'] = ['get_forecast']


def streamed_response(client: openai.OpenAI, items: list[Any], scenario: Scenario) -> dict[str, Any]:
    """Stream one Responses call; record its event types and text deltas in the details."""
    event_types: list[str] = []
    deltas: list[str] = []
    completed: Response | None = None
    for event in client.responses.create(model=MODEL, input=items, tools=FORECAST_TOOL, stream=True):
        event_types.append(event.type)
        if event.type == 'response.output_text.delta':
            deltas.append(event.delta)
        elif event.type == 'response.completed':
            completed = event.response
    assert completed is not None, 'the stream ended without response.completed'
    scenario.details.setdefault('eventTypes', []).append(event_types)
    scenario.details.setdefault('textDeltas', []).append(deltas)
    return response_call(completed, True)


def responses_tool_stream(base_url: str, api_key: str, scenario: Scenario) -> None:
    client = make_client(base_url, api_key, scenario)
    items: list[Any] = [{'role': 'user', 'content': PROMPT}]
    first = streamed_response(client, items, scenario)
    items += answer_function_calls(first)
    second = streamed_response(client, items, scenario)
    scenario.calls += [first, second]
    scenario.details['offeredTools'] = ['get_forecast']


def chat_json_schema(base_url: str, api_key: str, scenario: Scenario) -> None:
    client = make_client(base_url, api_key, scenario)
    completion = client.chat.completions.create(
        model=MODEL,
        messages=[{'role': 'user', 'content': PROMPT}],
        response_format={'type': 'json_schema', 'json_schema': {**REPORT_FORMAT, 'strict': True}},
    )
    call = completion_call(completion, False)
    scenario.calls.append(call)
    scenario.details['parsed'] = json.loads(call['text'])


def responses_json_schema(base_url: str, api_key: str, scenario: Scenario) -> None:
    client = make_client(base_url, api_key, scenario)
    response = client.responses.create(
        model=MODEL, input=PROMPT, text={'format': {'type': 'json_schema', **REPORT_FORMAT, 'strict': True}}
    )
    call = response_call(response, False)
    scenario.calls.append(call)
    scenario.details['parsed'] = json.loads(call['text'])


SCENARIOS = {
    'chat_tools': chat_tools,
    'chat_tools_stream': chat_tools_stream,
    'responses_tool': responses_tool,
    'responses_tool_stream': responses_tool_stream,
    'chat_json_schema': chat_json_schema,
    'responses_json_schema': responses_json_schema,
}


def main() -> None:
    base_url, api_key, *selected = sys.argv[1:]
    run_scenarios(
        {name: (lambda s, run=run: run(base_url, api_key, s)) for name, run in SCENARIOS.items()},
        selected,
    )


if __name__ == '__main__':
    main()
