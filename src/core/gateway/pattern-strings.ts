// Generates a string that matches a JSON Schema `pattern` (an ECMA-262
// regular expression), for the mock's arguments. It covers literals, escapes,
// character classes, `.`, groups, alternation, anchors and quantifiers.
// Lookarounds and word boundaries are skipped and back-references produce
// nothing, so the caller checks the result against the real RegExp.

import type { SeededRandom } from './random'

type Node =
  | { kind: 'literal'; text: string }
  | { kind: 'set'; ranges: [number, number][]; negated: boolean }
  | { kind: 'sequence'; items: Node[] }
  | { kind: 'alternation'; options: Node[] }
  | { kind: 'repeat'; node: Node; min: number; max: number }
  | { kind: 'empty' }

/** Repetitions added beyond a quantifier's minimum when it has no maximum. */
const OPEN_REPEAT_EXTRA = 3

const DIGIT: [number, number][] = [[0x30, 0x39]]
const WORD: [number, number][] = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
]
const SPACE: [number, number][] = [[0x20, 0x20]]
/** Printable ASCII, the universe that negated sets and `.` choose from. */
const PRINTABLE: [number, number] = [0x20, 0x7e]

class PatternParser {
  private position = 0

  constructor(private readonly source: string) {}

  parse(): Node {
    const node = this.alternation()
    if (this.position < this.source.length) {
      throw new Error(`unexpected ${this.source[this.position]} at ${this.position}`)
    }
    return node
  }

  private peek(): string | undefined {
    return this.source[this.position]
  }

  private alternation(): Node {
    const options = [this.sequence()]
    while (this.peek() === '|') {
      this.position++
      options.push(this.sequence())
    }
    return options.length === 1 ? options[0]! : { kind: 'alternation', options }
  }

  private sequence(): Node {
    const items: Node[] = []
    for (let char = this.peek(); char !== undefined && char !== '|' && char !== ')';) {
      items.push(this.quantified(this.atom()))
      char = this.peek()
    }
    return { kind: 'sequence', items }
  }

  private atom(): Node {
    const char = this.source[this.position++]!
    switch (char) {
      case '^':
      case '$':
        return { kind: 'empty' }
      case '.':
        return { kind: 'set', ranges: [[0x0a, 0x0a]], negated: true }
      case '(':
        return this.group()
      case '[':
        return this.characterClass()
      case '\\':
        return this.escape(false)
      default:
        return { kind: 'literal', text: char }
    }
  }

  private group(): Node {
    let lookaround = false
    if (this.source.startsWith('?:', this.position)) this.position += 2
    else if (/^\?<?[=!]/.test(this.source.slice(this.position, this.position + 3))) {
      lookaround = true
      this.position += this.source[this.position + 1] === '<' ? 3 : 2
    } else if (this.source.startsWith('?<', this.position)) {
      this.position = this.source.indexOf('>', this.position) + 1
    }
    const inner = this.alternation()
    if (this.source[this.position++] !== ')') throw new Error('unclosed group')
    return lookaround ? { kind: 'empty' } : inner
  }

  private characterClass(): Node {
    const negated = this.peek() === '^'
    if (negated) this.position++
    const ranges: [number, number][] = []
    let first = true
    while (this.peek() !== undefined && (this.peek() !== ']' || first)) {
      first = false
      const start = this.classAtom()
      if (Array.isArray(start)) {
        ranges.push(...start)
        continue
      }
      if (this.peek() === '-' && this.source[this.position + 1] !== ']') {
        this.position++
        const end = this.classAtom()
        if (Array.isArray(end)) {
          ranges.push([start, start], [0x2d, 0x2d], ...end)
        } else {
          ranges.push([start, end])
        }
      } else {
        ranges.push([start, start])
      }
    }
    if (this.source[this.position++] !== ']') throw new Error('unclosed character class')
    return { kind: 'set', ranges, negated }
  }

  /** Reads one class member: a code point, or the ranges of an escape such as \d. */
  private classAtom(): number | [number, number][] {
    const char = this.source[this.position++]!
    if (char !== '\\') return char.codePointAt(0)!
    const node = this.escape(true)
    if (node.kind === 'set' && !node.negated) return node.ranges
    if (node.kind === 'literal') return node.text.codePointAt(0)!
    // A negated escape (\D, \W, \S) inside a class: approximate by its complement in ASCII.
    if (node.kind === 'set') return complement(node.ranges)
    return 0x20
  }

