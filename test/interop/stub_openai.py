"""A local stand-in for the OpenAI Chat Completions API, for interop tests.

It serves `POST /v1/chat/completions` on 127.0.0.1 (a free port) from a thread
and replies to each request with the next reply of a script, so a test decides
exactly what the model says, how many tokens it reports and how it fails. It
sends nothing anywhere: every reply is built from the script.

Replies are built with `tool_calls`, `text`, `http_error` and `hang`. When a
request sets `"stream": true` the same reply goes out as server-sent events,
with a last chunk that carries only `usage`, as OpenAI sends it when
`stream_options.include_usage` is set.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL = 'gpt-4o-mini-2024-07-18'
"""The model name the stub reports in every response, like OpenAI's dated snapshot names."""


@dataclass
class Usage:
    """Token counts of one completion, as OpenAI reports them."""

    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            'prompt_tokens': self.prompt_tokens,
            'completion_tokens': self.completion_tokens,
            'total_tokens': self.prompt_tokens + self.completion_tokens,
            'prompt_tokens_details': {'cached_tokens': self.cached_tokens, 'audio_tokens': 0},
            'completion_tokens_details': {
                'reasoning_tokens': 0,
                'audio_tokens': 0,
                'accepted_prediction_tokens': 0,
                'rejected_prediction_tokens': 0,
            },
        }


@dataclass
class ToolCall:
    name: str
    arguments: dict[str, Any]
    id: str


@dataclass
class Reply:
    """One scripted reply: a completion (text or tool calls), an HTTP error or a hang."""

    usage: Usage | None = None
    text: str | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)
    status: int = 200
    error_body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    hang_seconds: float = 0.0


def text(content: str, usage: Usage) -> Reply:
    return Reply(usage=usage, text=content)


def tool_calls(calls: list[tuple[str, str, dict[str, Any]]], usage: Usage) -> Reply:
    """Build a reply that calls tools. Each call is a tuple (tool call id, tool name, arguments)."""
    return Reply(usage=usage, tool_calls=[ToolCall(name=name, arguments=args, id=id) for id, name, args in calls])


def http_error(
    status: int, message: str, error_type: str, code: str | None, headers: dict[str, str] | None = None
) -> Reply:
    """Build an error reply with OpenAI's error body: {"error": {message, type, param, code}}."""
    body = {'error': {'message': message, 'type': error_type, 'param': None, 'code': code}}
    return Reply(status=status, error_body=body, headers=headers or {})


def hang(seconds: float) -> Reply:
    """Build a reply that sends nothing for `seconds` (or until the stub stops), then closes the connection."""
    return Reply(hang_seconds=seconds)


