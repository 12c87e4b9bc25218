// dmarcDisposition: the sender's DMARC policy (RFC 7489 section 6.3) against our configured
// handling of p=reject failures.
import { describe, expect, test } from 'bun:test'
import {
  type DmarcDisposition,
  type DmarcPolicy,
  type DmarcRejectPolicy,
  type DmarcResult,
  dmarcDisposition,
} from '../../src/mailauth/index.ts'

const cases: [DmarcResult, DmarcPolicy | undefined, DmarcRejectPolicy, DmarcDisposition][] = [
  ['fail', 'reject', 'reject', 'reject'],
  ['fail', 'reject', 'quarantine', 'quarantine'],
  ['fail', 'reject', 'accept', 'accept'],
  ['fail', 'quarantine', 'reject', 'quarantine'],
  ['fail', 'quarantine', 'quarantine', 'quarantine'],
  ['fail', 'quarantine', 'accept', 'accept'],
  ['fail', 'none', 'reject', 'accept'],
  ['fail', undefined, 'reject', 'accept'],
  ['pass', 'reject', 'reject', 'accept'],
  ['none', undefined, 'reject', 'accept'],
  ['temperror', 'reject', 'reject', 'accept'],
  ['permerror', undefined, 'reject', 'accept'],
]

describe('dmarcDisposition', () => {
  test.each(cases)('dmarc=%s p=%s, configured %s → %s', (result, policy, configured, expected) => {
    expect(dmarcDisposition({ dmarc: { result, policy } }, configured)).toBe(expected)
  })

  test('the configured policy defaults to reject', () => {
    expect(dmarcDisposition({ dmarc: { result: 'fail', policy: 'reject' } })).toBe('reject')
  })
})
