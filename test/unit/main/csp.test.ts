import { describe, expect, it } from 'vitest'
import { withContentSecurityPolicy } from '../../../src/main/csp'
import { CONTENT_SECURITY_POLICY } from '../../../src/shared/csp'

describe('withContentSecurityPolicy', () => {
  it('sets the policy on a response without one', () => {
    const headers = withContentSecurityPolicy({ 'Content-Type': ['text/html'] })
    expect(headers).toEqual({
      'Content-Type': ['text/html'],
      'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
    })
  })

  it('replaces a policy in any letter case', () => {
    const headers = withContentSecurityPolicy({
      'content-security-policy': ["default-src *; script-src 'unsafe-eval'"],
    })
    expect(headers).toEqual({ 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] })
  })

  it('handles a response without headers', () => {
    expect(withContentSecurityPolicy(undefined)).toEqual({
      'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
    })
  })
})
