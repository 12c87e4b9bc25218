// `dkim show DOMAIN` prints the DNS TXT records to publish; `dkim rotate DOMAIN` makes new keys
// and keeps the old selectors published for a grace period.
import { defaultRotationGraceDays } from '../directory/dkim-keys.ts'
import type { Directory } from '../directory/index.ts'
import { type ParsedArgs, positional, UsageError } from './args.ts'
import type { Output } from './output.ts'

export async function dkimCommand(directory: Directory, out: Output, args: ParsedArgs): Promise<void> {
  const verb = args.positionals[1]
  if (verb !== 'show' && verb !== 'rotate') throw new UsageError('dkim show|rotate DOMAIN')
  const domain = positional(args, 2, 'DOMAIN')
  if (verb === 'rotate') {
    const grace =
      args.values['grace-days'] === undefined ? defaultRotationGraceDays : Number(args.values['grace-days'])
    if (!Number.isInteger(grace) || grace < 0)
      throw new UsageError('--grace-days takes a whole number of days')
    await directory.dkim.rotate(domain, grace)
    directory.audit.record('cli', 'dkim.rotate', domain.toLowerCase())
    out.line(
      `new DKIM keys for ${domain.toLowerCase()}; the old selectors stay published for ${grace} day(s)`,
    )
  } else if (await directory.dkim.ensure(domain)) {
    directory.audit.record('cli', 'dkim.create', domain.toLowerCase())
  }
  const records = directory.dkim.records(domain)
  if (args.values.json) {
    out.line(JSON.stringify(records, null, 2))
    return
  }
  for (const r of records) {
    const note =
      r.retireAt === null ? '' : `   ; retiring, remove after ${new Date(r.retireAt).toISOString()}`
    // One line in zone-file syntax; the value is split into 255-byte strings (rfc1035 section 3.3.14).
    const strings = r.value.match(/.{1,255}/g)?.map((s) => `"${s}"`) ?? []
    out.line(`${r.name}. IN TXT ${strings.join(' ')}${note}`)
  }
}
