import { describe, expect, it } from 'vitest'
import { RestartPolicy } from '../../../src/main/restart-policy'

describe('RestartPolicy', () => {
  it('restarts up to the limit', () => {
    const policy = new RestartPolicy(3, 60_000)
    expect(policy.onExit(0)).toBe('restart')
    expect(policy.onExit(1_000)).toBe('restart')
    expect(policy.onExit(2_000)).toBe('restart')
    expect(policy.onExit(3_000)).toBe('give-up')
  })

  it('forgets restarts outside the window', () => {
    const policy = new RestartPolicy(2, 60_000)
    expect(policy.onExit(0)).toBe('restart')
    expect(policy.onExit(30_000)).toBe('restart')
    expect(policy.onExit(59_999)).toBe('give-up')
    expect(policy.onExit(60_000)).toBe('restart')
    expect(policy.onExit(89_999)).toBe('give-up')
    expect(policy.onExit(90_000)).toBe('restart')
  })
})
