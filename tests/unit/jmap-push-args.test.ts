// The EventSource query parameters (rfc8620#section-7.3) and the push type selection shared with
// WebSocketPushEnable's dataTypes (rfc8887#section-4.3.5.2).
import { describe, expect, test } from 'bun:test'
import {
  type EventSourceArgs,
  maxPingSeconds,
  minPingSeconds,
  parseEventSourceArgs,
} from '../../src/jmap/push/event-source.ts'
import { allPushTypes, parsePushState, selectTypes } from '../../src/jmap/push/state-change.ts'

const parse = (query: string) => parseEventSourceArgs(new URLSearchParams(query))

describe('parseEventSourceArgs', () => {
  test.each<[string, EventSourceArgs]>([
    ['types=*&closeafter=no&ping=0', { types: allPushTypes, closeAfterState: false, pingSeconds: 0 }],
    ['types=Email&closeafter=state&ping=60', { types: ['Email'], closeAfterState: true, pingSeconds: 60 }],
    // Clamped into [min, max]; the ping event reports the interval in use.
    [
      'types=Email&closeafter=no&ping=1',
      { types: ['Email'], closeAfterState: false, pingSeconds: minPingSeconds },
    ],
    [
      'types=Email&closeafter=no&ping=100000',
      { types: ['Email'], closeAfterState: false, pingSeconds: maxPingSeconds },
    ],
    // closeafter and ping default to "no" and 0 when a client leaves them out.
    ['types=Mailbox,Email', { types: ['Mailbox', 'Email'], closeAfterState: false, pingSeconds: 0 }],
    // Unknown names (another server's types) are ignored; the order is the server's.
    [
      'types=Email,CalendarEvent,Mailbox',
      { types: ['Mailbox', 'Email'], closeAfterState: false, pingSeconds: 0 },
    ],
  ])('%s', (query, expected) => {
    expect(parse(query)).toEqual(expected)
  })

  test.each([
    'closeafter=no&ping=0',
    'types=&ping=0',
    'types=*&closeafter=yes',
    'types=*&closeafter=STATE',
    'types=*&ping=-5',
    'types=*&ping=1.5',
    'types=*&ping=',
    'types=*&ping=9999999999',
  ])('%s is refused with a reason', (query) => {
    expect(typeof parse(query)).toBe('string')
  })

  test('the limits keep to rfc8620: minimum at most 30 s, maximum at least 300 s', () => {
    expect(minPingSeconds).toBeLessThanOrEqual(30)
    expect(maxPingSeconds).toBeGreaterThanOrEqual(300)
  })
})

describe('selectTypes and parsePushState', () => {
  test('null and "*" select every type; otherwise the known names given', () => {
    expect(selectTypes(null)).toEqual(allPushTypes)
    expect(selectTypes(['*'])).toEqual(allPushTypes)
    expect(selectTypes([])).toEqual([])
    expect(selectTypes(['EmailDelivery', 'Nope'])).toEqual(['EmailDelivery'])
    expect(allPushTypes).toEqual([
      'Mailbox',
      'Email',
      'Thread',
      'EmailDelivery',
      'Identity',
      'EmailSubmission',
    ])
  })

  test('a pushState is the decimal modseq; anything else is unusable', () => {
    expect(parsePushState('0')).toBe(0)
    expect(parsePushState('42')).toBe(42)
    for (const bad of ['', '01', '-1', '1e3', 'abc', 42, null, undefined])
      expect(parsePushState(bad)).toBeUndefined()
  })
})
