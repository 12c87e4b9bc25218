// One DNS question to one server: UDP first, TCP when the answer is truncated (RFC 1035 section
// 4.2, RFC 7766). Each query has a fresh socket (random source port) and a random ID, and only a
// reply from that server with that ID and question is taken (RFC 5452 section 9.1).

import dgram from 'node:dgram'
import net, { isIPv6 } from 'node:net'
import { DnsError } from './types.ts'
import { decodeResponse, encodeQuery, type Response, WireError } from './wire.ts'

export interface DnsServer {
  host: string
  port: number
}

/**
 * Asks `server` for `name`/`type` and returns its decoded response, whatever its rcode. Rejects
 * with DnsError ETIMEOUT after `timeoutMs` (per transport), ECONNREFUSED when the server is not
 * listening, ESERVFAIL when the response cannot be read.
 */
export async function exchange(
  server: DnsServer,
  name: string,
  type: number,
  timeoutMs: number,
): Promise<Response> {
  const id = crypto.getRandomValues(new Uint16Array(1))[0] ?? 0
  const query = encodeQuery(id, name, type)
  const accept = (message: Uint8Array): Response | undefined => {
    let response: Response
    try {
      response = decodeResponse(message)
    } catch (err) {
      if (err instanceof WireError) return undefined // not an answer we can read: keep waiting
      throw err
    }
    const q = response.question
    const matches = q && q.type === type && q.name.toLowerCase() === name.replace(/\.$/, '').toLowerCase()
    return response.isResponse && response.id === id && matches ? response : undefined
  }
  const fail = (code: 'ETIMEOUT' | 'ECONNREFUSED' | 'ESERVFAIL') => new DnsError(code, name, rrtypeName(type))
  const udp = await overUdp(server, query, accept, timeoutMs, fail)
  if (!udp.truncated) return udp
  return overTcp(server, query, accept, timeoutMs, fail)
}

type Accept = (message: Uint8Array) => Response | undefined
type Fail = (code: 'ETIMEOUT' | 'ECONNREFUSED' | 'ESERVFAIL') => DnsError

function overUdp(server: DnsServer, query: Uint8Array, accept: Accept, timeoutMs: number, fail: Fail) {
  return new Promise<Response>((resolve, reject) => {
    const socket = dgram.createSocket(isIPv6(server.host) ? 'udp6' : 'udp4')
    let done = false
    const finish = (settle: () => void) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.removeAllListeners('message')
      socket.on('error', () => {})
      socket.close()
      settle()
    }
    const timer = setTimeout(() => finish(() => reject(fail('ETIMEOUT'))), timeoutMs)
    socket.on('error', (err: NodeJS.ErrnoException) =>
      finish(() => reject(err.code === 'ECONNREFUSED' ? fail('ECONNREFUSED') : fail('ESERVFAIL'))),
    )
    socket.on('message', (message) => {
      const response = accept(message)
      if (response) finish(() => resolve(response))
    })
    // a connected socket takes datagrams from the server only, and reports ICMP "port unreachable"
    socket.connect(server.port, server.host, () => socket.send(query))
  })
}

function overTcp(server: DnsServer, query: Uint8Array, accept: Accept, timeoutMs: number, fail: Fail) {
  return new Promise<Response>((resolve, reject) => {
    const socket = net.connect({ host: server.host, port: server.port })
    let pending = Buffer.alloc(0)
    let done = false
    const finish = (settle: () => void) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.removeAllListeners('data')
      socket.on('error', () => {})
      socket.destroy()
      settle()
    }
    const timer = setTimeout(() => finish(() => reject(fail('ETIMEOUT'))), timeoutMs)
    socket.on('error', (err: NodeJS.ErrnoException) =>
      finish(() => reject(err.code === 'ECONNREFUSED' ? fail('ECONNREFUSED') : fail('ESERVFAIL'))),
    )
    socket.on('close', () => finish(() => reject(fail('ESERVFAIL'))))
    socket.on('connect', () => {
      const length = Buffer.alloc(2)
      length.writeUInt16BE(query.length)
      socket.write(Buffer.concat([length, query]))
    })
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk])
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const message = pending.subarray(2, 2 + pending.readUInt16BE(0))
        pending = pending.subarray(2 + message.length)
        const response = accept(message)
        if (response) return finish(() => resolve(response))
      }
    })
  })
}

const typeNames: Record<number, string> = {
  1: 'A',
  5: 'Cname',
  12: 'Ptr',
  15: 'Mx',
  16: 'Txt',
  28: 'Aaaa',
  33: 'Srv',
}

/** node:dns's spelling in messages: queryTxt, queryMx … */
export function rrtypeName(type: number): string {
  return typeNames[type] ?? String(type)
}
