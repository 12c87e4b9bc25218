// Base subject for threading and SORT: rfc5256#section-2.1 (subj-leader, subj-blob, subj-trailer,
// subj-fwd). Works on decoded text (step 1 of the algorithm is done by the caller's decoding).

// rfc5256#section-5: subj-trailer = "(fwd)" / WSP
const TRAILER = /(?:\(fwd\)|[ \t])$/i
// subj-leader = (*subj-blob subj-refwd) / WSP ; subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"
const LEADER = /^(?:(?:\[[^[\]]*\][ \t]*)*(?:re|fwd?)[ \t]*(?:\[[^[\]]*\][ \t]*)?:|[ \t]+)/i
// subj-blob = "[" *BLOBCHAR "]" *WSP
const BLOB = /^\[[^[\]]*\][ \t]*/

/**
 * rfc5256#section-2.1 base subject: whitespace collapsed, "Re:", "Fwd:", "[list]" prefixes and
 * "(fwd)" trailers removed, "[fwd: ...]" unwrapped. Case is kept; compare case-insensitively.
 */
export function baseSubject(subject: string): string {
  let s = subject.replace(/[\t\r\n ]+/g, ' ') // step 1: WSP runs to one space
  for (;;) {
    // step 2: remove trailers
    for (let t = TRAILER.exec(s); t !== null; t = TRAILER.exec(s)) s = s.slice(0, t.index)
    // steps 3-5: remove leaders and blobs until nothing changes
    for (let changed = true; changed; ) {
      changed = false
      const leader = LEADER.exec(s)
      if (leader !== null && leader[0].length > 0) {
        s = s.slice(leader[0].length)
        changed = true
      }
      const blob = BLOB.exec(s)
      if (blob !== null && blob[0].length < s.length) {
        s = s.slice(blob[0].length)
        changed = true
      }
    }
    // step 6: subj-fwd-hdr "[fwd:" ... subj-fwd-trl "]"
    if (s.length >= 6 && s.slice(0, 5).toLowerCase() === '[fwd:' && s.endsWith(']')) {
      s = s.slice(5, -1)
      continue
    }
    return s
  }
}
