// Command framing (literal announcements and what to do with them) and the session state table.

import { describe, expect, test } from 'bun:test'
import {
  COMMAND_STATES,
  type CommandName,
  decideLiteral,
  isCommandAllowed,
  LITERAL_MINUS_MAX,
  type LiteralPolicy,
  literalAtEnd,
  tryReadTag,
} from '../../src/imap/proto/index.ts'

const enc = new TextEncoder()
const at = (line: string) => literalAtEnd(enc.encode(line))

describe('literalAtEnd', () => {
  test.each([
    ['a LOGIN {5}', { size: 5, nonSync: false, binary: false }],
    ['a LOGIN {5}\r\n', { size: 5, nonSync: false, binary: false }],
    ['a LOGIN joe {12+}', { size: 12, nonSync: true, binary: false }],
    ['a APPEND INBOX ~{300}', { size: 300, nonSync: false, binary: true }],
    ['a APPEND INBOX UTF8 (~{0+}', { size: 0, nonSync: true, binary: true }],
    ['{007}', { size: 7, nonSync: false, binary: false }],
  ])('%j', (line, expected) => {
    expect(at(line)).toEqual(expected)
  })

  test.each([
    'a NOOP',
    '',
    '}',
    '{}',
    '{+}',
    'a LOGIN {5',
    'a LOGIN 5}',
    'a LOGIN {5 }',
    'a LOGIN {-5}',
    'a LOGIN {5}x',
    '{5}}',
  ])('%j has no literal', (line) => {
    expect(at(line)).toBeNull()
  })

  test('absurd sizes come back as Infinity, so any limit rejects them', () => {
    expect(at(`a {${'9'.repeat(400)}}`)?.size).toBe(Number.POSITIVE_INFINITY)
  })
})

describe('tryReadTag', () => {
  test.each([
    ['a1 APPEND INBOX {99999}', 'a1'],
    ['x]y LOGIN {5}', 'x]y'],
    ['a1', undefined],
    [' a1 LOGIN', undefined],
    ['* LOGIN', undefined],
    ['a+b LOGIN', undefined],
  ])('%j → %j', (line, tag) => {
    expect(tryReadTag(enc.encode(line))).toBe(tag)
  })
})

describe('decideLiteral', () => {
  const rev1: LiteralPolicy = { literalPlus: false, literalMinus: false, binary: false, maxSize: 1_000_000 }
  const minus: LiteralPolicy = { ...rev1, literalMinus: true, binary: true }
  const plus: LiteralPolicy = { ...minus, literalPlus: true }

  test('synchronizing literals get a continuation', () => {
    expect(decideLiteral({ size: 10, nonSync: false, binary: false }, rev1)).toEqual({ action: 'continue' })
  })

  test('LITERAL- accepts non-synchronizing literals up to 4096 bytes (rfc7888#section-4)', () => {
    expect(decideLiteral({ size: LITERAL_MINUS_MAX, nonSync: true, binary: false }, minus)).toEqual({
      action: 'read',
    })
    expect(decideLiteral({ size: LITERAL_MINUS_MAX + 1, nonSync: true, binary: false }, minus)).toEqual({
      action: 'reject',
      message: 'non-synchronizing literal larger than 4096 bytes',
      responseCode: 'TOOBIG',
      bytesFollow: true,
    })
    expect(decideLiteral({ size: 100_000, nonSync: true, binary: false }, plus)).toEqual({ action: 'read' })
  })

  test('non-synchronizing literals without LITERAL+/-, literal8 without BINARY, and too large literals', () => {
    expect(decideLiteral({ size: 1, nonSync: true, binary: false }, rev1)).toMatchObject({
      action: 'reject',
      responseCode: 'CLIENTBUG',
      bytesFollow: true,
    })
    expect(decideLiteral({ size: 1, nonSync: false, binary: true }, rev1)).toMatchObject({
      action: 'reject',
      bytesFollow: false,
    })
    expect(decideLiteral({ size: 2_000_000, nonSync: false, binary: false }, plus)).toEqual({
      action: 'reject',
      message: 'literal too large',
      responseCode: 'TOOBIG',
      bytesFollow: false,
    })
    expect(
      decideLiteral({ size: Number.POSITIVE_INFINITY, nonSync: true, binary: false }, plus),
    ).toMatchObject({
      action: 'reject',
      bytesFollow: true,
    })
  })
})

describe('state table', () => {
  test.each<[CommandName, string[]]>([
    ['CAPABILITY', ['notAuthenticated', 'authenticated', 'selected']],
    ['NOOP', ['notAuthenticated', 'authenticated', 'selected']],
    ['LOGOUT', ['notAuthenticated', 'authenticated', 'selected']],
    ['ID', ['notAuthenticated', 'authenticated', 'selected']],
    ['STARTTLS', ['notAuthenticated']],
    ['AUTHENTICATE', ['notAuthenticated']],
    ['LOGIN', ['notAuthenticated']],
    ['ENABLE', ['authenticated']],
    ['SELECT', ['authenticated', 'selected']],
    ['APPEND', ['authenticated', 'selected']],
    ['IDLE', ['authenticated', 'selected']],
    ['UNAUTHENTICATE', ['authenticated', 'selected']],
    ['FETCH', ['selected']],
    ['UNSELECT', ['selected']],
    ['SORT', ['selected']],
  ])('%s', (name, states) => {
    for (const state of ['notAuthenticated', 'authenticated', 'selected', 'logout'] as const) {
      expect(isCommandAllowed(name, state)).toBe(states.includes(state))
    }
  })

  test('every command has an entry and none is valid in the logout state', () => {
    expect(Object.keys(COMMAND_STATES)).toHaveLength(37)
    for (const states of Object.values(COMMAND_STATES)) {
      expect(states.length).toBeGreaterThan(0)
      expect(states).not.toContain('logout')
    }
  })
})
