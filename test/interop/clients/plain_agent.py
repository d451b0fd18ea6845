"""An agent without OpenTelemetry or a provider SDK: a tool loop over plain HTTP (urllib).

Usage: plain_agent.py (under `loupe run --mock`, which sets the variables below)

It reads OPENAI_BASE_URL, OPENAI_API_KEY, ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY, as an
agent pointed at a provider would, and sends no traceparent header. It answers the weather
prompt three times, each a loop of model calls until the model stops calling tools: over
Chat Completions, over the Responses API and over Anthropic Messages.

Output: one JSON line {"calls": [...]}, each call described as in weather.py plus the
`api` it used (the value of the gateway span's loupe.gateway.api attribute).
"""

from __future__ import annotations

import json
import os
import urllib.request
from typing import Any

from weather import PROMPT, TOOLS, client_call, run_tool

MAX_MODEL_CALLS = 4


def post(url: str, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={'Content-Type': 'application/json', **headers}, method='POST'
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def chat_loop() -> list[dict[str, Any]]:
    url = f'{os.environ["OPENAI_BASE_URL"]}/chat/completions'
    headers = {'Authorization': f'Bearer {os.environ["OPENAI_API_KEY"]}'}
    tools = [{'type': 'function', 'function': tool} for tool in TOOLS]
    messages: list[Any] = [{'role': 'user', 'content': PROMPT}]
    calls = []
    for _ in range(MAX_MODEL_CALLS):
        body = post(url, {'model': 'gpt-4o-mini', 'messages': messages, 'tools': tools}, headers)
        message = body['choices'][0]['message']
        tool_calls = [
            {'id': c['id'], 'name': c['function']['name'], 'arguments': json.loads(c['function']['arguments'])}
            for c in message.get('tool_calls') or []
        ]
        calls.append(
            {
                'api': 'openai.chat_completions',
                **client_call(
                    response_id=body['id'],
                    model=body['model'],
                    stream=False,
                    text=message['content'],
                    tool_calls=tool_calls,
                    input_tokens=body['usage']['prompt_tokens'],
                    output_tokens=body['usage']['completion_tokens'],
                    total_tokens=body['usage']['total_tokens'],
                    finish_reason=body['choices'][0]['finish_reason'],
                ),
            }
        )
        if not tool_calls:
            break
        messages.append({'role': 'assistant', 'content': None, 'tool_calls': message['tool_calls']})
        for call in tool_calls:
            call['result'] = run_tool(call['name'], call['arguments'])
            messages.append({'role': 'tool', 'tool_call_id': call['id'], 'content': call['result']})
    return calls


def responses_loop() -> list[dict[str, Any]]:
    url = f'{os.environ["OPENAI_BASE_URL"]}/responses'
    headers = {'Authorization': f'Bearer {os.environ["OPENAI_API_KEY"]}'}
    tools = [{'type': 'function', **tool} for tool in TOOLS]
    items: list[Any] = [{'role': 'user', 'content': PROMPT}]
    calls = []
    for _ in range(MAX_MODEL_CALLS):
        body = post(url, {'model': 'gpt-4o-mini', 'input': items, 'tools': tools}, headers)
        function_calls = [item for item in body['output'] if item['type'] == 'function_call']
        texts = [
            part['text']
            for item in body['output']
            if item['type'] == 'message'
            for part in item['content']
            if part['type'] == 'output_text'
        ]
        tool_calls = [
            {'id': item['call_id'], 'name': item['name'], 'arguments': json.loads(item['arguments'])}
            for item in function_calls
        ]
        calls.append(
            {
                'api': 'openai.responses',
                **client_call(
                    response_id=body['id'],
                    model=body['model'],
                    stream=False,
                    text=''.join(texts) if texts else None,
                    tool_calls=tool_calls,
                    input_tokens=body['usage']['input_tokens'],
                    output_tokens=body['usage']['output_tokens'],
                    total_tokens=body['usage']['total_tokens'],
                    finish_reason=body['status'],
                ),
            }
        )
        if not tool_calls:
            break
        for item, call in zip(function_calls, tool_calls):
            call['result'] = run_tool(call['name'], call['arguments'])
            items.append({k: item[k] for k in ('type', 'call_id', 'name', 'arguments')})
            items.append({'type': 'function_call_output', 'call_id': call['id'], 'output': call['result']})
    return calls


def messages_loop() -> list[dict[str, Any]]:
    url = f'{os.environ["ANTHROPIC_BASE_URL"]}/v1/messages'
    headers = {'x-api-key': os.environ['ANTHROPIC_API_KEY'], 'anthropic-version': '2023-06-01'}
    tools = [{'name': t['name'], 'description': t['description'], 'input_schema': t['parameters']} for t in TOOLS]
    messages: list[Any] = [{'role': 'user', 'content': PROMPT}]
    calls = []
    for _ in range(MAX_MODEL_CALLS):
        request = {'model': 'claude-sonnet-4-5', 'max_tokens': 1024, 'messages': messages, 'tools': tools}
        body = post(url, request, headers)
        uses = [block for block in body['content'] if block['type'] == 'tool_use']
        texts = [block['text'] for block in body['content'] if block['type'] == 'text']
        tool_calls = [{'id': block['id'], 'name': block['name'], 'arguments': block['input']} for block in uses]
        calls.append(
            {
                'api': 'anthropic.messages',
                **client_call(
                    response_id=body['id'],
                    model=body['model'],
                    stream=False,
                    text=''.join(texts) if texts else None,
                    tool_calls=tool_calls,
                    input_tokens=body['usage']['input_tokens'],
                    output_tokens=body['usage']['output_tokens'],
                    total_tokens=None,
                    finish_reason=body['stop_reason'],
                ),
            }
        )
        if not tool_calls:
            break
        messages.append({'role': 'assistant', 'content': body['content']})
        results = []
        for call in tool_calls:
            call['result'] = run_tool(call['name'], call['arguments'])
            results.append({'type': 'tool_result', 'tool_use_id': call['id'], 'content': call['result']})
        messages.append({'role': 'user', 'content': results})
    return calls


def main() -> None:
    print(json.dumps({'calls': [*chat_loop(), *responses_loop(), *messages_loop()]}))


if __name__ == '__main__':
    main()
