// A small seeded pseudo-random generator, so the mock gives the same reply
// for the same seed and request on every machine, and random response ids.
// Neither is for anything secret.

import { randomBytes } from 'node:crypto'

/** Hashes strings and numbers to a 32-bit seed with FNV-1a. */
export function hashSeed(...parts: (string | number)[]): number {
  let hash = 0x811c9dc5
  for (const part of parts) {
    // A separator keeps ('ab', 'c') and ('a', 'bc') apart.
    for (const char of `${String(part)}\u0000`) {
      hash ^= char.codePointAt(0)!
      hash = Math.imul(hash, 0x01000193)
    }
  }
  return hash >>> 0
}

/**
 * A Weyl sequence passed through the MurmurHash3 32-bit finalizer: cheap,
 * well mixed, and identical in every JavaScript engine.
 */
export class SeededRandom {
  private state: number

  constructor(seed: number) {
    this.state = seed | 0
  }

  /** Returns a float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x9e3779b9) | 0
    let z = this.state
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    z ^= z >>> 16
    return (z >>> 0) / 4294967296
  }

  /** Returns an integer in [min, max], both included. */
  integer(min: number, max: number): number {
    if (max <= min) return min
    return min + Math.floor(this.next() * (max - min + 1))
  }

  boolean(): boolean {
    return this.next() < 0.5
  }

  pick<T>(items: readonly T[]): T {
    return items[this.integer(0, items.length - 1)]!
  }

  /** Returns `length` lower-case hex digits. */
  hex(length: number): string {
    let text = ''
    while (text.length < length) text += this.integer(0, 15).toString(16)
    return text
  }
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** Returns `prefix` and `length` random letters and digits, for response ids that must differ on every call. */
export function uniqueId(prefix: string, length = 24): string {
  let id = prefix
  for (const byte of randomBytes(length)) id += ID_ALPHABET[byte % ID_ALPHABET.length]
  return id
}
