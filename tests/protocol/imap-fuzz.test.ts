// IMAP session robustness: random bytes, random token soup, every valid command cut at every
// position, huge literals announced, deep parentheses and long lines, sent to a live server over
// real sockets. For every case the server must answer (BAD/NO/OK/BYE) or close within a time bound,
// never say "internal error", and a fresh connection must still log in and select afterwards.
// The PRNG is seeded (IMAP_FUZZ_SEED, default below) so a failure names the case that reproduces it.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import net from 'node:net'
import { ImapClient } from '../helpers/imap-client.ts'
import { prng } from '../helpers/prng.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'

const seed = Number(process.env.IMAP_FUZZ_SEED ?? 20261129)
/** Upper bound for one case: connect, log in, send, and see the answer or the close. */
const caseMs = 5000
let server: TestServer
let port = 0

beforeAll(async () => {
  server = await startTestServer({ env: { POSTERN_IMAP_ALLOW_PLAINTEXT_LOGIN: 'true' } })
  port = server.port('imap')
  server.services.directory.domains.add('example.test')
  const a = await server.services.directory.accounts.add({
    email: 'fuzz@example.test',
    password: 'fuzz-password',
  })
  await server.services.store.ensureAccount(a.id)
  const inbox = server.services.store.findMailboxByRole(a.id, 'inbox')?.id ?? 0
  for (let i = 1; i <= 5; i++) {
    const body =
      i % 2
        ? `From: x@example.test\r\nSubject: hello ${i}\r\n\r\nbody ${i}\r\n`
        : `From: x@example.test\r\nSubject: multi ${i}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\none\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>two</p>\r\n--b--\r\n`
    await server.services.store.appendRaw(a.id, {
      mailboxIds: [inbox],
      bytes: new TextEncoder().encode(body),
      keywords: { flags: 0, keywords: [] },
      receivedAt: Date.now(),
    })
  }
}, 30_000)
afterAll(async () => {
  await server.close()
})

/** A raw connection that keeps everything the server sent and whether it closed. */
class Raw {
  text = ''
  closed = false
  private wake: (() => void) | undefined
  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.text += d.toString('latin1')
      this.wake?.()
    })
    const end = () => {
      this.closed = true
      this.wake?.()
    }
    socket.on('close', end)
    socket.on('end', end)
    socket.on('error', () => {})
  }

  static open(): Promise<Raw> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => resolve(new Raw(s)))
      s.once('error', reject)
    })
  }

  /** Waits until `done(text)` holds or the connection closes; false on timeout. */
  async until(done: (text: string) => boolean, ms: number): Promise<boolean> {
    const end = Date.now() + ms
    while (!done(this.text) && !this.closed) {
      const left = end - Date.now()
      if (left <= 0) return false
      await new Promise<void>((r) => {
        const t = setTimeout(r, left)
        this.wake = () => {
          clearTimeout(t)
          r()
        }
      })
    }
    return true
  }

  /** Sends bytes, waiting for the socket to drain (the server may stop reading: that is fine). */
  send(bytes: string | Uint8Array): Promise<void> {
    if (this.closed) return Promise.resolve()
    return new Promise((resolve) => {
      if (this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes)) resolve()
      else {
        const t = setTimeout(resolve, 2000)
        this.socket.once('drain', () => {
          clearTimeout(t)
          resolve()
        })
      }
    })
  }

  close(): void {
    this.socket.destroy()
  }
}

type State = 'greeting' | 'authenticated' | 'selected'

/** A connection in the given state: greeted, logged in, or with INBOX selected. */
async function session(state: State): Promise<Raw> {
  const c = await Raw.open()
  expect(await c.until((t) => t.includes('\r\n'), caseMs)).toBe(true)
  if (state === 'greeting') return c
  await c.send('l1 LOGIN fuzz@example.test fuzz-password\r\n')
  expect(await c.until((t) => /^l1 OK/m.test(t), caseMs)).toBe(true)
  if (state === 'selected') {
    await c.send('l2 SELECT INBOX\r\n')
    expect(await c.until((t) => /^l2 OK/m.test(t), caseMs)).toBe(true)
  }
  c.text = ''
  return c
}

interface Outcome {
  /** The server answered the probe `zz NOOP` after the fuzz input. */
  answered: boolean
  closed: boolean
  text: string
}

