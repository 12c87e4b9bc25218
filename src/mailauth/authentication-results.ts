// Writing the Authentication-Results header field (RFC 8601 section 2.2) from resinfo entries
// such as `spf=pass smtp.mailfrom=…`: one entry per line, each folded (RFC 5322 section 2.2.3).

import libmime from 'libmime'

/** RFC 5322 section 2.1.1: lines SHOULD stay within 78 characters. */
const foldAt = 78

/**
 * `Authentication-Results: <authservId>;` and the entries, separated by `;`, each on its own
 * folded line; ends with CRLF, ready to prepend. With no entries it says `none` (RFC 8601
 * section 2.2: no authentication was done).
 */
export function formatAuthenticationResults(authservId: string, resinfos: readonly string[]): string {
  const entries = resinfos.length > 0 ? resinfos : ['none']
  const folded = entries.map((entry) =>
    libmime.foldLines(entry.replace(/[ \t]*\r?\n[ \t]*/g, ' ').trim(), foldAt),
  )
  return `Authentication-Results: ${formatAuthservId(authservId)};\r\n ${folded.join(';\r\n ')}\r\n`
}

/** A host name is a token as it is; anything else becomes a quoted-string (RFC 8601 section 2.2, RFC 2045 token). */
function formatAuthservId(id: string): string {
  if (/^[A-Za-z0-9!#$%&'*+.^_`{|}~-]+$/.test(id)) return id
  return `"${id.replace(/[\\"]/g, '\\$&').replace(/[\r\n]/g, '')}"`
}

/** A header field text ending with exactly one CRLF (mailauth's Received-SPF has none). */
export function endWithCrlf(field: string): string {
  return `${field.replace(/(\r?\n)+$/, '')}\r\n`
}
