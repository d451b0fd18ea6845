// Items of a production checklist that no trace can show. They are always
// reported as not checkable, so that the report lists them for a person to
// review and never counts them as passed.

import type { CheckId } from '../../shared/check'
import type { ReadinessCheck, Verdict } from './check'

class ManualCheck implements ReadinessCheck {
  constructor(
    readonly id: CheckId,
    readonly title: string,
    private readonly reason: string,
  ) {}

  observe(): void {}

  verdict(): Verdict {
    return { result: 'not_checkable', finding: this.reason, evidence: [] }
  }
}

export function manualChecks(): ReadinessCheck[] {
  return [
    new ManualCheck(
      'user-id-source',
      'User ids come from authentication',
      'A span shows a user id, not whether it came from a verified session or from the request body; check the code that sets it.',
    ),
    new ManualCheck(
      'rollback-plan',
      'A rollback plan exists',
      'Traces show what ran, not how to return to the previous version of the agent, its prompts and its model.',
    ),
    new ManualCheck(
      'secrets-management',
      'Secrets come from a secrets manager',
      'Traces show leaked keys (see the secrets check) but not where the service reads its keys from.',
    ),
  ]
}
