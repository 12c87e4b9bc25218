import { expect, test } from 'bun:test'
import { createCachingResolver, createMockResolver } from '../../src/dns/index.ts'

test('answers and "no record" are reused for the TTL; temporary failures are not', async () => {
  let t = 0
  const mock = createMockResolver({ 'a.test': { TXT: [['v=spf1 -all']] }, 'gone.test': { A: ['192.0.2.1'] } })
  const cached = createCachingResolver(mock, { ttlMs: 1000, now: () => t })
  const count = () => mock.queries.length
  expect(await cached.resolveTxt('a.test')).toEqual([['v=spf1 -all']])
  expect(await cached.resolveTxt('A.TEST')).toEqual([['v=spf1 -all']])
  expect(count()).toBe(1)
  await expect(cached.resolveTxt('gone.test')).rejects.toMatchObject({ code: 'ENODATA' })
  await expect(cached.resolveTxt('gone.test')).rejects.toMatchObject({ code: 'ENODATA' })
  expect(count()).toBe(2)
  mock.failTemporarily('flaky.test')
  await expect(cached.resolveTxt('flaky.test')).rejects.toMatchObject({ code: 'ESERVFAIL' })
  await expect(cached.resolveTxt('flaky.test')).rejects.toMatchObject({ code: 'ESERVFAIL' })
  expect(count()).toBe(4)
  t = 1001
  await cached.resolveTxt('a.test')
  expect(count()).toBe(5)
  const [x, y] = await Promise.all([
    cached.resolveMx('a.test').catch((e) => e.code),
    cached.resolveMx('a.test').catch((e) => e.code),
  ])
  expect([x, y]).toEqual(['ENODATA', 'ENODATA'])
  expect(count()).toBe(6)
})
