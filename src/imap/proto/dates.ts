// IMAP dates: `date` for SEARCH (1-Jan-2024) and `date-time` for APPEND and INTERNALDATE
// ("01-Jan-2024 10:00:00 +0100"), rfc9051#section-9, with calendar validation.
import type { Reader } from './tokenizer.ts'

/** A calendar day without time or zone; SEARCH compares dates this way (rfc9051#section-6.4.4). */
export interface CalendarDate {
  year: number
  /** 1-12 */
  month: number
  /** 1-31 */
  day: number
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC']
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

function readDigits(reader: Reader, min: number, max: number, what: string): number {
  let value = 0
  let count = 0
  while (count < max) {
    const b = reader.peek()
    if (b < 0x30 || b > 0x39) break
    value = value * 10 + (b - 0x30)
    reader.pos++
    count++
  }
  if (count < min) reader.fail(`invalid ${what}`)
  return value
}

/** date-text = date-day "-" date-month "-" date-year; date-day = 1*2DIGIT (rfc9051#section-9). */
function readDateText(reader: Reader, allowSpaceDay: boolean): CalendarDate {
  if (allowSpaceDay) reader.trySpace() // date-day-fixed = (SP DIGIT) / 2DIGIT
  const day = readDigits(reader, 1, 2, 'day in date')
  reader.expectByte(0x2d, '"-" in date')
  const monthText = reader.input.subarray(reader.pos, reader.pos + 3)
  const month = MONTHS.indexOf(String.fromCharCode(...monthText).toUpperCase()) + 1
  if (month === 0) reader.fail('invalid month in date')
  reader.pos += 3
  reader.expectByte(0x2d, '"-" in date')
  const year = readDigits(reader, 4, 4, 'year in date')
  if (day < 1 || day > daysInMonth(year, month)) reader.fail('invalid day in date')
  return { year, month, day }
}

/** date = date-text / DQUOTE date-text DQUOTE (rfc9051#section-9). */
export function readDate(reader: Reader): CalendarDate {
  const quoted = reader.tryByte(0x22)
  const date = readDateText(reader, false)
  if (quoted) reader.expectByte(0x22, 'closing quote of date')
  return date
}

/**
 * date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE
 * (rfc9051#section-9), as epoch milliseconds. A one-digit day without the leading space is
 * accepted too, as several clients send it.
 */
export function readDateTime(reader: Reader): number {
  reader.expectByte(0x22, 'a quoted date-time')
  const { year, month, day } = readDateText(reader, true)
  reader.space()
  const hour = readDigits(reader, 2, 2, 'hour in date-time')
  reader.expectByte(0x3a, '":" in time')
  const minute = readDigits(reader, 2, 2, 'minute in date-time')
  reader.expectByte(0x3a, '":" in time')
  const second = readDigits(reader, 2, 2, 'second in date-time')
  if (hour > 23 || minute > 59 || second > 60) reader.fail('invalid time in date-time')
  reader.space()
  const sign = reader.peek()
  if (sign !== 0x2b && sign !== 0x2d) reader.fail('invalid zone in date-time')
  reader.pos++
  const zone = readDigits(reader, 4, 4, 'zone in date-time')
  const zoneMinutes = Math.floor(zone / 100) * 60 + (zone % 100)
  if (zone % 100 > 59 || zoneMinutes > 24 * 60) reader.fail('invalid zone in date-time')
  reader.expectByte(0x22, 'closing quote of date-time')
  const local = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59))
  return local - (sign === 0x2d ? -zoneMinutes : zoneMinutes) * 60_000
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0')
}

/**
 * Formats epoch milliseconds as an IMAP date-time without the quotes, "01-Jan-2024 10:00:00 +0000",
 * in the zone `offsetMinutes` east of UTC (for INTERNALDATE, rfc9051#section-7.5.2).
 */
export function formatDateTime(ms: number, offsetMinutes = 0): string {
  const d = new Date(ms + offsetMinutes * 60_000)
  const sign = offsetMinutes < 0 ? '-' : '+'
  const abs = Math.abs(offsetMinutes)
  const zone = `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
  const date = `${pad(d.getUTCDate())}-${MONTH_NAMES[d.getUTCMonth()]}-${pad(d.getUTCFullYear(), 4)}`
  return `${date} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${zone}`
}

/** Formats a calendar date as IMAP `date-text`, "1-Jan-2024". */
export function formatDate(date: CalendarDate): string {
  return `${date.day}-${MONTH_NAMES[date.month - 1]}-${pad(date.year, 4)}`
}
