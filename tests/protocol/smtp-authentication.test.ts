// Inbound sender authentication end to end over SMTP: SPF/DKIM/DMARC results in an
// Authentication-Results header, DMARC p=reject refused at end of DATA, p=quarantine to Junk,
// forged results removed. DNS is a mock; nothing leaves the machine.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { createMockResolver } from '../../src/dns/index.ts'
import { signDkim } from '../../src/mailauth/index.ts'
import { message, rsaKey } from '../fixtures/mailauth/messages.ts'
import { LineClient } from '../helpers/line-client.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'

let server: TestServer
let bobId = 0
const key = rsaKey()

beforeAll(async () => {
  const resolver = createMockResolver({
    'sender.test': { TXT: [['v=spf1 ip4:127.0.0.1 -all']] },
    'sel._domainkey.sender.test': { TXT: [[key.txt]] },
    '_dmarc.sender.test': { TXT: [['v=DMARC1; p=reject']] },
    'strict.test': { TXT: [['v=spf1 ip4:192.0.2.1 -all']] },
    '_dmarc.strict.test': { TXT: [['v=DMARC1; p=reject']] },
    'soft.test': { TXT: [['v=spf1 ip4:192.0.2.1 -all']] },
    '_dmarc.soft.test': { TXT: [['v=DMARC1; p=quarantine']] },
  })
  server = await startTestServer({ resolver })
  server.services.directory.domains.add('postern.test')
  bobId = (
    await server.services.directory.accounts.add({ email: 'bob@postern.test', password: 'bob-password' })
  ).id
  await server.services.store.ensureAccount(bobId)
})
afterAll(() => server.close())

async function deliver(from: string, raw: string): Promise<string> {
  const c = await LineClient.connect(server.port('smtp'))
  try {
    await c.reply()
    await c.command('EHLO mx.sender.test')
    await c.command(`MAIL FROM:<${from}>`)
    await c.command('RCPT TO:<bob@postern.test>')
    await c.command('DATA')
    c.send(`${raw.replace(/\r\n$/, '')}\r\n.`)
    return (await c.reply()).join('\n')
  } finally {
    c.close()
  }
}

function lastIn(role: string): string | undefined {
  const box = server.services.store.findMailboxByRole(bobId, role)
  const last = server.services.store.mailboxMessages(box?.id ?? 0).at(-1)
  return last ? Buffer.from(server.services.store.raw(bobId, last.emailId)).toString() : undefined
}

test('a DKIM-signed, SPF-passing message: dkim=pass, spf=pass, dmarc=pass, in the inbox', async () => {
  const raw = message({ from: 'Alice <alice@sender.test>', to: 'bob@postern.test', subject: 'signed' })
  const signature = await signDkim(Buffer.from(raw), {
    domain: 'sender.test',
    selector: 'sel',
    privateKeyPem: key.privateKeyPem,
  })
  expect(await deliver('alice@sender.test', signature + raw)).toMatch(/^250 /)
  const stored = lastIn('inbox') ?? ''
  expect(stored).toStartWith('Authentication-Results: mail.example.test;')
  expect(stored).toMatch(/dkim=pass header\.i=@sender\.test header\.s=sel /)
  expect(stored).toMatch(/spf=pass /)
  expect(stored).toMatch(/dmarc=pass /)
  expect(stored).toContain('Subject: signed')
})

test('DMARC failure with p=reject is refused at the end of DATA', async () => {
  const raw = message({ from: 'CEO <ceo@strict.test>', to: 'bob@postern.test', subject: 'wire money' })
  expect(await deliver('ceo@strict.test', raw)).toBe('550 5.7.1 rejected by the DMARC policy of strict.test')
  expect(lastIn('inbox')).not.toContain('wire money')
})

test('DMARC failure with p=quarantine goes to Junk', async () => {
  const raw = message({ from: 'News <news@soft.test>', to: 'bob@postern.test', subject: 'quarantined' })
  expect(await deliver('news@soft.test', raw)).toMatch(/^250 /)
  expect(lastIn('junk')).toContain('Subject: quarantined')
  expect(lastIn('junk')).toMatch(/dmarc=fail /)
})

test('a forged Authentication-Results claiming to be ours is removed', async () => {
  const raw = message({
    from: 'Alice <alice@sender.test>',
    subject: 'forged',
    extraHeaders: ['Authentication-Results: mail.example.test; dkim=pass header.d=bank.test; dmarc=pass'],
  })
  expect(await deliver('alice@sender.test', raw)).toMatch(/^250 /)
  const stored = lastIn('inbox') ?? ''
  expect(stored).toContain('Subject: forged')
  expect(stored.match(/^Authentication-Results:/gm)).toHaveLength(1)
  expect(stored).not.toContain('bank.test')
})
