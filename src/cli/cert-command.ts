// `cert set --cert FILE --key FILE`: installs an operator's certificate; a running server picks it up.
import { readFileSync } from 'node:fs'
import type { Config } from '../config/config.ts'
import type { Directory } from '../directory/index.ts'
import { setCertificate } from '../tls/set-certificate.ts'
import { type ParsedArgs, UsageError } from './args.ts'
import type { Output } from './output.ts'

function readPem(path: string | undefined, flag: string): string {
  if (path === undefined) throw new UsageError(`missing ${flag} FILE`)
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
}

export function certCommand(config: Config, directory: Directory, out: Output, args: ParsedArgs): void {
  if (args.positionals[1] !== 'set') throw new UsageError('cert set --cert FILE --key FILE')
  const result = setCertificate(
    config.data_dir,
    readPem(args.values.cert, '--cert'),
    readPem(args.values.key, '--key'),
  )
  directory.audit.record('cli', 'cert.set', result.names[0] ?? '', {
    names: result.names,
    fingerprint: result.fingerprint,
  })
  out.line(`certificate for ${result.names.join(', ')} installed (expires ${result.notAfter.toISOString()})`)
  out.line(`fingerprint SHA-256 ${result.fingerprint}`)
  if (result.warning) out.error(`warning: ${result.warning}`)
}
