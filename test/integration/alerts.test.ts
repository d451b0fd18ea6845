// Alert rules over real traces: a pydantic-ai agent run through `loupe run
// --mock` against the gateway's scenarios, three times with a 401 from the
// provider and once with a scripted success. An error-rate rule fires and
// runs its command, which writes the alert JSON from its standard input to a
// file. A webhook on a loopback server receives the same JSON with its
// header. A cost-per-hour rule and a SQL rule fire and resolve. `loupe
// alerts` exits 1 with the rule named, 0 on a clean store and 2 on a bad
// rules file.

import { spawn, spawnSync } from 'node:child_process'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type {
  AlertCheckReport,
  AlertEvent,
  AlertJson,
  AlertRule,
  AlertsOverview,
  AlertTestResult,
} from '../../src/shared/alerts'
import type { PushMessage, RunJson, TraceSummary } from '../../src/shared/api'
import {
  agentEnv,
  apiJson,
  fixturesDir,
  makeDataDir,
  removeDir,
  repoRoot,
  runCli,
  startTestCore,
  waitForFirstAlertEvaluation,
  type TestCore,
} from '../helpers/core'
import { missingPythonMessage, testPython } from '../helpers/python'
import { readEvents, waitFor } from '../helpers/sse'

const python = testPython()
if (!python && process.env.CI) throw new Error(missingPythonMessage)

const scenarios = join(fixturesDir, 'gateway-scenarios')
const faultAgent = join(repoRoot, 'test/interop/fault_agent.py')
const HOOK_HEADER = 'x-loupe-test-token'
const HOOK_TOKEN = 'hook-token-not-a-real-secret'

/** A program that appends the JSON it reads on standard input, as one line, to the file in argv[2]. */
const WRITE_STDIN_SCRIPT = `
import { appendFileSync } from 'node:fs'
let input = ''
process.stdin.setEncoding('utf8')
process.stdin.on('data', (chunk) => (input += chunk))
process.stdin.on('end', () => {
  appendFileSync(process.argv[2], JSON.stringify(JSON.parse(input)) + '\\n')
  process.stderr.write('wrote the alert\\n')
})
`

interface HookRequest {
  headers: IncomingHttpHeaders
  body: string
}

/** A loopback webhook receiver that responds 503 to its first request and 200 after that. */
class HookServer {
  readonly requests: HookRequest[] = []
  private readonly server: Server

  constructor() {
    this.server = createServer((request, response) => {
      let body = ''
      request.setEncoding('utf8')
      request.on('data', (chunk: string) => (body += chunk))
      request.on('end', () => {
        this.requests.push({ headers: request.headers, body })
        response.writeHead(this.requests.length === 1 ? 503 : 200).end('noted')
      })
    })
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}

/** Returns the alert lines a command delivery wrote to `file`, oldest first. */
function writtenAlerts(file: string): AlertJson[] {
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as AlertJson)
}

let loupe: TestCore
let workDir: string
let hook: HookServer
let hookUrl: string
/** A loopback URL whose port nothing listens on. */
let closedUrl: string
const pushed: AlertJson[] = []
const pushStream = new AbortController()
const failedTraceIds: string[] = []
let succeededTraceId = ''

const outputs = {
  errorRate: '',
  cost: '',
  sql: '',
}

function commandTo(file: string): { argv: string[] } {
  return { argv: [process.execPath, 'write-stdin.mjs', file] }
}

function rulesYaml(): string {
  return `# Rules of the alerts integration test.
interval: 1h
rules:
  - name: agent failures
    kind: error_rate
    threshold: 20
    window: 15m
    minRuns: 3
    deliver:
      command: { argv: ${JSON.stringify(commandTo(outputs.errorRate).argv)} }
      webhook:
        url: ${hookUrl}
        headers: { ${HOOK_HEADER}: ${HOOK_TOKEN} }
        retries: 2
  - name: hourly spend
    kind: cost_per_hour
    threshold: 0.000001
    deliver:
      command: { argv: ${JSON.stringify(commandTo(outputs.cost).argv)} }
  - name: provider rejections
    kind: sql
    sql: SELECT trace_id, agent_name, error_class FROM agent_runs WHERE error_class = 'provider_rejected'
    deliver:
      command: { argv: ${JSON.stringify(commandTo(outputs.sql).argv)} }
      webhook: { url: "${closedUrl}", retries: 0 }
`
}

