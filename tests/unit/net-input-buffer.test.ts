// InputBuffer: line splitting, byte reads, the line-length limit, EOF and backpressure hints.

import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { InputBuffer, LineTooLongError } from '../../src/net/input-buffer.ts'

const enc = new TextEncoder()
const dec = new TextDecoder()
const bytes = (s: string) => enc.encode(s)
const text = (b: Uint8Array | null) => (b === null ? null : dec.decode(b))

function buffer(maxLineLength = 100, extra: Partial<ConstructorParameters<typeof InputBuffer>[0]> = {}) {
  return new InputBuffer({ maxLineLength, ...extra })
}

describe('lines', () => {
  test.each([
    ['CRLF', ['A1 NOOP\r\nA2 LOGOUT\r\n'], ['A1 NOOP', 'A2 LOGOUT']],
    ['bare LF', ['one\ntwo\n'], ['one', 'two']],
    ['mixed', ['one\r\ntwo\nthree\r\n'], ['one', 'two', 'three']],
    ['empty lines', ['\r\n\n'], ['', '']],
    ['CR inside a line is kept', ['a\rb\r\r\n'], ['a\rb\r']],
    ['split CRLF', ['abc\r', '\ndef', '\r\n'], ['abc', 'def']],
  ])('%s', async (_name, chunks, expected) => {
    const input = buffer()
    for (const c of chunks) input.push(bytes(c))
    for (const line of expected) expect(text(await input.readLine())).toBe(line)
  })

  test('a read waits for data and is resolved by a later push', async () => {
    const input = buffer()
    const pending = input.readLine()
    input.push(bytes('HEL'))
    input.push(bytes('O\r\n'))
    expect(text(await pending)).toBe('HELO')
  })

  test('8-bit bytes come back unchanged', async () => {
    const input = buffer()
    input.push(new Uint8Array([0x41, 0xff, 0x00, 0xc3, 0x28, 0x0d, 0x0a]))
    expect(await input.readLine()).toEqual(new Uint8Array([0x41, 0xff, 0x00, 0xc3, 0x28]))
  })

  test('any chunking of the input gives the same lines', () => {
    const lineArb = fc.array(
      fc.integer({ min: 0, max: 255 }).filter((b) => b !== 0x0a && b !== 0x0d),
      {
        maxLength: 40,
      },
    )
    return fc.assert(
      fc.asyncProperty(fc.array(lineArb, { maxLength: 10 }), fc.array(fc.nat(60)), async (lines, cuts) => {
        const whole = Uint8Array.from(lines.flatMap((l) => [...l, 0x0d, 0x0a]))
        const input = buffer(40)
        const points = [...new Set(cuts.map((c) => c % (whole.length + 1)))].sort((a, b) => a - b)
        let from = 0
        for (const p of [...points, whole.length]) {
          input.push(whole.subarray(from, p))
          from = p
        }
        input.end()
        for (const l of lines) expect(await input.readLine()).toEqual(Uint8Array.from(l))
        expect(await input.readLine()).toBeNull()
      }),
    )
  })
})

describe('byte reads', () => {
  test('readBytes across chunk boundaries, then lines continue after the literal', async () => {
    const input = buffer()
    const literal = input.readBytes(10)
    const after = input.readLine()
    input.push(bytes('0123'))
    input.push(bytes('45678'))
    input.push(bytes('9 FLAGS\r\n'))
    expect(text(await literal)).toBe('0123456789')
    expect(text(await after)).toBe(' FLAGS')
  })

  test('readBytes(0) resolves empty at once; readBytes with a bad count rejects', async () => {
    const input = buffer()
    expect(await input.readBytes(0)).toEqual(new Uint8Array(0))
    await expect(input.readBytes(-1)).rejects.toThrow(RangeError)
  })

  test('a literal may contain CR, LF and more than the line limit', async () => {
    const input = buffer(8)
    const payload = 'line one\r\nline two is long\r\n'
    input.push(bytes(payload))
    expect(text(await input.readBytes(payload.length))).toBe(payload)
  })

  test('reads are served in call order', async () => {
    const input = buffer()
    const a = input.readLine()
    const b = input.readBytes(3)
    const c = input.readLine()
    input.push(bytes('x\r\nabcy\r\n'))
    expect([text(await a), text(await b), text(await c)]).toEqual(['x', 'abc', 'y'])
  })
})

