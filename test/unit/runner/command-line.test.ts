import { describe, expect, it } from 'vitest'
import {
  CommandLineError,
  joinCommandLine,
  splitCommandLine,
} from '../../../src/core/runner/command-line'

const splits: [string, string, string[]][] = [
  ['spaces separate', 'python agent.py --fast', ['python', 'agent.py', '--fast']],
  ['runs of whitespace', '  python\t agent.py \n', ['python', 'agent.py']],
  ['empty line', '   ', []],
  ['single quotes group', "echo 'a  b' c", ['echo', 'a  b', 'c']],
  ['double quotes group', 'echo "a  b" c', ['echo', 'a  b', 'c']],
  ['single quotes keep backslashes', "echo 'a\\b'", ['echo', 'a\\b']],
  ['double quotes take escapes', 'echo "say \\"hi\\" \\\\ ok"', ['echo', 'say "hi" \\ ok']],
  ['backslash escapes a space', 'ls my\\ folder', ['ls', 'my folder']],
  ['backslash escapes a quote', "echo it\\'s", ['echo', "it's"]],
  ['quotes join adjacent text', '--name="a b"x', ['--name=a bx']],
  ['empty quotes are an argument', 'run "" \'\'', ['run', '', '']],
  ['quote inside other quotes', `echo "it's" 'say "x"'`, ['echo', "it's", 'say "x"']],
  ['no shell expansion', 'echo $HOME *.py | wc', ['echo', '$HOME', '*.py', '|', 'wc']],
  ['unicode text', 'echo "grüße 🌍"', ['echo', 'grüße 🌍']],
]

describe('splitCommandLine', () => {
  it.each(splits)('%s', (_name, line, expected) => {
    expect(splitCommandLine(line)).toEqual(expected)
  })

  const errors: [string, string, string, number][] = [
    ['unclosed single quote', "echo 'abc", 'unclosed single quote at character 6', 5],
    ['unclosed double quote', 'echo "a\\"', 'unclosed double quote at character 6', 5],
    ['trailing backslash', 'echo abc\\', 'trailing backslash at character 9', 8],
  ]

  it.each(errors)('rejects an %s', (_name, line, message, offset) => {
    let caught: unknown
    try {
      splitCommandLine(line)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(CommandLineError)
    expect((caught as CommandLineError).message).toBe(message)
    expect((caught as CommandLineError).offset).toBe(offset)
  })
})

describe('joinCommandLine', () => {
  const argvs: string[][] = [
    ['python', 'agent.py'],
    ['sh', '-c', 'sleep 300 & sleep 300'],
    ['echo', "it's", 'say "x" \\ y'],
    ['run', '', '--flag=a b'],
    ['/usr/bin/python3', '-c', 'print("hi")'],
  ]

  it.each(argvs.map((argv) => [argv.join(' '), argv]))('round-trips %s', (_name, argv) => {
    expect(splitCommandLine(joinCommandLine(argv as string[]))).toEqual(argv)
  })

  it('leaves plain arguments unquoted', () => {
    expect(joinCommandLine(['python', 'agent.py', '--model=openai:gpt-4o'])).toBe(
      'python agent.py --model=openai:gpt-4o',
    )
  })
})
