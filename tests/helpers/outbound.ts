// Helpers for outbound-delivery tests: submitting as a mail client does (SMTP AUTH over
// STARTTLS on the submission port), waiting for the queue, reading a mailbox.
import SMTPConnection from 'nodemailer/lib/smtp-connection'
import type { TestServer } from './server.ts'

export async function submit(
  server: TestServer | number,
  auth: { user: string; pass: string },
  envelope: { from: string; to: string[] },
  message: string,
): Promise<string> {
  const connection = new SMTPConnection({
    host: '127.0.0.1',
    port: typeof server === 'number' ? server : server.port('submission'),
    requireTLS: true,
    name: 'laptop.a.test',
    tls: { rejectUnauthorized: false },
    logger: false,
  })
  await new Promise<void>((resolve, reject) => {
    connection.once('error', reject)
    connection.connect((err) => (err ? reject(err) : resolve()))
  })
  try {
    await new Promise<void>((resolve, reject) =>
      connection.login(auth, (err) => (err ? reject(err) : resolve())),
    )
    const info = await new Promise<SMTPConnection.SentMessageInfo>((resolve, reject) =>
      connection.send(envelope, message.replaceAll(/\r?\n/g, '\r\n'), (err, result) =>
        err ? reject(err) : resolve(result as SMTPConnection.SentMessageInfo),
      ),
    )
    return info.response
  } finally {
    connection.quit()
  }
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** The raw messages in an account's mailbox with a role (default the inbox), oldest first. */
export function mailbox(server: TestServer, email: string, role = 'inbox'): string[] {
  const { directory, store } = server.services
  const account = directory.accounts.get(email)
  const box = store.findMailboxByRole(account.id, role)
  if (!box) return []
  return store
    .mailboxMessages(box.id)
    .map((m) => Buffer.from(store.raw(account.id, m.emailId)).toString('latin1'))
}
