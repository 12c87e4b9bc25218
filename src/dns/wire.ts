// DNS messages on the wire (RFC 1035 section 4; AAAA RFC 3596; EDNS(0) OPT RFC 6891): encode a
// query, decode a response. Pure and bounds-checked: a malformed response throws WireError.

export const RrType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
} as const
export type RrTypeName = 'A' | 'AAAA' | 'CNAME' | 'MX' | 'PTR' | 'TXT' | 'SRV'

export const Rcode = { noError: 0, formErr: 1, servFail: 2, nxDomain: 3, notImp: 4, refused: 5 } as const

export class WireError extends Error {
  override name = 'WireError'
}

/** Decoded RDATA: A/AAAA → address text, CNAME/PTR → name, MX → preference and exchange, TXT → its strings. */
export type RecordData =
  | string
  | string[]
  | { priority: number; exchange: string }
  | { priority: number; weight: number; port: number; name: string }

export interface ResourceRecord {
  name: string
  type: number
  ttl: number
  /** Undefined for types this codec does not read. */
  data: RecordData | undefined
}

export interface Response {
  id: number
  rcode: number
  /** TC: the answer did not fit; ask again over TCP (RFC 7766). */
  truncated: boolean
  isResponse: boolean
  question: { name: string; type: number } | undefined
  answers: ResourceRecord[]
}

/** A recursive query (RD) for `name`/`type` with an EDNS(0) OPT record offering `udpSize` bytes. */
export function encodeQuery(id: number, name: string, type: number, udpSize = 1232): Uint8Array {
  const qname = encodeName(name)
  const out = new Uint8Array(12 + qname.length + 4 + 11)
  const view = new DataView(out.buffer)
  view.setUint16(0, id)
  view.setUint16(2, 0x0100) // RD
  view.setUint16(4, 1) // QDCOUNT
  view.setUint16(10, 1) // ARCOUNT: the OPT record
  out.set(qname, 12)
  let at = 12 + qname.length
  view.setUint16(at, type)
  view.setUint16(at + 2, 1) // IN
  at += 4
  // OPT: root name, type 41, class = UDP payload size, TTL 0 (no DNSSEC OK), no options
  out[at] = 0
  view.setUint16(at + 1, RrType.OPT)
  view.setUint16(at + 3, udpSize)
  return out
}

/** `example.org` as length-prefixed labels; throws WireError for a label over 63 or a name over 255 bytes. */
export function encodeName(name: string): Uint8Array {
  const labels = name
    .replace(/\.$/, '')
    .split('.')
    .filter((label) => label !== '')
  const parts = labels.map((label) => new TextEncoder().encode(label))
  if (parts.some((label) => label.length > 63)) throw new WireError(`label too long in ${name}`)
  const out = new Uint8Array(parts.reduce((n, label) => n + label.length + 1, 1))
  if (out.length > 255) throw new WireError(`name too long: ${name}`)
  let at = 0
  for (const label of parts) {
    out[at++] = label.length
    out.set(label, at)
    at += label.length
  }
  return out
}

/** Decodes a whole response message; records of other sections are skipped. */
export function decodeResponse(message: Uint8Array): Response {
  const reader = new Reader(message)
  const id = reader.u16()
  const flags = reader.u16()
  const qdcount = reader.u16()
  const ancount = reader.u16()
  reader.u16() // NSCOUNT
  reader.u16() // ARCOUNT
  let question: Response['question']
  for (let i = 0; i < qdcount; i++) {
    const name = reader.name()
    const type = reader.u16()
    reader.u16()
    question ??= { name, type }
  }
  const answers: ResourceRecord[] = []
  for (let i = 0; i < ancount; i++) answers.push(reader.record())
  return {
    id,
    rcode: flags & 0x000f,
    truncated: (flags & 0x0200) !== 0,
    isResponse: (flags & 0x8000) !== 0,
    question,
    answers,
  }
}

class Reader {
  private at = 0
  private readonly view: DataView

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  private need(n: number, from = this.at): void {
    if (from + n > this.bytes.length) throw new WireError('response truncated')
  }

  u16(): number {
    this.need(2)
    const value = this.view.getUint16(this.at)
    this.at += 2
    return value
  }

  u32(): number {
    this.need(4)
    const value = this.view.getUint32(this.at)
    this.at += 4
    return value
  }

  /** A name at the cursor, following compression pointers (RFC 1035 section 4.1.4). */
  name(): string {
    const [name, end] = this.nameAt(this.at)
    this.at = end
    return name
  }

  private nameAt(start: number): [string, number] {
    const labels: string[] = []
    let at = start
    let end: number | undefined
    for (let jumps = 0; ; ) {
      this.need(1, at)
      const length = this.bytes[at] ?? 0
      if (length === 0) {
        end ??= at + 1
        break
      }
      if ((length & 0xc0) === 0xc0) {
        this.need(2, at)
        end ??= at + 2
        if (++jumps > 64) throw new WireError('compression loop')
        at = ((length & 0x3f) << 8) | (this.bytes[at + 1] ?? 0)
        continue
      }
      if (length > 63) throw new WireError('bad label')
      this.need(1 + length, at)
      labels.push(latin1(this.bytes.subarray(at + 1, at + 1 + length)))
      at += 1 + length
    }
    return [labels.join('.'), end]
  }

  record(): ResourceRecord {
    const name = this.name()
    const type = this.u16()
    this.u16() // class
    const ttl = this.u32()
    const length = this.u16()
    this.need(length)
    const start = this.at
    this.at += length
    return { name, type, ttl, data: this.rdata(type, start, length) }
  }

  private rdata(type: number, start: number, length: number): RecordData | undefined {
    const rdata = this.bytes.subarray(start, start + length)
    switch (type) {
      case RrType.A:
        if (length !== 4) throw new WireError('bad A record')
        return Array.from(rdata).join('.')
      case RrType.AAAA:
        if (length !== 16) throw new WireError('bad AAAA record')
        return formatIPv6(rdata)
      case RrType.CNAME:
      case RrType.PTR:
        return this.nameAt(start)[0]
      case RrType.MX:
        if (length < 3) throw new WireError('bad MX record')
        return { priority: this.view.getUint16(start), exchange: this.nameAt(start + 2)[0] }
      case RrType.TXT:
        return characterStrings(rdata)
      case RrType.SRV:
        // rfc2782: priority, weight, port, target
        if (length < 7) throw new WireError('bad SRV record')
        return {
          priority: this.view.getUint16(start),
          weight: this.view.getUint16(start + 2),
          port: this.view.getUint16(start + 4),
          name: this.nameAt(start + 6)[0],
        }
      default:
        return undefined
    }
  }
}

/** TXT RDATA: one or more length-prefixed character-strings (RFC 1035 section 3.3.14). */
function characterStrings(rdata: Uint8Array): string[] {
  const strings: string[] = []
  for (let at = 0; at < rdata.length; ) {
    const length = rdata[at] ?? 0
    if (at + 1 + length > rdata.length) throw new WireError('bad TXT record')
    strings.push(latin1(rdata.subarray(at + 1, at + 1 + length)))
    at += 1 + length
  }
  return strings
}

/** Bytes as one char each, as node:dns gives TXT and names (mail's records are ASCII). */
function latin1(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes)
}

/** RFC 5952 text: lower case, no leading zeros, the first longest run of two or more zero groups as `::`. */
export function formatIPv6(bytes: Uint8Array): string {
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0))
  let bestStart = -1
  let bestLength = 1
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i]
    i = j
  }
  const hex = groups.map((group) => group.toString(16))
  if (bestStart < 0) return hex.join(':')
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`
}
