// A tiny SMTP-shaped line protocol used only by tests: it exercises the listener framework,
// STARTTLS, and the shared SASL module end to end, and `openssl s_client -starttls smtp` speaks it.
//   S: 220 greeting     C: EHLO x → 250 lines (AUTH only after TLS, STARTTLS while plain)
//   C: STARTTLS → 220   C: AUTH PLAIN|LOGIN [ir] → 334 challenges, then 235 / 535 / 454
//   C: WHOAMI → 250 the account, or 530   C: QUIT → 221
import { SaslError, startSasl } from '../../src/directory/sasl/mechanisms.ts'
import { type Connection, LineTooLongError } from '../../src/net/index.ts'
import type { ProtocolBinding, Services } from '../../src/server.ts'

export function authLineProtocol(services: Services): ProtocolBinding {
  return {
    onRefused: () => '421 too many connections',
    async handler(conn: Connection) {
      conn.write(`220 ${services.config.hostname} auth test service\r\n`)
      let user: string | undefined
      for (;;) {
        let line: string | null
        try {
          line = await conn.readLine()
        } catch (err) {
          if (err instanceof LineTooLongError) {
            conn.write('500 line too long\r\n')
            continue
          }
          throw err
        }
        if (line === null) return
        const [verb = '', ...rest] = line.split(' ')
        switch (verb.toUpperCase()) {
          case 'EHLO': {
            const ext = [`250-${services.config.hostname}`]
            if (conn.isTls) ext.push('250-AUTH PLAIN LOGIN')
            if (conn.canStartTls) ext.push('250-STARTTLS')
            ext.push('250 OK')
            conn.write(`${ext.join('\r\n')}\r\n`)
            break
          }
          case 'STARTTLS':
            await conn.startTls('220 ready to start TLS\r\n')
            break
          case 'AUTH':
            if (!conn.isTls) {
              conn.write('538 encryption required\r\n')
              break
            }
            user = (await authenticate(conn, services, rest[0] ?? '', rest[1])) ?? user
            break
          case 'WHOAMI':
            conn.write(user ? `250 ${user}\r\n` : '530 not authenticated\r\n')
            break
          case 'QUIT':
            conn.write('221 bye\r\n')
            await conn.close()
            return
          default:
            conn.write('502 unknown command\r\n')
        }
      }
    },
  }
}

async function authenticate(conn: Connection, services: Services, mechanism: string, ir?: string) {
  try {
    const exchange = startSasl(mechanism, ir)
    let step = exchange.start()
    while (step.type === 'challenge') {
      conn.write(`334 ${Buffer.from(step.data).toString('base64')}\r\n`)
      const response = await conn.readLine()
      if (response === null) return undefined
      step = exchange.next(response)
    }
    const outcome = await services.authenticator.authenticate(step.credentials, {
      service: conn.service,
      remoteAddress: conn.remoteAddress,
      conn: conn.id,
    })
    if (outcome.ok) {
      conn.write('235 authenticated\r\n')
      return outcome.account.email
    }
    conn.write(
      outcome.reason === 'banned' ? '454 too many failures, try later\r\n' : '535 authentication failed\r\n',
    )
  } catch (err) {
    if (!(err instanceof SaslError)) throw err
    const code =
      err.kind === 'cancelled'
        ? '501 cancelled'
        : err.kind === 'unsupported'
          ? '504 unsupported mechanism'
          : '501 malformed'
    conn.write(`${code}\r\n`)
  }
  return undefined
}