class StubOpenAI:
    """The stub server. Replies are used in order, and the last one repeats once the script runs out.

    With an empty script every request gets an HTTP 500 whose message states that.
    """

    def __init__(self, script: list[Reply]) -> None:
        self.script = script
        self.requests: list[dict[str, Any]] = []
        """JSON bodies of the requests received, in order."""
        self.served: list[Reply] = []
        """The reply sent for each request, in order."""
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(('127.0.0.1', 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name='stub-openai', daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f'http://{host}:{port}/v1'

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self.requests)

    def start(self) -> StubOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release hanging replies, then stop serving."""
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> StubOpenAI:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def report(self) -> dict[str, Any]:
        """Summarize what the stub served: the request count and the usage of every completion it returned."""
        with self._lock:
            completions = [reply for reply in self.served if reply.status == 200 and not reply.hang_seconds]
            return {
                'requests': len(self.requests),
                'model': MODEL,
                'responseUsage': [
                    {
                        'promptTokens': reply.usage.prompt_tokens,
                        'completionTokens': reply.usage.completion_tokens,
                        'cachedTokens': reply.usage.cached_tokens,
                    }
                    for reply in completions
                    if reply.usage is not None
                ],
            }

    def _next_reply(self, body: dict[str, Any]) -> tuple[Reply, str]:
        with self._lock:
            index = len(self.requests)
            self.requests.append(body)
            if self.script:
                reply = self.script[min(index, len(self.script) - 1)]
            else:
                reply = http_error(500, 'The stub has no scripted reply for this request.', 'server_error', None)
            self.served.append(reply)
            return reply, f'chatcmpl-stub{index + 1:04d}'

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, format: str, *args: Any) -> None:
                # Keep the scenario's stdout and stderr for its own output.
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get('Content-Length') or 0)
                raw = self.rfile.read(length)
                if self.path.rstrip('/') != '/v1/chat/completions':
                    self._send_error(http_error(404, f'Unknown path {self.path}', 'invalid_request_error', None))
                    return
                try:
                    body = json.loads(raw or b'{}')
                except json.JSONDecodeError as error:
                    self._send_error(http_error(400, f'Invalid JSON body: {error}', 'invalid_request_error', None))
                    return
                reply, completion_id = stub._next_reply(body)
                if reply.hang_seconds:
                    stub._stopping.wait(reply.hang_seconds)
                    self.close_connection = True
                    return
                if reply.status != 200:
                    self._send_error(reply)
                    return
                created = int(time.time())
                if body.get('stream'):
                    self._send_stream(reply, completion_id, created)
                else:
                    self._send_json(200, completion(reply, completion_id, created))

            def _send_error(self, reply: Reply) -> None:
                self._send_json(reply.status, reply.error_body or {}, reply.headers)

            def _send_json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _send_stream(self, reply: Reply, completion_id: str, created: int) -> None:
                self.send_response(200)
                self.send_header('Content-Type', 'text/event-stream')
                self.send_header('Cache-Control', 'no-cache')
                self.send_header('Connection', 'close')
                self.end_headers()
                self.close_connection = True
                for chunk in stream_chunks(reply, completion_id, created):
                    self.wfile.write(f'data: {json.dumps(chunk)}\n\n'.encode())
                    self.wfile.flush()
                self.wfile.write(b'data: [DONE]\n\n')
                self.wfile.flush()

        return Handler


def _message(reply: Reply) -> dict[str, Any]:
    message: dict[str, Any] = {'role': 'assistant', 'content': reply.text, 'refusal': None}
    if reply.tool_calls:
        message['tool_calls'] = [
            {
                'id': call.id,
                'type': 'function',
                'function': {'name': call.name, 'arguments': json.dumps(call.arguments)},
            }
            for call in reply.tool_calls
        ]
    return message


def _finish_reason(reply: Reply) -> str:
    return 'tool_calls' if reply.tool_calls else 'stop'


def completion(reply: Reply, completion_id: str, created: int) -> dict[str, Any]:
    """Build a `chat.completion` object for a non-streaming reply."""
    assert reply.usage is not None, 'a completion reply needs usage'
    return {
        'id': completion_id,
        'object': 'chat.completion',
        'created': created,
        'model': MODEL,
        'system_fingerprint': 'fp_stub',
        'choices': [
            {'index': 0, 'message': _message(reply), 'logprobs': None, 'finish_reason': _finish_reason(reply)}
        ],
        'usage': reply.usage.to_json(),
    }


def stream_chunks(reply: Reply, completion_id: str, created: int) -> list[dict[str, Any]]:
    """Split a reply into `chat.completion.chunk` objects: role, content or tool-call deltas, finish, usage."""
    assert reply.usage is not None, 'a streamed reply needs usage'

    def chunk(delta: dict[str, Any] | None, finish_reason: str | None = None) -> dict[str, Any]:
        choices = []
        if delta is not None:
            choices = [{'index': 0, 'delta': delta, 'logprobs': None, 'finish_reason': finish_reason}]
        return {
            'id': completion_id,
            'object': 'chat.completion.chunk',
            'created': created,
            'model': MODEL,
            'system_fingerprint': 'fp_stub',
            'choices': choices,
            'usage': None,
        }

    chunks = [chunk({'role': 'assistant', 'content': '' if reply.text is not None else None, 'refusal': None})]
    if reply.text:
        words = reply.text.split(' ')
        for index, word in enumerate(words):
            chunks.append(chunk({'content': word if index == 0 else ' ' + word}))
    for index, call in enumerate(reply.tool_calls):
        arguments = json.dumps(call.arguments)
        half = len(arguments) // 2
        first_delta = {
            'index': index,
            'id': call.id,
            'type': 'function',
            'function': {'name': call.name, 'arguments': arguments[:half]},
        }
        chunks.append(chunk({'tool_calls': [first_delta]}))
        chunks.append(chunk({'tool_calls': [{'index': index, 'function': {'arguments': arguments[half:]}}]}))
    chunks.append(chunk({}, _finish_reason(reply)))
    usage_chunk = chunk(None)
    usage_chunk['usage'] = reply.usage.to_json()
    chunks.append(usage_chunk)
    return chunks
