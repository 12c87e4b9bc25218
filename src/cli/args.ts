// Argument parsing shared by CLI commands.
import { parseArgs } from 'node:util'

export class UsageError extends Error {}

export interface ParsedArgs {
  positionals: string[]
  values: {
    config?: string
    json?: boolean
    password?: string
    quota?: string
    name?: string
    domain?: string
    cert?: string
    key?: string
    account?: string
    mailbox?: string
    'grace-days'?: string
    help?: boolean
  }
}

export function parseCliArgs(argv: string[]): ParsedArgs {
  try {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string', short: 'c' },
        json: { type: 'boolean' },
        password: { type: 'string', short: 'p' },
        quota: { type: 'string' },
        name: { type: 'string' },
        domain: { type: 'string' },
        cert: { type: 'string' },
        key: { type: 'string' },
        account: { type: 'string' },
        mailbox: { type: 'string' },
        'grace-days': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    })
    return { positionals, values }
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}

/** The positional at `index`, or a usage error naming what was expected. */
export function positional(args: ParsedArgs, index: number, what: string): string {
  const value = args.positionals[index]
  if (value === undefined || value === '') throw new UsageError(`missing ${what}`)
  return value
}

/** `--password PW`, or `--password -` to read one line from standard input. */
export async function passwordArg(args: ParsedArgs, stdin: () => Promise<string>): Promise<string> {
  const value = args.values.password
  if (value === undefined)
    throw new UsageError('missing --password PW (or --password - to read it from standard input)')
  if (value !== '-') return value
  const text = await stdin()
  return text.replace(/\r?\n$/, '')
}
