// CLI commands on the directory: domain, account, alias, admin-password.
import type { Directory } from '../directory/index.ts'
import { formatSize, tryParseSize } from '../lib/size.ts'
import { type ParsedArgs, passwordArg, positional, UsageError } from './args.ts'
import { type Output, table } from './output.ts'

export interface CommandEnv {
  directory: Directory
  out: Output
  stdin: () => Promise<string>
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

function quotaArg(text: string): number | null {
  if (/^(unlimited|none|0)$/i.test(text)) return null
  const bytes = tryParseSize(text)
  if (bytes === undefined)
    throw new UsageError(`quota "${text}" is not a size such as 500M, 10G or unlimited`)
  return bytes
}

function list(env: CommandEnv, args: ParsedArgs, rows: Record<string, unknown>[], columns: string[]): void {
  env.out.line(args.values.json ? JSON.stringify(rows, null, 2) : table(rows, columns))
}

export async function domainCommand(env: CommandEnv, args: ParsedArgs): Promise<void> {
  const [, verb] = args.positionals
  const { directory, out } = env
  switch (verb) {
    case 'add': {
      const d = directory.domains.add(positional(args, 2, 'domain NAME'))
      directory.audit.record('cli', 'domain.create', d.name)
      await directory.dkim.ensure(d.name)
      out.line(
        `domain ${d.name} added (DKIM keys made; \`postern dkim show ${d.name}\` prints the DNS records)`,
      )
      return
    }
    case 'list':
      return list(
        env,
        args,
        directory.domains.list().map((d) => ({ ...d, createdAt: iso(d.createdAt) })),
        ['name', 'accountCount', 'aliasCount', 'createdAt'],
      )
    case 'remove': {
      const name = positional(args, 2, 'domain NAME')
      directory.domains.remove(name)
      directory.audit.record('cli', 'domain.remove', name.toLowerCase())
      out.line(`domain ${name.toLowerCase()} removed`)
      return
    }
    default:
      throw new UsageError('domain add|list|remove NAME')
  }
}

export async function accountCommand(env: CommandEnv, args: ParsedArgs): Promise<void> {
  const [, verb] = args.positionals
  const { directory, out } = env
  switch (verb) {
    case 'add': {
      const email = positional(args, 2, 'account EMAIL')
      const password = await passwordArg(args, env.stdin)
      const quota = args.values.quota === undefined ? null : quotaArg(args.values.quota)
      const a = await directory.accounts.add({
        email,
        password,
        quotaBytes: quota,
        displayName: args.values.name,
      })
      directory.audit.record('cli', 'account.create', a.email, { quota })
      out.line(`account ${a.email} added${quota ? ` (quota ${formatSize(quota)})` : ''}`)
      return
    }
    case 'list':
      return list(
        env,
        args,
        directory.accounts.list(args.values.domain).map((a) => ({
          email: a.email,
          name: a.displayName,
          quota: a.quotaBytes === null ? 'unlimited' : formatSize(a.quotaBytes),
          disabled: a.isDisabled,
          createdAt: iso(a.createdAt),
        })),
        ['email', 'name', 'quota', 'disabled', 'createdAt'],
      )
    case 'remove': {
      const email = positional(args, 2, 'account EMAIL')
      directory.accounts.remove(email)
      directory.audit.record('cli', 'account.remove', email.toLowerCase())
      out.line(`account ${email.toLowerCase()} removed`)
      return
    }
    case 'password': {
      const email = positional(args, 2, 'account EMAIL')
      await directory.accounts.setPassword(email, await passwordArg(args, env.stdin))
      directory.audit.record('cli', 'account.update', email.toLowerCase(), { changed: ['password'] })
      out.line(`password of ${email.toLowerCase()} changed`)
      return
    }
    case 'quota': {
      const email = positional(args, 2, 'account EMAIL')
      const quota = quotaArg(positional(args, 3, 'SIZE (e.g. 10G) or unlimited'))
      directory.accounts.update(email, { quotaBytes: quota })
      directory.audit.record('cli', 'account.update', email.toLowerCase(), { changed: ['quota'], quota })
      out.line(`quota of ${email.toLowerCase()} set to ${quota === null ? 'unlimited' : formatSize(quota)}`)
      return
    }
    case 'app-password':
      return appPasswordCommand(env, args)
    default:
      throw new UsageError('account add|list|remove|password|quota|app-password …')
  }
}

async function appPasswordCommand(env: CommandEnv, args: ParsedArgs): Promise<void> {
  const verb = args.positionals[2]
  const email = positional(args, 3, 'account EMAIL')
  const { directory, out } = env
  switch (verb) {
    case 'add': {
      const name = positional(args, 4, 'app password NAME')
      const password = await directory.appPasswords.add(email, name)
      directory.audit.record('cli', 'app-password.create', email.toLowerCase(), { name })
      out.line(`app password "${name}" for ${email.toLowerCase()}: ${password}`)
      out.line('It is shown only this once.')
      return
    }
    case 'list':
      return list(
        env,
        args,
        directory.appPasswords
          .list(email)
          .map((p) => ({ ...p, createdAt: iso(p.createdAt), lastUsedAt: iso(p.lastUsedAt) })),
        ['name', 'createdAt', 'lastUsedAt'],
      )
    case 'remove': {
      const name = positional(args, 4, 'app password NAME')
      directory.appPasswords.remove(email, name)
      directory.audit.record('cli', 'app-password.remove', email.toLowerCase(), { name })
      out.line(`app password "${name}" of ${email.toLowerCase()} removed`)
      return
    }
    default:
      throw new UsageError('account app-password add|list|remove EMAIL [NAME]')
  }
}

export async function aliasCommand(env: CommandEnv, args: ParsedArgs): Promise<void> {
  const [, verb] = args.positionals
  const { directory, out } = env
  switch (verb) {
    case 'add': {
      const alias = directory.aliases.add(
        positional(args, 2, 'alias ADDRESS'),
        positional(args, 3, 'alias TARGET'),
      )
      directory.audit.record('cli', 'alias.create', alias.address, { target: alias.target })
      out.line(`alias ${alias.address} → ${alias.target} added`)
      return
    }
    case 'list':
      return list(
        env,
        args,
        directory.aliases.list(args.values.domain).map((a) => ({ ...a, createdAt: iso(a.createdAt) })),
        ['address', 'target', 'createdAt'],
      )
    case 'remove': {
      const address = positional(args, 2, 'alias ADDRESS')
      const target = args.positionals[3]
      directory.aliases.remove(address, target)
      directory.audit.record('cli', 'alias.remove', address.toLowerCase(), target ? { target } : undefined)
      out.line(`alias ${address.toLowerCase()}${target ? ` → ${target}` : ''} removed`)
      return
    }
    default:
      throw new UsageError('alias add ADDRESS TARGET | list | remove ADDRESS [TARGET]')
  }
}

export async function adminPasswordCommand(env: CommandEnv, args: ParsedArgs): Promise<void> {
  if (args.positionals[1] !== 'reset') throw new UsageError('admin-password reset')
  const password = await env.directory.admin.reset()
  env.directory.audit.record('cli', 'admin.password-reset', 'admin')
  env.out.line(`new admin password (user admin): ${password}`)
}
