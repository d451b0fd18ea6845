// Checks of the resource that each service sends with its spans: its
// service.name, its deployment environment, and the user its process runs as.

import type { CheckSpan } from './traces'
import { EvidenceList, plural, type ReadinessCheck, type Verdict } from './check'
import { attributeText, shownValue, spanEvidence, type TraceView } from './trace-view'

/** The OTel SDKs' default when no service name is configured: `unknown_service` or `unknown_service:<process>`. */
const UNKNOWN_SERVICE = /^unknown_service(?::|$)/

/** The current key (semantic conventions 1.27+) first, then the deprecated one. */
const ENVIRONMENT_KEYS = ['deployment.environment.name', 'deployment.environment']

/** Calls `visit` with the first span of each app resource in the trace. */
function eachResource(trace: TraceView, seen: Set<number>, visit: (span: CheckSpan) => void): void {
  for (const span of trace.appSpans) {
    if (seen.has(span.resource.id)) continue
    seen.add(span.resource.id)
    visit(span)
  }
}

export class ServiceNameCheck implements ReadinessCheck {
  readonly id = 'service-name'
  readonly title = 'service.name is set'
  private readonly seenResources = new Set<number>()
  private readonly seenNames = new Set<string>()
  private readonly named = new EvidenceList()
  private readonly unnamed = new EvidenceList()

  observe(trace: TraceView): void {
    eachResource(trace, this.seenResources, (span) => {
      const name = attributeText(span.resource.attributes['service.name'])
      if (this.seenNames.has(name ?? '')) return
      this.seenNames.add(name ?? '')
      const value = shownValue(span.resource.attributes['service.name'])
      if (name === null || name.trim() === '' || UNKNOWN_SERVICE.test(name)) {
        const note =
          'The SDK sent its default name; set OTEL_SERVICE_NAME or service_name= in logfire.configure().'
        this.unnamed.add(spanEvidence(span, note, 'service.name', value))
      } else {
        this.named.add(spanEvidence(span, `Service ${name}.`, 'service.name', value))
      }
    })
  }

  verdict(): Verdict {
    if (this.seenNames.size === 0) {
      return {
        result: 'not_checkable',
        finding: 'No span from an application in these traces.',
        evidence: [],
      }
    }
    if (this.unnamed.size > 0) {
      return {
        result: 'fail',
        finding: `${plural(this.unnamed.size, 'service')} sent spans without a service name of its own.`,
        evidence: [this.unnamed, this.named],
      }
    }
    return {
      result: 'pass',
      finding: `Every span comes from a named service (${plural(this.named.size, 'service')}).`,
      evidence: [this.named],
    }
  }
}

export class EnvironmentCheck implements ReadinessCheck {
  readonly id = 'environment'
  readonly title = 'The deployment environment is set'
  private readonly seenResources = new Set<number>()
  /** Service name and environment pairs already reported. */
  private readonly seenPairs = new Set<string>()
  private readonly set = new EvidenceList()
  private readonly missing = new EvidenceList()
  private readonly servicesWithout = new Set<string>()

  observe(trace: TraceView): void {
    eachResource(trace, this.seenResources, (span) => {
      const service = span.resource.serviceName ?? '(no service.name)'
      const key = ENVIRONMENT_KEYS.find((candidate) => candidate in span.resource.attributes)
      const environment = key === undefined ? null : attributeText(span.resource.attributes[key])
      const pair = `${service}\n${environment ?? ''}`
      if (this.seenPairs.has(pair)) return
      this.seenPairs.add(pair)
      if (environment === null || environment.trim() === '') {
        this.servicesWithout.add(service)
        const note = `Service ${service} sent no environment; set environment= in logfire.configure() or deployment.environment.name in OTEL_RESOURCE_ATTRIBUTES.`
        this.missing.add(
          spanEvidence(span, note, key ?? ENVIRONMENT_KEYS[0]!, shownValue(undefined)),
        )
      } else {
        const note = `Service ${service} runs in ${environment}.`
        this.set.add(spanEvidence(span, note, key!, shownValue(environment)))
      }
    })
  }

  verdict(): Verdict {
    if (this.seenPairs.size === 0) {
      return {
        result: 'not_checkable',
        finding: 'No span from an application in these traces.',
        evidence: [],
      }
    }
    if (this.missing.size > 0) {
      // The evidence of a failure lists only the services without an
      // environment, so that none of its lines reads as a pass.
      const names = [...this.servicesWithout].sort()
      const listed = names.slice(0, 5).join(', ')
      const more = names.length > 5 ? ` and ${names.length - 5} more` : ''
      return {
        result: 'fail',
        finding: `${plural(names.length, 'service')} sent spans without a deployment environment: ${listed}${more}.`,
        evidence: [this.missing],
      }
    }
    return {
      result: 'pass',
      finding: 'Every service names its deployment environment.',
      evidence: [this.set],
    }
  }
}

/**
 * Spans cannot show whether a container runs as root, except through the
 * optional `process.owner` resource attribute. An owner of root is a
 * warning; any other owner is still no proof of a non-root container.
 */
export class ContainerUserCheck implements ReadinessCheck {
  readonly id = 'container-user'
  readonly title = 'The service runs as a non-root user'
  private readonly seenResources = new Set<number>()
  private readonly seenOwners = new Set<string>()
  private readonly root = new EvidenceList()
  private readonly owners = new EvidenceList()

  observe(trace: TraceView): void {
    eachResource(trace, this.seenResources, (span) => {
      const owner = attributeText(span.resource.attributes['process.owner'])
      if (owner === null) return
      const key = `${span.resource.serviceName ?? ''}\n${owner}`
      if (this.seenOwners.has(key)) return
      this.seenOwners.add(key)
      const service = span.resource.serviceName ?? '(no service.name)'
      const list = owner === 'root' ? this.root : this.owners
      list.add(
        spanEvidence(
          span,
          `Service ${service} runs as ${owner}.`,
          'process.owner',
          shownValue(owner),
        ),
      )
    })
  }

  verdict(): Verdict {
    if (this.root.size > 0) {
      return {
        result: 'warn',
        finding: `${plural(this.root.size, 'service')} reported process.owner root.`,
        evidence: [this.root, this.owners],
      }
    }
    return {
      result: 'not_checkable',
      finding:
        'Traces do not show how the container is built or which user it runs as; check the image and the deployment.',
      evidence: [this.owners],
    }
  }
}
