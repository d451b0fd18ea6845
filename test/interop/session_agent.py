"""Runs of a pydantic-ai agent (on pydantic-ai's TestModel, instrumented
through Logfire) that belong to sessions the ways users set them:

- two runs of one conversation: the first with `conversation_id=`, the
  second continuing its message history, which carries the id on;
- two runs inside `logfire.set_baggage(session_id=...)`, kept unscrubbed by
  a scrubbing callback, because Logfire scrubs values of keys that
  contain "session";
- one run inside baggage `session.id`, which the callback lets Logfire
  scrub, so it must not group by that value;
- one run on its own.

Where the telemetry goes comes only from the environment. It prints one
JSON object with the conversation id of each run.
"""

import json

import logfire
from pydantic_ai import Agent
from pydantic_ai.models.test import TestModel


def keep_session_id(match: logfire.ScrubMatch) -> object:
    """Keeps Logfire's `session_id` attributes; anything else matched is scrubbed."""
    if match.path[-1] == 'session_id':
        return match.value
    return None


logfire.configure(
    service_name='interop-sessions',
    console=False,
    scrubbing=logfire.ScrubbingOptions(callback=keep_session_id),
)
logfire.instrument_pydantic_ai()

agent = Agent(TestModel(), name='support_agent', instructions='You help with parcels.')


def main() -> None:
    first = agent.run_sync('Where is my parcel?', conversation_id='conv-parcel-42')
    second = agent.run_sync('And when is the refund due?', message_history=first.all_messages())
    with logfire.set_baggage(session_id='web-session-7'):
        third = agent.run_sync('Hello')
        fourth = agent.run_sync('Goodbye')
    with logfire.set_baggage(**{'session.id': 'scrubbed-session'}):
        scrubbed = agent.run_sync('Is this private?')
    alone = agent.run_sync('Unrelated question')
    logfire.force_flush()
    runs = {
        'first': first,
        'second': second,
        'third': third,
        'fourth': fourth,
        'scrubbed': scrubbed,
        'alone': alone,
    }
    print(json.dumps({name: result.conversation_id for name, result in runs.items()}))


if __name__ == '__main__':
    main()