describe('line length limit', () => {
  test('a line of exactly the maximum is accepted, one byte more is not', async () => {
    const input = buffer(10)
    input.push(bytes(`${'a'.repeat(10)}\r\n${'b'.repeat(11)}\r\nnext\r\n`))
    expect(text(await input.readLine())).toBe('a'.repeat(10))
    await expect(input.readLine()).rejects.toBeInstanceOf(LineTooLongError)
    expect(text(await input.readLine())).toBe('next')
  })

  test('a long line still arriving is rejected early and skipped up to its LF', async () => {
    const input = buffer(10)
    const first = input.readLine()
    input.push(bytes('x'.repeat(8)))
    input.push(bytes('x'.repeat(8)))
    await expect(first).rejects.toThrow('line longer than 10 bytes')
    const second = input.readLine()
    input.push(bytes('x'.repeat(50)))
    input.push(bytes('xx\r\nok\r\n'))
    expect(text(await second)).toBe('ok')
    expect(input.bufferedLength).toBe(0)
  })

  test('maximum-length content whose LF has not arrived yet is not rejected', async () => {
    const input = buffer(10)
    const line = input.readLine()
    input.push(bytes(`${'a'.repeat(10)}\r`))
    input.push(bytes('\n'))
    expect(text(await line)).toBe('a'.repeat(10))
  })
})

describe('end of input', () => {
  test('complete lines are still delivered, then null; an unterminated tail is dropped', async () => {
    const input = buffer()
    input.push(bytes('QUIT\r\npartial'))
    input.end()
    expect(text(await input.readLine())).toBe('QUIT')
    expect(await input.readLine()).toBeNull()
    expect(await input.readLine()).toBeNull()
  })

  test('a pending readBytes resolves null when input ends short', async () => {
    const input = buffer()
    const literal = input.readBytes(10)
    input.push(bytes('01234'))
    input.end()
    expect(await literal).toBeNull()
  })

  test('destroy drops buffered lines', async () => {
    const input = buffer()
    input.push(bytes('one\r\n'))
    input.destroy()
    expect(await input.readLine()).toBeNull()
    input.push(bytes('two\r\n'))
    expect(await input.readLine()).toBeNull()
  })
})

describe('STARTTLS support and backpressure', () => {
  test('discardBuffered drops pipelined input, also a partly skipped long line', async () => {
    const input = buffer(10)
    input.push(bytes('STARTTLS\r\nRSET\r\nMAIL FROM'))
    expect(text(await input.readLine())).toBe('STARTTLS')
    expect(input.discardBuffered()).toBe('RSET\r\nMAIL FROM'.length)
    input.push(bytes('EHLO x\r\n'))
    expect(text(await input.readLine())).toBe('EHLO x')
    // In the middle of skipping a too-long line: the skip ends too.
    input.push(bytes('x'.repeat(20)))
    await expect(input.readLine()).rejects.toBeInstanceOf(LineTooLongError)
    input.discardBuffered()
    input.push(bytes('EHLO y\r\n'))
    expect(text(await input.readLine())).toBe('EHLO y')
  })

  test('asks to pause above the high-water mark and to resume once read', async () => {
    const calls: string[] = []
    const input = buffer(10, {
      highWaterMark: 8,
      onPause: () => calls.push('pause'),
      onResume: () => calls.push('resume'),
    })
    input.push(bytes('abc\r\n'))
    expect(calls).toEqual([])
    input.push(bytes('def\r\n'))
    expect(calls).toEqual(['pause'])
    expect(text(await input.readLine())).toBe('abc')
    expect(calls).toEqual(['pause', 'resume'])
  })
})