/** Runs the fault agent under `loupe run --mock SCENARIO` and returns its run. */
async function runAgent(scenario: string): Promise<{ run: RunJson; traceId: string }> {
  const result = await runCli(
    [
      'run',
      '--json',
      '--data',
      loupe.dataDir,
      '--mock',
      join(scenarios, scenario),
      '--',
      python!,
      faultAgent,
      'openai-chat:gpt-4o-mini',
    ],
    agentEnv(),
  )
  const run = JSON.parse(result.stdout.slice(result.stdout.indexOf('{\n'))) as RunJson
  const reportLine = run.output!.split('\n').find((line) => line.startsWith('{"error"'))
  if (!reportLine) throw new Error(`the agent printed no report:\n${run.output}`)
  return { run, traceId: (JSON.parse(reportLine) as { traceId: string }).traceId }
}

async function api<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  return apiJson<T>(loupe, path, init)
}

async function evaluate(): Promise<AlertsOverview> {
  const reply = await api<AlertsOverview>('/api/alerts/evaluate', { method: 'POST' })
  expect(reply.status).toBe(200)
  return reply.body
}

function ruleStatus(overview: AlertsOverview, name: string) {
  const view = overview.rules.find((candidate) => candidate.rule.name === name)
  if (!view) throw new Error(`no rule ${name} in ${JSON.stringify(overview.rules)}`)
  return view.status
}

async function events(rule: string): Promise<AlertEvent[]> {
  const reply = await api<AlertEvent[]>(`/api/alerts/events?rule=${encodeURIComponent(rule)}`)
  return reply.body
}

/** Waits until the newest alert of `rule` has its delivery results, and returns it. */
async function deliveredEvent(rule: string, state: AlertJson['state']): Promise<AlertEvent> {
  return waitFor(
    `the ${state} alert of ${rule} to be delivered`,
    async () => {
      const [newest] = await events(rule)
      return newest?.alert.state === state && newest.deliveries.length > 0 ? newest : undefined
    },
    20_000,
  )
}

async function readPush(): Promise<void> {
  const url = `${loupe.uiUrl}/api/events`
  try {
    for await (const message of readEvents<PushMessage>(
      url,
      loupe.core.discovery.token,
      pushStream.signal,
    )) {
      if (message.type === 'alert') pushed.push(message.alert)
    }
  } catch (error) {
    if (!pushStream.signal.aborted) throw error
  }
}

beforeAll(async () => {
  workDir = makeDataDir('loupe-alerts-work-')
  writeFileSync(join(workDir, 'write-stdin.mjs'), WRITE_STDIN_SCRIPT)
  outputs.errorRate = join(workDir, 'error-rate.jsonl')
  outputs.cost = join(workDir, 'cost.jsonl')
  outputs.sql = join(workDir, 'sql.jsonl')
  hook = new HookServer()
  hookUrl = await hook.listen()
  const closed = new HookServer()
  closedUrl = await closed.listen()
  await closed.close()
  const dataDir = makeDataDir('loupe-alerts-')
  // The command's relative script path resolves from the rules file's folder.
  writeFileSync(join(dataDir, 'write-stdin.mjs'), WRITE_STDIN_SCRIPT)
  writeFileSync(join(dataDir, 'alerts.yaml'), rulesYaml())
  loupe = await startTestCore(dataDir)
  await waitForFirstAlertEvaluation(loupe)
  void readPush()
}, 120_000)

afterAll(async () => {
  pushStream.abort()
  await loupe?.stop()
  await hook?.close()
  if (loupe) removeDir(loupe.dataDir)
  if (workDir) removeDir(workDir)
})

