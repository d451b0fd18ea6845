// Splitting the playground's one-line command into argv. No shell runs the
// command, so pipes, redirections, globs and $VARIABLES are not expanded.
//
// The rule: unquoted whitespace separates arguments. Single quotes group
// everything up to the next single quote literally. Double quotes group too,
// and inside them a backslash escapes the next character. Outside quotes a
// backslash escapes the next character, whitespace and quotes included.
// Quotes join with adjacent text (`--name="a b"` is one argument), and an
// empty pair of quotes is an empty argument.

/** A command line that cannot be split, with the 0-based character offset of the problem. */
export class CommandLineError extends Error {
  override name = 'CommandLineError'

  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message)
  }
}

/** Splits `line` into arguments by the rule above; throws CommandLineError on an open quote or a trailing backslash. */
export function splitCommandLine(line: string): string[] {
  const args: string[] = []
  let current = ''
  // True once the current argument has begun, even if it is still empty ("").
  let started = false
  let i = 0
  while (i < line.length) {
    const char = line[i]!
    if (/\s/.test(char)) {
      if (started) args.push(current)
      current = ''
      started = false
      i++
    } else if (char === "'") {
      const end = line.indexOf("'", i + 1)
      if (end < 0) throw new CommandLineError(`unclosed single quote at character ${i + 1}`, i)
      current += line.slice(i + 1, end)
      started = true
      i = end + 1
    } else if (char === '"') {
      const { text, next } = readDoubleQuoted(line, i)
      current += text
      started = true
      i = next
    } else if (char === '\\') {
      if (i + 1 >= line.length)
        throw new CommandLineError(`trailing backslash at character ${i + 1}`, i)
      current += line[i + 1]
      started = true
      i += 2
    } else {
      current += char
      started = true
      i++
    }
  }
  if (started) args.push(current)
  return args
}

function readDoubleQuoted(line: string, open: number): { text: string; next: number } {
  let text = ''
  let i = open + 1
  while (i < line.length) {
    const char = line[i]!
    if (char === '"') return { text, next: i + 1 }
    if (char === '\\' && i + 1 < line.length) {
      text += line[i + 1]
      i += 2
    } else {
      text += char
      i++
    }
  }
  throw new CommandLineError(`unclosed double quote at character ${open + 1}`, open)
}

/** Joins argv into a line that splitCommandLine turns back into the same argv. */
export function joinCommandLine(args: readonly string[]): string {
  return args.map(quoteArgument).join(' ')
}

function quoteArgument(arg: string): string {
  if (arg === '') return "''"
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg
  if (!arg.includes("'")) return `'${arg}'`
  return `"${arg.replace(/["\\]/g, '\\$&')}"`
}
