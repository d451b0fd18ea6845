"""Record the demo traces that `loupe serve --demo` loads.

Two real pydantic-ai runs of a support agent, instrumented with Logfire,
against a small local stand-in for the OpenAI Chat Completions API (so the
model name, token usage and HTTP spans look like a real run): one that calls
two tools in parallel and answers, and one whose tool raises and ends the run.
Telemetry goes wherever OTEL_EXPORTER_OTLP_ENDPOINT points; see
scripts/record-demo.sh.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import logfire
from pydantic_ai import Agent
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider


def completion(message: dict, prompt_tokens: int, completion_tokens: int) -> dict:
    finish = 'tool_calls' if message.get('tool_calls') else 'stop'
    return {
        'id': 'chatcmpl-demo',
        'object': 'chat.completion',
        'created': 1772420400,
        'model': 'gpt-4o-mini-2024-07-18',
        'choices': [{'index': 0, 'message': message, 'finish_reason': finish}],
        'usage': {
            'prompt_tokens': prompt_tokens,
            'completion_tokens': completion_tokens,
            'total_tokens': prompt_tokens + completion_tokens,
        },
    }


def tool_call(call_id: str, name: str, arguments: dict) -> dict:
    return {'id': call_id, 'type': 'function', 'function': {'name': name, 'arguments': json.dumps(arguments)}}


def reply_to(request: dict) -> dict:
    """Answer like a model would, from the last user text and the tool results sent."""
    messages = request['messages']
    user_text = next(m['content'] for m in reversed(messages) if m['role'] == 'user')
    tool_results = [m for m in messages if m['role'] == 'tool']
    if '5521' in str(user_text):
        if not tool_results:
            calls = [
                tool_call('call_lk5521', 'lookup_order', {'order_id': '5521'}),
                tool_call('call_sh5521', 'shipping_status', {'order_id': '5521'}),
            ]
            return completion({'role': 'assistant', 'content': None, 'tool_calls': calls}, 412, 58)
        text = (
            'Order 5521 (2 x trail running shoes) shipped yesterday with DHL and is out for '
            'delivery today; expect it before 18:00.'
        )
        return completion({'role': 'assistant', 'content': text}, 587, 41)
    calls = [tool_call('call_lk9999', 'lookup_order', {'order_id': '9999'})]
    return completion({'role': 'assistant', 'content': None, 'tool_calls': calls}, 405, 22)


class StandInOpenAI(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        length = int(self.headers['Content-Length'])
        body = json.dumps(reply_to(json.loads(self.rfile.read(length)))).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


ORDERS = {'5521': {'order_id': '5521', 'items': ['2 x trail running shoes'], 'status': 'shipped'}}


def main() -> None:
    server = ThreadingHTTPServer(('127.0.0.1', 0), StandInOpenAI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base_url = f'http://127.0.0.1:{server.server_address[1]}/v1'

    logfire.configure(service_name='support-desk', environment='demo', send_to_logfire=False, console=False)
    logfire.instrument_pydantic_ai()
    model = OpenAIChatModel('gpt-4o-mini', provider=OpenAIProvider(base_url=base_url, api_key='demo-key'))
    agent = Agent(
        model,
        name='support_agent',
        instructions='You are the support desk of an outdoor shop. Look orders up before answering.',
    )

    @agent.tool_plain
    def lookup_order(order_id: str) -> dict:
        """Fetch an order by its id."""
        return ORDERS[order_id]

    @agent.tool_plain
    def shipping_status(order_id: str) -> str:
        """Carrier status of an order's parcel."""
        return 'DHL: out for delivery, expected before 18:00'

    for session, question in [('s-1042', 'Where is my order 5521?'), ('s-1043', 'Please cancel order 9999.')]:
        try:
            with logfire.span('chat_turn {session_id}', session_id=session, user_id='u-77'):
                result = agent.run_sync(question)
                logfire.info('answered with {tokens} tokens', tokens=result.usage.total_tokens)
        except KeyError:
            # The failure is in the trace: the tool span, the agent run and the turn end in error.
            pass
    logfire.force_flush()
    server.shutdown()


if __name__ == '__main__':
    main()
