// The directory: domains, accounts, aliases, recipient resolution, app passwords, the
// administrator credential, runtime settings and the audit log.
import type { Db } from '../db/client.ts'
import { type Clock, systemClock } from '../lib/clock.ts'
import { createAccounts } from './accounts.ts'
import { createAdmin } from './admin.ts'
import { createAliases } from './aliases.ts'
import { createAppPasswords } from './app-passwords.ts'
import { createAudit } from './audit.ts'
import { createDkimKeys } from './dkim-keys.ts'
import { createDomains } from './domains.ts'
import { argon2idHasher, type PasswordHasher } from './passwords.ts'
import { createResolver } from './resolve.ts'
import { createSettings } from './settings.ts'

export interface DirectoryOptions {
  hasher?: PasswordHasher
  clock?: Clock
}

export function createDirectory(db: Db, options: DirectoryOptions = {}) {
  const hasher = options.hasher ?? argon2idHasher
  const clock = options.clock ?? systemClock
  const settings = createSettings(db, clock)
  return {
    domains: createDomains(db, clock),
    dkim: createDkimKeys(db, clock),
    accounts: createAccounts(db, hasher, clock),
    aliases: createAliases(db, clock),
    appPasswords: createAppPasswords(db, hasher, clock),
    resolver: createResolver(db),
    settings,
    admin: createAdmin(settings, hasher, clock),
    audit: createAudit(db, clock),
  }
}

export type Directory = ReturnType<typeof createDirectory>
