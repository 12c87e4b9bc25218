// Date header parsing: rfc5322#section-3.3 date-time with the obsolete forms of section 4.3
// (2- and 3-digit years, named zones), for JMAP sentAt (rfc8621#section-4.1.2.5 Date form).

/** rfc5322 date-time in UTC, e.g. "Sun, 29 Nov 2026 03:04:05 +0000". */
export function rfc5322Date(at: Date | number): string {
  return (typeof at === 'number' ? new Date(at) : at).toUTCString().replace('GMT', '+0000')
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']

// rfc5322#section-4.3 obs-zone: UT/GMT, US zones; military letters count as unknown (-0000)
const ZONES: Record<string, number> = {
  ut: 0,
  utc: 0,
  gmt: 0,
  z: 0,
  edt: -4 * 60,
  est: -5 * 60,
  cdt: -5 * 60,
  cst: -6 * 60,
  mdt: -6 * 60,
  mst: -7 * 60,
  pdt: -7 * 60,
  pst: -8 * 60,
}

// asctime(3) form, still found in old mail: "Sat Sep 21 08:18:08 2002"
const ASCTIME_RE = /^\s*[a-z]{3}\s+([a-z]{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})\s+(\d{4})\s*$/i

const DATE_RE =
  /^\s*(?:[a-z]+\s*,?\s*)?(\d{1,2})[\s-]+([a-z]{3})[a-z]*\.?[\s-]+(\d{2,4})\s+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?(?:\.\d+)?\s*([+-]\d{4}|[+-]\d{2}:?\d{2}|[a-z]{1,5})?/i

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0')
}

/** rfc5322#section-4.3 obs-year: 2-digit years 50-99 are 19xx, 00-49 are 20xx; 3+ digits below
 * 1000 (such as "0102" from old Y2K bugs) add 1900. */
function fullYear(y: string): number {
  const n = Number(y)
  if (y.length === 2) return n < 50 ? 2000 + n : 1900 + n
  return n < 1000 ? 1900 + n : n
}

function zoneMinutes(zone: string | undefined): number {
  if (zone === undefined) return 0
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)
  if (m) return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]))
  return ZONES[zone.toLowerCase()] ?? 0
}

/**
 * Parses a Date header value (comments allowed) into an RFC 3339 date-time that keeps the sender's
 * offset, e.g. "2002-08-22T18:26:25+07:00" ("Z" for UTC), or null when it is not a valid date.
 */
export function parseDate(value: string): string | null {
  const text = value.replace(/\([^()]*\)/g, ' ')
  const a = ASCTIME_RE.exec(text)
  const m = a === null ? DATE_RE.exec(text) : [a[0], a[2], a[1], a[6], a[3], a[4], a[5], undefined]
  if (m === null) return null
  const day = Number(m[1])
  const month = MONTHS.indexOf((m[2] as string).toLowerCase())
  const year = fullYear(m[3] as string)
  const hour = Number(m[4])
  const minute = Number(m[5])
  const second = m[6] === undefined ? 0 : Number(m[6])
  if (month < 0 || hour > 23 || minute > 59 || second > 60) return null
  const probe = new Date(Date.UTC(year, month, day))
  if (probe.getUTCDate() !== day || probe.getUTCMonth() !== month || year < 1000 || year > 9999) return null
  const offset = zoneMinutes(m[7])
  const zone =
    offset === 0
      ? 'Z'
      : `${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`
  return `${pad(year, 4)}-${pad(month + 1)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(Math.min(second, 59))}${zone}`
}
