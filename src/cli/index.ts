// The command-line entry: parses arguments and runs one command on the data directory.
// `serve` is handled by main.ts (the composition root); everything else is here.

import pkg from '../../package.json' with { type: 'json' }
import { ConfigError } from '../config/config.ts'
import { StoreError } from '../lib/errors.ts'
import { parseCliArgs, UsageError } from './args.ts'
import { certCommand } from './cert-command.ts'
import { openCliContext } from './context.ts'
import {
  accountCommand,
  adminPasswordCommand,
  aliasCommand,
  type CommandEnv,
  domainCommand,
} from './directory-commands.ts'
import { dkimCommand } from './dkim-command.ts'
import { healthcheck } from './healthcheck.ts'
import { exportCommand, importCommand } from './mail-commands.ts'
import { consoleOutput, type Output } from './output.ts'
import { queueCommand } from './queue-command.ts'
import { usage } from './usage.ts'

const version: string = pkg.version

export interface CliIo {
  out?: Output
  stdin?: () => Promise<string>
  env?: Record<string, string | undefined>
  /** Progress bar output for long commands; null = none (tests). Default: stderr. */
  progress?: { write(text: string): void; isTTY: boolean } | null
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** Runs a CLI command (not `serve`); returns the process exit code. */
export async function runCli(argv: string[], io: CliIo = {}): Promise<number> {
  const out = io.out ?? consoleOutput
  let args: ReturnType<typeof parseCliArgs>
  try {
    args = parseCliArgs(argv)
  } catch (err) {
    out.error(`error: ${(err as Error).message}\n\n${usage}`)
    return 2
  }
  const command = args.positionals[0]
  if (command === undefined || command === 'help' || args.values.help) {
    out.line(usage)
    return command === undefined && !args.values.help ? 2 : 0
  }
  if (command === 'version') {
    out.line(`postern ${version}`)
    return 0
  }
  if (command === 'healthcheck') {
    try {
      return await healthcheck(args.values.config, io.env ?? process.env, out)
    } catch (err) {
      out.error(`error: ${(err as Error).message}`)
      return 1
    }
  }
  const handlers: Record<string, (env: CommandEnv) => Promise<void>> = {
    domain: (env) => domainCommand(env, args),
    account: (env) => accountCommand(env, args),
    alias: (env) => aliasCommand(env, args),
    'admin-password': (env) => adminPasswordCommand(env, args),
  }
  const mailHandlers: Record<string, typeof importCommand> = { import: importCommand, export: exportCommand }
  if (
    !(command in handlers) &&
    !(command in mailHandlers) &&
    command !== 'cert' &&
    command !== 'queue' &&
    command !== 'dkim'
  ) {
    out.error(`error: unknown command "${command}"\n\n${usage}`)
    return 2
  }
  let context: ReturnType<typeof openCliContext> | undefined
  try {
    context = openCliContext(args.values.config, io.env ?? process.env)
    const env: CommandEnv = { directory: context.directory, out, stdin: io.stdin ?? readStdin }
    if (command === 'cert') certCommand(context.config, context.directory, out, args)
    else if (command === 'queue') return queueCommand(context.queue, out, args)
    else if (command === 'dkim') await dkimCommand(context.directory, out, args)
    else if (command in mailHandlers) {
      const progress =
        io.progress === undefined
          ? { write: (t: string) => process.stderr.write(t), isTTY: Boolean(process.stderr.isTTY) }
          : io.progress
      await mailHandlers[command]?.(
        { directory: context.directory, store: context.store, out, progress: progress ?? undefined },
        args,
      )
    } else await handlers[command]?.(env)
    return 0
  } catch (err) {
    if (err instanceof UsageError) {
      out.error(`error: ${err.message}\n\n${usage}`)
      return 2
    }
    if (err instanceof ConfigError || err instanceof StoreError || err instanceof Error) {
      out.error(`error: ${err.message}`)
      return 1
    }
    out.error(`error: ${String(err)}`)
    return 1
  } finally {
    context?.close()
  }
}
