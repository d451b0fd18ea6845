// The memory, export-latency and freshness parts of `npm run bench`. Each
// starts its own `loupe serve` on an empty store, records its figures in the
// target table and returns a Markdown section.

import { idleLatencies, measureFreshness, offerLoad } from './latency'
import {
  apiGet,
  httpSender,
  percentile,
  rssMb,
  runLoad,
  startServe,
  stopServe,
  type ServedCore,
} from './serve'
import { CORE_NODE_FLAGS } from '../src/core/heap-limits'
import type { TargetTable } from './targets'
import { buildRequest, SPANS_PER_TRACE } from './workload'

/** Spans per second that the export-latency target assumes clients offer. */
const OFFERED_GENAI_SPANS_PER_SECOND = 5000
/** Background load of the freshness measure: about a quarter of the measured GenAI capacity. */
const FRESHNESS_GENAI_SPANS_PER_SECOND = 2000
/** Time the core gets to settle before its idle RSS is read (timers, lazy start-up work). */
const SETTLE_MS = 2000

/** Reads the core's RSS once it has responded to a request and then stayed idle for SETTLE_MS. */
export async function idleRssMb(core: ServedCore): Promise<number> {
  await (await apiGet(core, '/api/status?wait=1')).arrayBuffer()
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS))
  return rssMb(core.child.pid!)
}

/** Measures the RSS of an idle core on an empty store, then its peak under flat-out GenAI ingest. */
export async function measureMemory(targets: TargetTable, seconds: number): Promise<string> {
  const core = await startServe()
  try {
    const idle = await idleRssMb(core)
    const bodies = buildRequest('genai', 512)
    const load = await runLoad(core, httpSender(core, bodies, 'protobuf'), bodies.spans, {
      seconds,
      concurrency: 4,
    })
    targets.atMost('core RSS idle after start ≤ 80 MB', idle, 80, 'MB', 'empty store')
    targets.atMost(
      'core RSS at saturation ≤ 300 MB',
      load.peakRssMb,
      300,
      'MB',
      `peak, 4 clients flat out, GenAI over OTLP/HTTP protobuf, ${Math.round(load.spansPerSecond).toLocaleString('en-US')} spans/s, started with ${CORE_NODE_FLAGS.join(' ')}`,
    )
    return [
      '## Memory of the core (RSS from /proc)',
      '',
      `- idle, ${SETTLE_MS / 1000} s after start on an empty store: ${idle.toFixed(0)} MB`,
      `- peak while 4 clients send 512-span GenAI requests flat out for ${seconds} s: ` +
        `${load.peakRssMb.toFixed(0)} MB (${Math.round(load.spansPerSecond).toLocaleString('en-US')} spans/s)`,
    ].join('\n')
  } finally {
    await stopServe(core)
  }
}

/** Measures p50/p99 of one 512-span export under a fixed offered rate, and p50 on an idle core. */
export async function measureLatency(targets: TargetTable, seconds: number): Promise<string> {
  const bodies = buildRequest('genai', 512)
  const core = await startServe()
  try {
    const idle = await idleLatencies(core, bodies, 20)
    // Twice the usual length, so that p99 rests on about a hundred requests.
    const loaded = await offerLoad(
      httpSender(core, bodies, 'protobuf'),
      bodies.spans,
      OFFERED_GENAI_SPANS_PER_SECOND,
      seconds * 2,
      6_000_000,
    )
    targets.atMost(
      'export p99 at 5,000 GenAI spans/s offered ≤ 150 ms',
      loaded.p99Ms,
      150,
      'ms',
      `${loaded.requests} requests of 512 spans`,
    )
    targets.atMost(
      'export p50 of one 512-span request, idle core ≤ 80 ms',
      percentile(idle, 50),
      80,
      'ms',
      '20 requests',
    )
    return [
      '## Export latency (acknowledged after commit, 512-span GenAI requests over OTLP/HTTP protobuf)',
      '',
      '| load | requests | p50 ms | p99 ms | max ms | notes |',
      '| --- | ---: | ---: | ---: | ---: | --- |',
      `| idle core, one request at a time | ${idle.length} | ${percentile(idle, 50).toFixed(0)} | ` +
        `${percentile(idle, 99).toFixed(0)} | ${idle.at(-1)!.toFixed(0)} | each sent once the previous one was normalized |`,
      `| ${OFFERED_GENAI_SPANS_PER_SECOND.toLocaleString('en-US')} spans/s offered on a fixed schedule | ` +
        `${loaded.requests} | ${loaded.p50Ms.toFixed(0)} | ${loaded.p99Ms.toFixed(0)} | n/a | ` +
        `${Math.round(loaded.acknowledgedSpansPerSecond).toLocaleString('en-US')} spans/s acknowledged; ` +
        `at most ${loaded.maxInFlight} requests in flight |`,
    ].join('\n')
  } finally {
    await stopServe(core)
  }
}

/** Measures the delay from acknowledgement to push-channel arrival under a moderate load. */
export async function measureFreshnessPart(targets: TargetTable, seconds: number): Promise<string> {
  const core = await startServe()
  try {
    const result = await measureFreshness(
      core,
      buildRequest('genai', 512),
      FRESHNESS_GENAI_SPANS_PER_SECOND,
      buildRequest('genai', SPANS_PER_TRACE, 7),
      seconds * 2,
    )
    const afterAck = result.afterAckMs
    const afterSend = result.afterSendMs
    const worst = result.missed > 0 ? Infinity : percentile(afterAck, 100)
    targets.atMost(
      'span on the UI push channel ≤ 250 ms after the acknowledgement',
      percentile(afterAck, 95),
      250,
      'ms',
      `p95 of ${result.probes} traces at ${FRESHNESS_GENAI_SPANS_PER_SECOND.toLocaleString('en-US')} ` +
        `GenAI spans/s; max ${Number.isFinite(worst) ? worst.toFixed(0) : 'missed'} ms`,
    )
    return [
      '## Freshness (export to the UI push channel, GET /api/events)',
      '',
      `One 32-span GenAI trace every 250 ms while ${FRESHNESS_GENAI_SPANS_PER_SECOND.toLocaleString('en-US')} ` +
        `GenAI spans/s are offered in 512-span requests; ${result.probes} probe traces, ${result.missed} never pushed ` +
        'within 10 s.',
      '',
      '| from | p50 ms | p95 ms | max ms |',
      '| --- | ---: | ---: | ---: |',
      `| acknowledgement | ${percentile(afterAck, 50).toFixed(0)} | ${percentile(afterAck, 95).toFixed(0)} | ` +
        `${percentile(afterAck, 100).toFixed(0)} |`,
      `| start of the export | ${percentile(afterSend, 50).toFixed(0)} | ` +
        `${percentile(afterSend, 95).toFixed(0)} | ${percentile(afterSend, 100).toFixed(0)} |`,
    ].join('\n')
  } finally {
    await stopServe(core)
  }
}