/**
 * Sends `input`, then the probe `zz NOOP`, and waits for the probe's answer, a BYE or the close.
 * A server that neither answers nor closes within the bound has hung on this input.
 */
async function probe(c: Raw, input: string | Uint8Array, extra = ''): Promise<Outcome> {
  await c.send(input)
  if (extra) await c.send(extra)
  await c.send('\r\nzz NOOP\r\n')
  const isDone = (t: string) => /^zz (OK|NO|BAD)/m.test(t) || /^\* BYE/m.test(t)
  const end = Date.now() + caseMs
  let seen = c.text.length
  let fed = false
  while (!isDone(c.text) && !c.closed && Date.now() < end) {
    await c.until(isDone, 400)
    // The server asked for literal data (the input announced a literal in a way this harness did
    // not expect, e.g. {0005}) and nothing came since: feed it the bytes once, then probe again.
    if (!fed && c.text.length === seen && /^\+ /m.test(c.text)) {
      const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1')
      const n = Math.min(Number([...text.matchAll(/\{(\d+)\+?\}/g)].at(-1)?.[1] ?? 0), 1_000_000)
      await c.send(`${'x'.repeat(n)}\r\nzz NOOP\r\n`)
      fed = true
    }
    seen = c.text.length
  }
  return { answered: /^zz /m.test(c.text), closed: c.closed || /^\* BYE/m.test(c.text), text: c.text }
}

/** The oracle shared by all cases. */
function expectSane(name: string, o: Outcome): void {
  const where = `${name}\n--- server said:\n${o.text.slice(0, 2000)}`
  expect(o.answered || o.closed, `no answer and no close: ${where}`).toBe(true)
  expect(o.text, `server fault on client input: ${where}`).not.toMatch(/internal error/i)
  // Every line the server wrote is a well-formed response start.
  for (const line of o.text.split('\r\n').filter((l) => l !== '')) {
    if (/^(\*|\+|[A-Za-z0-9.]+ (OK|NO|BAD|BYE)\b|zz |l\d )/.test(line)) continue
    if (/^[\x20-\x7e]*$/.test(line)) continue // literal contents of a FETCH answer
    throw new Error(`unexpected bytes from the server: ${JSON.stringify(line)} in ${where}`)
  }
}

/** After a burst, a fresh connection must still work end to end. */
async function expectServerAlive(): Promise<void> {
  const c = await ImapClient.login(port, 'fuzz@example.test', 'fuzz-password')
  try {
    const r = await c.command('SELECT INBOX')
    expect(r.done).toStartWith('OK')
    expect(r.untagged.some((l) => /^\* \d+ EXISTS$/.test(l))).toBe(true)
    expect((await c.command('FETCH 1:* (FLAGS)')).done).toStartWith('OK')
  } finally {
    c.close()
  }
}

/** Runs cases a few at a time (each on its own connection). */
async function inBatches<T>(items: T[], width: number, run: (item: T, i: number) => Promise<void>) {
  for (let i = 0; i < items.length; i += width) {
    await Promise.all(items.slice(i, i + width).map((item, j) => run(item, i + j)))
  }
}

const states: State[] = ['greeting', 'authenticated', 'selected']

