"""Hold a Logfire span open while the test looks at Loupe: flushing inside
the span sends its pending span (the start marker the Logfire backend
exporter sends for running spans). Prints the trace id, waits for a line on
standard input, ends the span, flushes and prints "done"."""

import sys

import logfire

logfire.configure(service_name='interop-long', console=False)

with logfire.span('long job', job_id='j-9') as job:
    with logfire.span('step one'):
        pass
    logfire.force_flush()
    print(format(job.get_span_context().trace_id, '032x'), flush=True)
    sys.stdin.readline()
logfire.force_flush()
print('done', flush=True)
