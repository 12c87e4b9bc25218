// Export of one mailbox as an mboxrd file (flags in Status/X-Status/X-Keywords headers), the
// way back out for people leaving or backing up one folder.

import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { StoreError } from '../../lib/errors.ts'
import type { MailStore } from '../index.ts'
import { imapFlags, parseStoredKeywords } from '../keywords.ts'
import { writeMboxMessage } from './mbox.ts'

export async function exportMbox(
  store: MailStore,
  accountId: number,
  mailboxPath: string,
  file: string,
  onProgress?: (done: number, total: number) => void,
): Promise<number> {
  const box = store.findMailbox(accountId, mailboxPath)
  if (!box) throw new StoreError('notFound', `mailbox ${mailboxPath} does not exist`)
  const list = store.mailboxMessages(box.id)
  const out = createWriteStream(file, { flags: 'w', mode: 0o600 })
  let done = 0
  for (let i = 0; i < list.length; i += 200) {
    const slice = list.slice(i, i + 200)
    const rows = store.emails(
      accountId,
      slice.map((m) => m.emailId),
    )
    for (const row of rows) {
      const raw = store.raw(accountId, row.id)
      const flags = imapFlags({ flags: row.flags, keywords: parseStoredKeywords(row.keywords) })
      if (!writeMboxMessage(out, raw, { sender: row.fromEmail, receivedAt: row.receivedAt, flags }))
        await once(out, 'drain')
      done++
    }
    onProgress?.(done, list.length)
  }
  out.end()
  await once(out, 'finish')
  return done
}
