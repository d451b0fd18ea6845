// Starts the built `loupe serve` as a user would, on free ports, and stops
// it with SIGTERM. For start-up failures, runs it until it exits.

import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { DISCOVERY_FILE, type Discovery } from '../../src/core/discovery'
import { repoRoot } from './core'

export interface ServedLoupe {
  child: ChildProcess
  discovery: Discovery
  otlpHttpUrl: string
  grpcAddress: string
  /** Everything printed so far, for failure messages. */
  output(): string
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>
}

function serveArgs(dataDir: string, extra: string[]): string[] {
  return [
    join(repoRoot, 'bin/loupe.js'),
    'serve',
    '--data',
    dataDir,
    '--port',
    '0',
    '--grpc-port',
    '0',
    '--ui-port',
    '0',
    ...extra,
  ]
}

/** Starts `loupe serve` and waits until it has printed its addresses. */
export async function startServe(
  dataDir: string,
  extra: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<ServedLoupe> {
  const child = spawn(process.execPath, serveArgs(dataDir, extra), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const output = () => `stdout:\n${stdout}\nstderr:\n${stderr}`
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  for (let i = 0; i < 400 && !stdout.includes('OTLP/gRPC'); i++) {
    if (child.exitCode !== null) throw new Error(`loupe serve exited early\n${output()}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  if (!stdout.includes('OTLP/gRPC')) {
    child.kill('SIGKILL')
    throw new Error(`loupe serve did not start\n${output()}`)
  }
  const discovery = JSON.parse(readFileSync(join(dataDir, DISCOVERY_FILE), 'utf8')) as Discovery
  return {
    child,
    discovery,
    otlpHttpUrl: `http://127.0.0.1:${discovery.otlpHttpPort}`,
    grpcAddress: `127.0.0.1:${discovery.otlpGrpcPort}`,
    output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      return exited
    },
  }
}

export interface ExitedServe {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * Runs `loupe serve` when it is expected to fail at start, and returns its
 * exit code and output. It is killed if it is still running after 20 s.
 */
export function serveUntilExit(
  dataDir: string,
  extra: string[] = [],
  options: Pick<SpawnOptions, 'uid' | 'gid'> = {},
): Promise<ExitedServe> {
  const child = spawn(process.execPath, serveArgs(dataDir, extra), {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    }),
  )
}
