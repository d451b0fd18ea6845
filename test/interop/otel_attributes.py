"""Send one span with every attribute type through the plain OpenTelemetry
Python SDK (HTTP protobuf exporter). Python integers and bytes reach the wire
exactly, unlike JavaScript numbers. Prints the trace id."""

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

provider = TracerProvider(resource=Resource.create({'service.name': 'interop-python-otel'}))
provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter()))
tracer = provider.get_tracer('loupe-interop-python', '0.1')

START_NS = 1772420400_123456789
with tracer.start_as_current_span(
    'python attributes',
    start_time=START_NS,
    end_on_exit=False,
    attributes={
        'py.int64_max': 2**63 - 1,
        'py.int64_min': -(2**63),
        'py.bytes': b'\x00\x01\xfe\xff',
        'py.double_integral': 2.0,
        'py.bool_array': [True, False],
    },
) as span:
    span.end(end_time=START_NS + 1)
provider.shutdown()
print(format(span.get_span_context().trace_id, '032x'))
