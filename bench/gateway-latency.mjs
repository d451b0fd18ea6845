// Latency of the model gateway's mock, as an agent sees it: sequential
// calls to `loupe mock` over loopback, each answered and stored as a span
// before the response ends. Run with `npm run bench:gateway` (it builds
// first); prints a table and the machine it ran on.

import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'

const CALLS = 400
const WARMUP = 40
const root = join(import.meta.dirname, '..')

const tools = [
  {
    type: 'function',
    function: {
      name: 'get_forecast',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' }, days: { type: 'integer', minimum: 1, maximum: 7 } },
        required: ['city', 'days'],
      },
    },
  },
]

/** The request bodies measured, by name. */
const profiles = {
  'chat, tool call': {
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Weather?' }],
    tools,
  },
  'chat, text reply': {
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Hello there' }],
  },
  'chat, streamed': {
    model: 'gpt-4o-mini',
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: 'user', content: 'Tell me about the weather in Utrecht today.' }],
  },
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]
}

async function startMock(dataDir) {
  const child = spawn(
    process.execPath,
    [join(root, 'bin/loupe.js'), 'mock', '--port', '0', '--data', dataDir],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let stdout = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  for (let i = 0; i < 400 && !stdout.includes('OPENAI_BASE_URL='); i++) {
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  const baseUrl = /OPENAI_BASE_URL=(\S+)/.exec(stdout)?.[1]
  if (!baseUrl) throw new Error(`loupe mock did not start:\n${stdout}`)
  return { child, baseUrl }
}

async function measure(baseUrl, body) {
  const times = []
  for (let i = 0; i < CALLS + WARMUP; i++) {
    const started = performance.now()
    const response = await fetch(`${baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer bench' },
      body: JSON.stringify(body),
    })
    await response.arrayBuffer()
    if (response.status !== 200) throw new Error(`HTTP ${response.status}`)
    if (i >= WARMUP) times.push(performance.now() - started)
  }
  return times.sort((a, b) => a - b)
}

const dataDir = mkdtempSync(join(tmpdir(), 'loupe-bench-gateway-'))
const { child, baseUrl } = await startMock(dataDir)
try {
  const cpu = cpus()
  console.log(
    `machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${process.platform}`,
  )
  console.log(
    `${CALLS} sequential calls per row after ${WARMUP} warm-up calls, each stored as a span\n`,
  )
  console.log('| request | p50 ms | p95 ms | p99 ms |')
  console.log('| --- | ---: | ---: | ---: |')
  for (const [name, body] of Object.entries(profiles)) {
    const times = await measure(baseUrl, body)
    const row = [0.5, 0.95, 0.99].map((p) => percentile(times, p).toFixed(2))
    console.log(`| ${name} | ${row.join(' | ')} |`)
  }
} finally {
  child.kill('SIGTERM')
  await new Promise((resolve) => child.once('exit', resolve))
  rmSync(dataDir, { recursive: true, force: true })
}