  private escape(inClass: boolean): Node {
    const char = this.source[this.position++]
    switch (char) {
      case 'd':
        return { kind: 'set', ranges: DIGIT, negated: false }
      case 'D':
        return { kind: 'set', ranges: DIGIT, negated: true }
      case 'w':
        return { kind: 'set', ranges: WORD, negated: false }
      case 'W':
        return { kind: 'set', ranges: WORD, negated: true }
      case 's':
        return { kind: 'set', ranges: SPACE, negated: false }
      case 'S':
        return { kind: 'set', ranges: SPACE, negated: true }
      case 'b':
        return inClass ? { kind: 'literal', text: '\b' } : { kind: 'empty' }
      case 'B':
        return { kind: 'empty' }
      case 'n':
        return { kind: 'literal', text: '\n' }
      case 't':
        return { kind: 'literal', text: '\t' }
      case 'r':
        return { kind: 'literal', text: '\r' }
      case 'x':
        return this.hexEscape(2)
      case 'u':
        return this.hexEscape(4)
      case undefined:
        throw new Error('pattern ends with a backslash')
      default:
        // A back-reference (\1) cannot be generated without tracking groups.
        if (/[1-9]/.test(char)) return { kind: 'empty' }
        return { kind: 'literal', text: char }
    }
  }

  private hexEscape(digits: number): Node {
    const hex = this.source.slice(this.position, this.position + digits)
    this.position += digits
    return { kind: 'literal', text: String.fromCodePoint(Number.parseInt(hex, 16) || 0x3f) }
  }

  private quantified(node: Node): Node {
    const char = this.peek()
    let min: number
    let max: number
    if (char === '*' || char === '+' || char === '?') {
      this.position++
      min = char === '+' ? 1 : 0
      max = char === '?' ? 1 : min + OPEN_REPEAT_EXTRA
    } else if (char === '{') {
      const match = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.position))
      if (!match) return node
      this.position += match[0].length
      min = Number(match[1])
      if (match[2] === undefined) max = min
      else if (match[3]) max = Number(match[3])
      else max = min + OPEN_REPEAT_EXTRA
    } else {
      return node
    }
    // A lazy or possessive marker does not change what matches.
    if (this.peek() === '?' || this.peek() === '+') this.position++
    return { kind: 'repeat', node, min, max }
  }
}

function complement(ranges: [number, number][]): [number, number][] {
  const result: [number, number][] = []
  let start = PRINTABLE[0]
  for (const [low, high] of [...ranges].sort((a, b) => a[0] - b[0])) {
    if (low > start) result.push([start, Math.min(low - 1, PRINTABLE[1])])
    start = Math.max(start, high + 1)
  }
  if (start <= PRINTABLE[1]) result.push([start, PRINTABLE[1]])
  return result
}

function generate(node: Node, random: SeededRandom): string {
  switch (node.kind) {
    case 'empty':
      return ''
    case 'literal':
      return node.text
    case 'sequence':
      return node.items.map((item) => generate(item, random)).join('')
    case 'alternation':
      return generate(random.pick(node.options), random)
    case 'repeat': {
      const count = random.integer(node.min, node.max)
      let text = ''
      for (let i = 0; i < count; i++) text += generate(node.node, random)
      return text
    }
    case 'set': {
      const ranges = node.negated ? complement(node.ranges) : node.ranges
      if (ranges.length === 0) return ''
      const [low, high] = random.pick(ranges)
      return String.fromCodePoint(random.integer(low, high))
    }
  }
}

/**
 * Returns a string that matches `pattern`, or null when the pattern cannot be
 * parsed or no attempt matched.
 */
export function stringMatching(pattern: string, random: SeededRandom): string | null {
  let regex: RegExp
  let tree: Node
  try {
    regex = new RegExp(pattern, 'u')
    tree = new PatternParser(pattern).parse()
  } catch {
    return null
  }
  for (let attempt = 0; attempt < 10; attempt++) {
    const text = generate(tree, random)
    if (regex.test(text)) return text
  }
  return null
}