describe(`IMAP fuzz (seed ${seed})`, () => {
  test('random bytes in every state', async () => {
    const rnd = prng(seed)
    const cases = Array.from({ length: 150 }, (_, i) => {
      const n = 1 + Math.floor(rnd() * 3000)
      const bytes = new Uint8Array(n)
      for (let k = 0; k < n; k++) {
        const r = rnd()
        // Mostly printable with line breaks, some raw bytes. No "}" so that no line can announce a
        // literal that would swallow the probe (literals have their own cases).
        let b =
          r < 0.05 ? 0x0d : r < 0.1 ? 0x0a : r < 0.7 ? 0x20 + Math.floor(rnd() * 95) : Math.floor(rnd() * 256)
        if (b === 0x7d) b = 0x7b
        bytes[k] = b
      }
      return { state: states[i % 3] as State, bytes }
    })
    await inBatches(cases, 6, async ({ state, bytes }, i) => {
      const c = await session(state)
      try {
        expectSane(`random bytes case ${i} (${state}, ${bytes.length} bytes)`, await probe(c, bytes))
      } finally {
        c.close()
      }
    })
    await expectServerAlive()
  }, 120_000)

  test('random token soup', async () => {
    const rnd = prng(seed + 1)
    const words = [
      'a',
      '*',
      'NIL',
      '""',
      '"x y"',
      '"\\"q\\\\"',
      '(',
      ')',
      '[',
      ']',
      '<',
      '>',
      '<0.5>',
      '1',
      '0',
      '4294967296',
      '-1',
      '1:*',
      '*:1',
      '2,4:5',
      '$',
      '1:',
      ':',
      ',',
      '\\Seen',
      '\\Deleted',
      '\\*',
      '$Junk',
      'INBOX',
      '"INBOX"',
      '&AOQ-',
      '&-',
      '&ZZZ',
      'CAPABILITY',
      'NOOP',
      'LOGIN',
      'SELECT',
      'EXAMINE',
      'CREATE',
      'DELETE',
      'RENAME',
      'SUBSCRIBE',
      'LIST',
      'LSUB',
      'STATUS',
      'APPEND',
      'CHECK',
      'CLOSE',
      'UNSELECT',
      'EXPUNGE',
      'SEARCH',
      'SORT',
      'THREAD',
      'FETCH',
      'STORE',
      'COPY',
      'MOVE',
      'UID',
      'ENABLE',
      'ID',
      'NAMESPACE',
      'GETQUOTA',
      'GETQUOTAROOT',
      'SETQUOTA',
      'BODY',
      'BODY[',
      'BODY[]',
      'BODY.PEEK[HEADER.FIELDS',
      'BODY[1.2.MIME]',
      'BINARY[1]',
      'BINARY.SIZE[1]',
      'ENVELOPE',
      'BODYSTRUCTURE',
      'FLAGS',
      '+FLAGS',
      '-FLAGS.SILENT',
      'RFC822',
      'UNCHANGEDSINCE',
      'CHANGEDSINCE',
      'MODSEQ',
      'VANISHED',
      'QRESYNC',
      'CONDSTORE',
      'RETURN',
      'STATUS',
      'MESSAGES',
      'UIDNEXT',
      'SIZE',
      'TEXT',
      'OR',
      'NOT',
      'HEADER',
      'SINCE',
      '1-Jan-2024',
      '"01-Jan-2024 00:00:00 +0000"',
      'CHARSET',
      'UTF-8',
      'STORAGE',
      'ALL',
      'FAST',
      'FULL',
      'PREVIEW',
      '~{3}',
      '{0}',
      '{3}',
      '{3+}',
      '{2-}',
    ]
    const cases = Array.from({ length: 300 }, (_, i) => {
      const n = 1 + Math.floor(rnd() * 25)
      let line = rnd() < 0.9 ? `t${i} ` : ''
      for (let k = 0; k < n; k++) {
        const w = words[Math.floor(rnd() * words.length)] as string
        const literal = /\{(\d+)[+-]?\}$/.exec(w)
        // A literal announcement is always followed by its bytes, so the framing stays in step.
        if (literal) line += `${w}\r\n${'abcdefgh'.slice(0, Number(literal[1]))}`
        else line += w
        line += rnd() < 0.85 ? ' ' : ''
      }
      return { state: states[i % 3] as State, line: `${line}\r\n` }
    })
    await inBatches(cases, 6, async ({ state, line }, i) => {
      const c = await session(state)
      try {
        expectSane(`token soup case ${i} (${state}): ${JSON.stringify(line)}`, await probe(c, line))
      } finally {
        c.close()
      }
    })
    await expectServerAlive()
  }, 120_000)

  // Valid commands, cut after every byte; what follows the cut is CRLF (and, when the cut ends on a
  // literal announcement, that many bytes), then the probe. Commands that change the connection's
  // framing when complete (STARTTLS, COMPRESS) are only sent cut short.
  const valid: { state: State; line: string; complete?: boolean }[] = [
    { state: 'greeting', line: 'a1 LOGIN "fuzz@example.test" {13}\r\nfuzz-password' },
    { state: 'greeting', line: 'a2 AUTHENTICATE PLAIN AGZ1enpAZXhhbXBsZS50ZXN0AGZ1enotcGFzc3dvcmQ=' },
    { state: 'greeting', line: 'a3 STARTTLS', complete: false },
    { state: 'greeting', line: 'a4 ID ("name" "fuzz" "version" NIL)' },
    {
      state: 'authenticated',
      line: 'a5 LIST (SUBSCRIBED) "" ("INBOX" "%") RETURN (CHILDREN STATUS (MESSAGES UNSEEN))',
    },
    {
      state: 'authenticated',
      line: 'a6 STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ SIZE)',
    },
    { state: 'authenticated', line: 'a7 SELECT "INBOX" (QRESYNC (1 1 1:5))' },
    { state: 'authenticated', line: 'a8 ENABLE CONDSTORE QRESYNC UTF8=ACCEPT' },
    { state: 'authenticated', line: 'a9 CREATE "fz/&AOQ-" (USE (\\Archive))' },
    { state: 'authenticated', line: 'a10 RENAME "fz/none" {7+}\r\nfz/none' },
    { state: 'authenticated', line: 'a11 GETQUOTAROOT INBOX' },
    { state: 'authenticated', line: 'a12 COMPRESS DEFLATE', complete: false },
    {
      state: 'authenticated',
      line: 'a13 APPEND INBOX (\\Seen $Fz) "01-Jan-2024 00:00:00 +0000" {12}\r\nSubject: x\r\n',
    },
    { state: 'authenticated', line: 'a14 LSUB "" *' },
    { state: 'selected', line: 'a15 FETCH 1:* (UID FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE INTERNALDATE)' },
    {
      state: 'selected',
      line: 'a16 UID FETCH 1:3,5 (BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)] BODY.PEEK[1]<0.10>)',
    },
    { state: 'selected', line: 'a17 FETCH 2 (BINARY.PEEK[1] BODY.PEEK[2.MIME] PREVIEW) (CHANGEDSINCE 1)' },
    { state: 'selected', line: 'a18 STORE 1:2 (UNCHANGEDSINCE 99) +FLAGS.SILENT (\\Answered $Fz)' },
    { state: 'selected', line: 'a19 UID COPY 1:* Archive' },
    { state: 'selected', line: 'a20 UID MOVE 9999 Trash' },
    { state: 'selected', line: 'a21 SEARCH CHARSET UTF-8 OR SUBJECT hello NOT SEEN' },
    { state: 'selected', line: 'a22 UID SORT (REVERSE DATE) UTF-8 ALL' },
    { state: 'selected', line: 'a23 IDLE' },
    { state: 'selected', line: 'a24 UID EXPUNGE 9999' },
  ]
  test('valid commands cut at every position', async () => {
    const cases = valid.flatMap((v) => {
      const end = v.complete === false ? v.line.length - 1 : v.line.length
      // A cut right after the CR of a literal's CRLF has its own test below.
      return Array.from({ length: end + 1 }, (_, cut) => ({ ...v, cut })).filter(
        ({ cut }) => !/\}\r$/.test(v.line.slice(0, cut)),
      )
    })
    await inBatches(cases, 6, async ({ state, line, cut }) => {
      const c = await session(state)
      try {
        const prefix = line.slice(0, cut)
        // Cut inside a literal's bytes: the server rightly waits for the rest, so the probe would be
        // literal data. Send the cut and close instead; the server must just drop the connection.
        const open = /\{(\d+)\+?\}\r\n([\s\S]*)$/.exec(prefix)
        if (open && (open[2] as string).length < Number(open[1])) {
          await c.send(prefix)
          c.close()
          return
        }
        const announced = /\{(\d+)\+?\}$/.exec(prefix)
        const filler = announced ? `\r\n${'x'.repeat(Number(announced[1]))}` : ''
        // IDLE answers with a continuation and waits for DONE.
        const done = prefix === 'a23 IDLE' ? '\r\nDONE' : ''
        expectSane(`${JSON.stringify(prefix)} (${state})`, await probe(c, prefix, filler + done))
      } finally {
        c.close()
      }
    })
    await expectServerAlive()
  }, 120_000)

  // The reader (command-reader + literalAtEnd) and the parser must agree on what a literal
  // announcement is: `{7+}` followed by CR CR LF is not one (rfc9051#section-4.3: "{" number "}" CRLF),
  // so the next command must not be swallowed as its data.
  for (const [state, line] of [
    ['authenticated', 'c1 RENAME "fz/none" {7+}\r'],
    ['greeting', 'c2 LOGIN "fuzz@example.test" {13}\r'],
  ] as const) {
    test(`a stray CR after a literal announcement is BAD and the next command is answered: ${JSON.stringify(line)}`, async () => {
      const c = await session(state)
      try {
        await c.send(`${line}\r\nzz NOOP\r\n`)
        await c.until((t) => /^zz /m.test(t), 2000)
        expect(c.text).not.toContain('+ Ready for literal data')
        expect(c.text).toMatch(/^c\d BAD /m)
        expect(c.text).toMatch(/^zz OK /m)
      } finally {
        c.close()
      }
    })
  }

  test('huge literals announced', async () => {
    const announcements = [
      'h1 APPEND INBOX {99999999999}',
      'h2 APPEND INBOX {99999999999+}',
      'h3 APPEND INBOX (\\Seen) {4294967296}',
      'h4 LOGIN {1000000}',
      'h5 LOGIN {1000000+}',
      'h6 SELECT {18446744073709551616}',
      'h7 FETCH 1 BODY[]<0.99999999999999999999>',
      'h8 APPEND INBOX {1}\r\nx {99999999}',
      'h9 APPEND INBOX {00000000000000000000000005}',
      'h10 SEARCH TEXT {70000}',
    ]
    for (const state of states) {
      for (const a of announcements) {
        const c = await session(state)
        try {
          const o = await probe(c, a)
          expectSane(`${a} (${state})`, o)
          // A refused synchronizing literal is answered, never waited for.
          if (!a.endsWith('+}')) expect(o.answered || o.closed).toBe(true)
        } finally {
          c.close()
        }
      }
    }
    await expectServerAlive()
  }, 120_000)

  test('deep parentheses and brackets', async () => {
    const deep = (n: number) => '('.repeat(n)
    const inputs = [
      `d1 FETCH 1 ${deep(100_000)}`,
      `d2 FETCH 1 ${deep(30_000)}FLAGS${')'.repeat(30_000)}`,
      `d3 SEARCH ${deep(30_000)}ALL${')'.repeat(30_000)}`,
      `d4 STORE 1 +FLAGS ${deep(60_000)}`,
      `d5 LIST ${deep(60_000)}`,
      `d6 APPEND INBOX ${deep(30_000)} {1}\r\nx`,
      `d7 FETCH 1 BODY[${'['.repeat(60_000)}]`,
      `d8 STATUS INBOX ${deep(60_000)}`,
      `d9 ID ${deep(60_000)}`,
      `d10 SEARCH ${'NOT '.repeat(15_000)}ALL`,
      `d11 SEARCH ${'OR ALL '.repeat(9_000)}ALL`,
    ]
    for (const state of ['authenticated', 'selected'] as const) {
      for (const input of inputs) {
        const c = await session(state)
        try {
          expectSane(`${input.slice(0, 30)}… (${input.length} bytes, ${state})`, await probe(c, input))
        } finally {
          c.close()
        }
      }
    }
    await expectServerAlive()
  }, 120_000)

  test('long lines: over the limit is refused and closed, not buffered', async () => {
    // 64 KiB is the default line limit ([limits] max_line_length).
    for (const [name, input] of [
      ['long atom', `l1 NOOP ${'x'.repeat(200_000)}`],
      ['long quoted', `l2 SELECT "${'y'.repeat(200_000)}"`],
      ['no line break at all', 'z'.repeat(200_000)],
      ['just under the limit', `l3 NOOP ${'x'.repeat(60_000)}`],
    ] as const) {
      const c = await session('authenticated')
      try {
        expectSane(name, await probe(c, input))
      } finally {
        c.close()
      }
    }
    // Streaming without end: the server must close on its own long before 16 MB.
    const c = await session('authenticated')
    try {
      const chunk = Buffer.alloc(64 * 1024, 0x61)
      let sent = 0
      const start = Date.now()
      while (!c.closed && sent < 16 * 1024 * 1024 && Date.now() - start < caseMs) {
        await c.send(chunk)
        sent += chunk.length
      }
      await c.until(() => false, 1000)
      expect(c.closed, `still open after ${sent} bytes without a line break`).toBe(true)
      expect(c.text).toContain('* BYE')
    } finally {
      c.close()
    }
    await expectServerAlive()
  }, 60_000)
})