describe.skipIf(!python)('alerts on a pydantic-ai agent', () => {
  it('stays quiet on an empty store', async () => {
    const overview = await evaluate()
    expect(overview.problems).toEqual([])
    expect(overview.intervalSeconds).toBe(3600)
    expect(ruleStatus(overview, 'agent failures').state).toBe('ok')
    expect(ruleStatus(overview, 'hourly spend').state).toBe('ok')
    expect(ruleStatus(overview, 'provider rejections').state).toBe('ok')
    expect(await events('agent failures')).toEqual([])
  })

  it('seeds three failed runs and one success', async () => {
    for (let i = 0; i < 3; i++) {
      const { run, traceId } = await runAgent('unauthorized.yaml')
      expect(run.errorClass).toBe('provider_rejected')
      failedTraceIds.push(traceId)
    }
    const { run, traceId } = await runAgent('weather.yaml')
    expect(run.errorClass).toBe('none')
    succeededTraceId = traceId
  })

  it('error rate fires and runs its command', async () => {
    const overview = await evaluate()
    const status = ruleStatus(overview, 'agent failures')
    expect(status.state).toBe('firing')
    expect(status.value).toBe(75)
    expect(status.lastFired).not.toBeNull()

    const event = await deliveredEvent('agent failures', 'firing')
    const command = event.deliveries.find((delivery) => delivery.channel === 'command')!
    expect(command.ok).toBe(true)
    expect(command.exitCode).toBe(0)
    expect(command.stderr).toBe('wrote the alert\n')

    const [alert, ...more] = writtenAlerts(outputs.errorRate)
    expect(more).toEqual([])
    expect(alert!.rule).toBe('agent failures')
    expect(alert!.kind).toBe('error_rate')
    expect(alert!.state).toBe('firing')
    expect(alert!.value).toBe(75)
    expect(alert!.threshold).toBe(20)
    expect(alert!.window!.duration).toBe('15m')
    expect(alert!.window!.seconds).toBe(900)
    expect(Date.parse(alert!.window!.end) - Date.parse(alert!.window!.start)).toBe(900_000)
    expect(alert!.summary).toBe('75% of 4 agent runs failed in the last 15m (threshold 20%)')
    expect([...alert!.traceIds].sort()).toEqual([...failedTraceIds].sort())
    expect(alert!.evidence).toEqual({
      kind: 'error_rate',
      runs: 4,
      failures: 3,
      minRuns: 3,
      errorClasses: { provider_rejected: 3 },
    })
    expect(alert!.url).toBe(`${loupe.uiUrl}/#/alerts/agent%20failures`)
    expect(alert).toEqual(event.alert)
  })

  it('webhook gets the JSON with its header', async () => {
    const event = await deliveredEvent('agent failures', 'firing')
    const webhook = event.deliveries.find((delivery) => delivery.channel === 'webhook')!
    expect(webhook.ok).toBe(true)
    expect(webhook.status).toBe(200)
    // The receiver responds 503 first, so the alert arrives on the retry.
    expect(webhook.attempts).toBe(2)
    expect(hook.requests).toHaveLength(2)
    for (const request of hook.requests) {
      expect(request.headers[HOOK_HEADER]).toBe(HOOK_TOKEN)
      expect(request.headers['content-type']).toBe('application/json')
      expect(request.headers['user-agent']).toMatch(/^loupe\//)
      expect(JSON.parse(request.body)).toEqual(event.alert)
    }
  })

  it('push channel carries the alert', async () => {
    const alert = await waitFor('the push message of agent failures', () =>
      pushed.find((candidate) => candidate.rule === 'agent failures'),
    )
    expect(alert.state).toBe('firing')
    expect(alert.value).toBe(75)
    const event = await deliveredEvent('agent failures', 'firing')
    expect(event.deliveries.find((delivery) => delivery.channel === 'desktop')!.ok).toBe(true)
  })

  it('fires once, not on every evaluation', async () => {
    const overview = await evaluate()
    expect(ruleStatus(overview, 'agent failures').state).toBe('firing')
    expect(await events('agent failures')).toHaveLength(1)
    expect(writtenAlerts(outputs.errorRate)).toHaveLength(1)
    expect(hook.requests).toHaveLength(2)
  })

  it('sql rule fires and records a failed webhook', async () => {
    const event = await deliveredEvent('provider rejections', 'firing')
    expect(event.alert.summary).toBe('the query returned 3 rows')
    expect(event.alert.value).toBe(3)
    expect([...event.alert.traceIds].sort()).toEqual([...failedTraceIds].sort())
    if (event.alert.evidence.kind !== 'sql') throw new Error('expected sql evidence')
    expect(event.alert.evidence.columns).toEqual(['trace_id', 'agent_name', 'error_class'])
    expect(event.alert.evidence.rows).toHaveLength(3)
    expect(event.alert.evidence.rows[0]!.slice(1)).toEqual(['fault_agent', 'provider_rejected'])
    const webhook = event.deliveries.find((delivery) => delivery.channel === 'webhook')!
    expect(webhook.ok).toBe(false)
    expect(webhook.attempts).toBe(1)
    expect(webhook.error).toContain('ECONNREFUSED')
    expect(writtenAlerts(outputs.sql).map((alert) => alert.state)).toEqual(['firing'])
  })

  it('sql rule resolves when its value drops', async () => {
    const rule: AlertRule = {
      name: 'provider rejections',
      kind: 'sql',
      sql: "SELECT count(*) AS rejected FROM agent_runs WHERE error_class = 'provider_rejected'",
      valueColumn: 'rejected',
      threshold: 5,
      deliver: { command: commandTo(outputs.sql) },
    }
    const saved = await api<AlertsOverview>('/api/alerts/rules/provider%20rejections', {
      method: 'PUT',
      body: JSON.stringify(rule),
    })
    expect(saved.status).toBe(200)
    expect(readFileSync(join(loupe.dataDir, 'alerts.yaml'), 'utf8')).toContain(
      '# Rules of the alerts integration test.',
    )
    const overview = await evaluate()
    expect(ruleStatus(overview, 'provider rejections').state).toBe('ok')
    expect(ruleStatus(overview, 'provider rejections').lastResolved).not.toBeNull()
    const event = await deliveredEvent('provider rejections', 'resolved')
    expect(event.alert.summary).toBe('rejected is 3, not above 5')
    expect(event.alert.value).toBe(3)
    expect(event.alert.threshold).toBe(5)
    expect(writtenAlerts(outputs.sql).map((alert) => alert.state)).toEqual(['firing', 'resolved'])
  })

  it('cost per hour fires and resolves', async () => {
    const firing = await deliveredEvent('hourly spend', 'firing')
    const trace = (await api<TraceSummary>(`/api/traces/${succeededTraceId}`)).body
    expect(trace.costUsd).toBeGreaterThan(0)
    expect(firing.alert.value).toBeCloseTo(trace.costUsd!, 12)
    expect(firing.alert.traceIds).toEqual([succeededTraceId])
    expect(firing.alert.url).toBe(`${loupe.uiUrl}/#/trace/${succeededTraceId}`)
    expect(firing.alert.window!.duration).toBe('1h')
    if (firing.alert.evidence.kind !== 'cost_per_hour') throw new Error('expected cost evidence')
    // Two calls of the weather scenario and one 401 per failed run, without the gateway's copies.
    expect(firing.alert.evidence.calls).toBe(5)
    expect(firing.alert.evidence.unpricedCalls).toBe(0)

    const rule: AlertRule = {
      name: 'hourly spend',
      kind: 'cost_per_hour',
      threshold: 1000,
      deliver: { command: commandTo(outputs.cost) },
    }
    const saved = await api('/api/alerts/rules/hourly%20spend', {
      method: 'PUT',
      body: JSON.stringify(rule),
    })
    expect(saved.status).toBe(200)
    expect(ruleStatus(await evaluate(), 'hourly spend').state).toBe('ok')
    const resolved = await deliveredEvent('hourly spend', 'resolved')
    expect(resolved.alert.threshold).toBe(1000)
    expect(resolved.alert.summary).toMatch(/^\$0\.\d+ spent on 5 model calls in the last hour/)
    expect(writtenAlerts(outputs.cost).map((alert) => alert.state)).toEqual(['firing', 'resolved'])
  })

  it('test now leaves the state alone', async () => {
    const reply = await api<AlertTestResult>('/api/alerts/rules/agent%20failures/test', {
      method: 'POST',
      body: JSON.stringify({}),
    })
    expect(reply.status).toBe(200)
    expect(reply.body.firing).toBe(true)
    expect(reply.body.alert.test).toBe(true)
    expect(reply.body.alert.value).toBe(75)
    expect(reply.body.deliveries).toEqual([])
    expect(await events('agent failures')).toHaveLength(1)

    const draft = await api<AlertTestResult>('/api/alerts/test', {
      method: 'POST',
      body: JSON.stringify({
        rule: { name: 'draft', kind: 'error_rate', threshold: 80, errorClasses: ['timeout'] },
      }),
    })
    expect(draft.status).toBe(200)
    expect(draft.body.firing).toBe(false)
    expect(draft.body.alert.value).toBe(0)
  })

  it('summary writes small costs in decimals', async () => {
    const draft = await api<AlertTestResult>('/api/alerts/test', {
      method: 'POST',
      body: JSON.stringify({
        rule: { name: 'tiny spend', kind: 'cost_per_hour', threshold: 1e-7 },
      }),
    })
    expect(draft.status).toBe(200)
    expect(draft.body.firing).toBe(true)
    expect(draft.body.alert.summary).toMatch(
      /^\$0\.\d+ spent on 5 model calls in the last hour \(threshold \$0\.0000001\)$/,
    )
    expect(draft.body.alert.summary).not.toContain('e-')
  })

  it('API rejects invalid rules by field', async () => {
    const invalid = await api<{ error: string; problems: string[] }>('/api/alerts/rules', {
      method: 'POST',
      body: JSON.stringify({ name: 'bad', kind: 'error_rate', threshold: 150 }),
    })
    expect(invalid.status).toBe(400)
    expect(invalid.body.problems).toEqual(['threshold: Too big: expected number to be <=100'])

    const duplicate = await api<{ problems: string[] }>('/api/alerts/rules', {
      method: 'POST',
      body: JSON.stringify({ name: 'hourly spend', kind: 'cost_per_hour', threshold: 1 }),
    })
    expect(duplicate.status).toBe(400)
    expect(duplicate.body.problems).toEqual([
      'rules[3] ("hourly spend").name: another rule is named hourly spend; names must be unique',
    ])

    const missing = await api<{ error: string }>('/api/alerts/rules/nothing', { method: 'DELETE' })
    expect(missing.status).toBe(404)
    expect(missing.body.error).toBe('alert rule nothing not found')

    const query = await api<{ error: string }>('/api/alerts/test', {
      method: 'POST',
      body: JSON.stringify({ rule: { name: 'w', kind: 'sql', sql: 'DELETE FROM spans' } }),
    })
    expect(query.status).toBe(400)
    expect(query.body.error).toContain('DELETE is rejected because it writes')
  })

  it('loupe alerts exits 1 and names the rule', async () => {
    const result = await runCli(['alerts', '--data', loupe.dataDir, '--dry-run'])
    expect(result.code).toBe(1)
    expect(result.stdout).toContain(
      'FIRING    agent failures (error_rate): 75% of 4 agent runs failed in the last 15m (threshold 20%)',
    )
    expect(result.stdout).toContain('          window: 15m, ')
    for (const traceId of failedTraceIds) expect(result.stdout).toContain(traceId)
    expect(result.stdout).toContain('ok        hourly spend (cost_per_hour)')
    expect(result.stdout).toContain('1 rule fires: agent failures')
    // --dry-run ran no command.
    expect(writtenAlerts(outputs.errorRate)).toHaveLength(1)

    const json = await runCli(['alerts', '--data', loupe.dataDir, '--dry-run', '--json'])
    expect(json.code).toBe(1)
    const report = JSON.parse(json.stdout) as AlertCheckReport
    expect(report.fired).toEqual(['agent failures'])
    const failures = report.rules.find((rule) => rule.name === 'agent failures')!
    expect(failures.alert!.value).toBe(75)
    expect(failures.alert!.url).toBe(`${loupe.uiUrl}/#/alerts/agent%20failures`)
  })

  it('loupe alerts runs the command', async () => {
    const rulesFile = join(workDir, 'ci-alerts.yaml')
    const output = join(workDir, 'ci.jsonl')
    writeFileSync(
      rulesFile,
      `rules:
  - name: ci failures
    kind: error_rate
    threshold: 50
    errorClasses: [provider_rejected]
    deliver: { command: { argv: ${JSON.stringify(commandTo(output).argv)} } }
`,
    )
    const result = await runCli(['alerts', '--data', loupe.dataDir, '--rules', rulesFile])
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('          command: ok')
    const [alert] = writtenAlerts(output)
    expect(alert!.rule).toBe('ci failures')
    expect(alert!.state).toBe('firing')
    expect(alert!.value).toBe(75)
  })

  it('loupe alerts works without a running core', async () => {
    const dataDir = loupe.dataDir
    pushStream.abort()
    await loupe.stop()
    const result = await runCli(['alerts', '--data', dataDir, '--dry-run', '--json'])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(1)
    const report = JSON.parse(result.stdout) as AlertCheckReport
    expect(report.fired).toEqual(['agent failures'])
    // With no core running, no UI URL is known.
    expect(report.rules[0]!.alert!.url).toBeNull()
  })
})

describe('loupe alerts exit codes', () => {
  it('0 on a clean store', async () => {
    const dataDir = makeDataDir('loupe-alerts-clean-')
    try {
      const imported = await runCli([
        'import',
        '--data',
        dataDir,
        join(repoRoot, 'resources/demo/run-1.json'),
      ])
      expect(imported.code).toBe(0)
      writeFileSync(
        join(dataDir, 'alerts.yaml'),
        `rules:
  - { name: failures, kind: error_rate, threshold: 0, window: 30d }
  - name: rejected
    kind: sql
    sql: SELECT trace_id FROM agent_runs WHERE error_class <> 'none'
`,
      )
      const result = await runCli(['alerts', '--data', dataDir])
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      expect(result.stdout).toContain('ok        rejected (sql): the query returned 0 rows')
      expect(result.stdout).toContain('No rule fires.')
    } finally {
      removeDir(dataDir)
    }
  })

  it('2 on a bad rules file', async () => {
    const dataDir = makeDataDir('loupe-alerts-bad-')
    try {
      writeFileSync(
        join(dataDir, 'alerts.yaml'),
        'rules:\n  - name: spend\n    kind: cost_per_hour\n    threshold: -5\n',
      )
      const result = await runCli(['alerts', '--data', dataDir])
      expect(result.code).toBe(2)
      expect(result.stdout).toBe('')
      expect(result.stderr).toContain(
        `${join(dataDir, 'alerts.yaml')} is not a valid alert rules file`,
      )
      expect(result.stderr).toContain(
        'line 4, rules[0] ("spend").threshold: Too small: expected number to be >=0',
      )

      const missing = await runCli([
        'alerts',
        '--data',
        dataDir,
        '--rules',
        join(dataDir, 'none.yaml'),
      ])
      expect(missing.code).toBe(2)
      expect(missing.stderr).toContain('no alert rules file at')
    } finally {
      removeDir(dataDir)
    }
  })
})

describe('evaluation on the interval', () => {
  it('fires without being asked', async () => {
    const dataDir = makeDataDir('loupe-alerts-interval-')
    writeFileSync(
      join(dataDir, 'alerts.yaml'),
      'interval: 1s\nrules:\n  - { name: always, kind: sql, sql: SELECT 1 AS one }\n',
    )
    const interval = await startTestCore(dataDir)
    try {
      const event = await waitFor('the interval to fire the rule', async () => {
        const reply = await apiJson<AlertEvent[]>(interval, '/api/alerts/events')
        return reply.body[0]
      })
      expect(event.alert.rule).toBe('always')
      expect(event.alert.state).toBe('firing')
      const overview = await apiJson<AlertsOverview>(interval, '/api/alerts')
      expect(overview.body.rules[0]!.status.state).toBe('firing')
      expect(overview.body.intervalSeconds).toBe(1)
    } finally {
      await interval.stop()
      removeDir(dataDir)
    }
  })
})

/**
 * Returns whether the test can run `loupe serve --host 0.0.0.0` inside a new
 * network namespace that has only its own loopback interface, so that a
 * non-loopback bind exposes nothing. Needs unprivileged user namespaces.
 */
function unshareWorks(): boolean {
  if (process.platform !== 'linux') return false
  return spawnSync('unshare', ['-rn', 'sh', '-c', 'ip link set lo up']).status === 0
}

interface ExposedReplies {
  overview: AlertsOverview
  save: { status: number; body: { error: string } }
  test: { status: number; body: { error: string } }
  saveWithoutCommand: { status: number }
}

describe.skipIf(!unshareWorks())('alerts on a non-loopback address', () => {
  it('rejects commands from the API', async () => {
    const dataDir = makeDataDir('loupe-alerts-exposed-')
    const marker = join(dataDir, 'command-ran')
    const command = [
      process.execPath,
      '-e',
      'require("fs").writeFileSync(process.argv[1], "")',
      marker,
    ]
    // Runs inside the namespace: serve on 0.0.0.0, then send the requests.
    const script = `
      const { spawn } = require('child_process')
      const fs = require('fs')
      const [cli, dataDir, command] = process.argv.slice(1)
      const serve = spawn(process.execPath, [cli, 'serve', '--host', '0.0.0.0', '--data', dataDir,
        '--port', '0', '--grpc-port', '0', '--ui-port', '0'], { stdio: 'ignore' })
      const poll = setInterval(async () => {
        let discovery
        try { discovery = JSON.parse(fs.readFileSync(dataDir + '/loupe.json', 'utf8')) } catch { return }
        clearInterval(poll)
        const headers = { Authorization: 'Bearer ' + discovery.token, 'Content-Type': 'application/json' }
        const url = 'http://127.0.0.1:' + discovery.uiPort + '/api/alerts'
        const withCommand = { name: 'c', kind: 'sql', sql: 'SELECT 1',
          deliver: { command: { argv: JSON.parse(command) } } }
        const post = async (path, body) => {
          const response = await fetch(url + path, { method: 'POST', headers, body: JSON.stringify(body) })
          return { status: response.status, body: await response.json() }
        }
        const save = await post('/rules', withCommand)
        const test = await post('/test', { rule: withCommand, deliver: true })
        const saveWithoutCommand = await post('/rules', { name: 'd', kind: 'sql', sql: 'SELECT 1' })
        const overview = await (await fetch(url, { headers })).json()
        console.log(JSON.stringify({ overview, save, test, saveWithoutCommand }))
        serve.kill('SIGTERM')
      }, 50)`
    const child = spawn(
      'unshare',
      [
        '-rn',
        'sh',
        '-c',
        'ip link set lo up && exec "$@"',
        'sh',
        process.execPath,
        '-e',
        script,
        join(repoRoot, 'bin/loupe.js'),
        dataDir,
        JSON.stringify(command),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    try {
      expect(stderr).toBe('')
      expect(code).toBe(0)
      const replies = JSON.parse(stdout) as ExposedReplies
      expect(replies.overview.commandsAllowed).toBe(false)
      expect(replies.save.status).toBe(403)
      expect(replies.save.body.error).toMatch(
        /^Rules with a command cannot be saved through the API while Loupe listens on an address/,
      )
      expect(replies.test.status).toBe(403)
      expect(replies.test.body.error).toMatch(/^Rules with a command cannot be run through the API/)
      expect(replies.saveWithoutCommand.status).toBe(201)
      expect(replies.overview.rules.map((view) => view.rule.name)).toEqual(['d'])
      expect(existsSync(marker)).toBe(false)
    } finally {
      removeDir(dataDir)
    }
  })
})
