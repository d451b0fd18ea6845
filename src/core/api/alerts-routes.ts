// The alerts API under /api/alerts: the rules with their states, rule
// edits (written to the rules file), tests of a rule, evaluation on demand,
// the recent alerts and the rules file's JSON Schema.

import { z } from 'zod'
import { RuleEvaluationError } from '../alerts/evaluate'
import { AlertRulesError, alertsJsonSchema, parseRule } from '../alerts/rules'
import { RuleNotFoundError } from '../alerts/rules-file'
import { AlertPermissionError, type AlertService } from '../alerts/service'
import { QueryError } from '../query/statement'
import type { ApiResult } from '../runner/playground'

const DEFAULT_EVENT_LIMIT = 100
const MAX_EVENT_LIMIT = 1000

const testRequestSchema = z.object({
  rule: z.unknown().optional(),
  /** Also send the alert to the rule's deliveries. */
  deliver: z.boolean().optional(),
})

/**
 * Handles a request to /api/alerts/...; `parts` are the path segments after
 * "alerts". `readBody` returns the parsed JSON body, or undefined when it
 * has already responded 400; this then returns null.
 */
export async function routeAlerts(
  alerts: AlertService,
  method: string,
  parts: string[],
  params: URLSearchParams,
  readBody: () => Promise<unknown>,
): Promise<ApiResult | null> {
  try {
    return await route(alerts, method, parts, params, readBody)
  } catch (error) {
    return failureResult(error)
  }
}

async function route(
  alerts: AlertService,
  method: string,
  parts: string[],
  params: URLSearchParams,
  readBody: () => Promise<unknown>,
): Promise<ApiResult | null> {
  const [first, name, action] = parts
  if (method === 'GET' && parts.length === 0) return ok(alerts.overview())

  if (method === 'GET' && first === 'schema' && parts.length === 1) return ok(alertsJsonSchema())
  if (method === 'GET' && first === 'events' && parts.length === 1) {
    const rule = params.get('rule') ?? undefined
    return ok(alerts.events(eventLimit(params.get('limit')), rule))
  }
  if (method === 'POST' && first === 'evaluate' && parts.length === 1) {
    return ok(await alerts.evaluateNow())
  }

  if (method === 'POST' && first === 'test' && parts.length === 1) {
    const body = await readBody()
    if (body === undefined) return null
    const request = testRequestSchema.safeParse(body)
    if (!request.success) return invalid('invalid test request: expected {rule, deliver?}')
    const parsed = parseRule(request.data.rule)
    if ('problems' in parsed) return invalid('the alert rule is invalid', parsed.problems)
    return ok(await alerts.testDraft(parsed.rule, request.data.deliver ?? false))
  }

  if (first !== 'rules') return notFound(method, parts)
  if (method === 'POST' && parts.length === 1) {
    const body = await readBody()
    if (body === undefined) return null
    const parsed = parseRule(body)
    if ('problems' in parsed) return invalid('the alert rule is invalid', parsed.problems)
    alerts.saveRule(null, parsed.rule)
    return { status: 201, body: alerts.overview() }
  }
  if (method === 'PUT' && parts.length === 2) {
    const body = await readBody()
    if (body === undefined) return null
    const parsed = parseRule(body)
    if ('problems' in parsed) return invalid('the alert rule is invalid', parsed.problems)
    alerts.saveRule(name!, parsed.rule)
    return ok(alerts.overview())
  }
  if (method === 'DELETE' && parts.length === 2) {
    alerts.deleteRule(name!)
    return ok(alerts.overview())
  }
  if (method === 'POST' && action === 'test' && parts.length === 3) {
    const body = await readBody()
    if (body === undefined) return null
    const request = testRequestSchema.safeParse(body)
    if (!request.success) return invalid('invalid test request: expected {deliver?}')
    const saved = alerts.overview().rules.find((view) => view.rule.name === name)
    if (saved === undefined) return { status: 404, body: { error: `alert rule ${name} not found` } }
    return ok(await alerts.testRule(saved.rule, request.data.deliver ?? false))
  }
  return notFound(method, parts)
}

function ok(body: unknown): ApiResult {
  return { status: 200, body }
}

/** Returns a 400 response whose message lists each problem on a line of its own, as the rules file's errors do. */
function invalid(error: string, problems: string[] = []): ApiResult {
  const text =
    problems.length === 0 ? error : `${error}:\n${problems.map((p) => `  ${p}`).join('\n')}`
  return { status: 400, body: { error: text, problems } }
}

function notFound(method: string, parts: string[]): ApiResult {
  return {
    status: 404,
    body: { error: `no API route ${method} /api/alerts${parts.map((p) => `/${p}`).join('')}` },
  }
}

function eventLimit(value: string | null): number {
  const limit = value === null ? DEFAULT_EVENT_LIMIT : Number(value)
  if (!Number.isInteger(limit) || limit < 1) return DEFAULT_EVENT_LIMIT
  return Math.min(limit, MAX_EVENT_LIMIT)
}

/** Turns the errors that rule edits and tests throw into responses, and rethrows any other error. */
function failureResult(error: unknown): ApiResult {
  if (error instanceof AlertRulesError) {
    return { status: 400, body: { error: error.message, problems: error.problems } }
  }
  if (error instanceof RuleNotFoundError) return { status: 404, body: { error: error.message } }
  if (error instanceof AlertPermissionError) return { status: 403, body: { error: error.message } }
  if (error instanceof QueryError) {
    return {
      status: 400,
      body: { error: `the rule's query failed: ${error.message}`, code: error.code },
    }
  }
  if (error instanceof RuleEvaluationError) return { status: 400, body: { error: error.message } }
  throw error
}
