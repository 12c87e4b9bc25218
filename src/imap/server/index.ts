// The IMAP service (rfc9051, rfc3501 clients too) as a listener binding for `listen.imap`
// (STARTTLS) and `listen.imaps` (implicit TLS). Loaded at start-up, so it stays tiny: the
// session code is imported on the first connection.
import type { Connection } from '../../net/index.ts'
import { createImapShared, type ImapDeps, type ImapShared } from './types.ts'

export type { ImapDeps } from './types.ts'

export interface ImapBinding {
  handler: (conn: Connection) => Promise<void>
  onRefused: () => string
}

/** A binding for one listener; imap and imaps made from the same services share `shared` (\Recent claims). */
export function imapProtocol(deps: ImapDeps, shared: ImapShared = sharedFor(deps)): ImapBinding {
  let session: Promise<typeof import('./session.ts')> | undefined
  return {
    onRefused: () => '* BYE [UNAVAILABLE] Too many connections, try again later\r\n',
    async handler(conn) {
      session ??= import('./session.ts')
      await (await session).runSession(conn, deps, shared)
    },
  }
}

const sharedByDeps = new WeakMap<ImapDeps, ImapShared>()
function sharedFor(deps: ImapDeps): ImapShared {
  let shared = sharedByDeps.get(deps)
  if (!shared) {
    shared = createImapShared()
    sharedByDeps.set(deps, shared)
  }
  return shared
}
