/**
 * What Nix 2.8's logger does to every message it writes to stderr (filterANSIEscapes): escape
 * sequences are dropped — except colours (SGR, `ESC [ … m`) when stderr is a terminal —, CRs
 * are dropped, and a tab becomes spaces up to the next multiple of 8 columns, counting every
 * character written before it in the message (newlines included; text is UTF-8 bytes).
 */
export function filterLogMessage(s: string, keepColours: boolean): string {
  // the common case: nothing to filter
  if (!/[\x1b\t\r]/.test(s)) return s
  let out = ''
  let width = 0
  for (let i = 0; i < s.length;) {
    const c = s.charCodeAt(i)
    if (c === 0x1b) {
      const start = i++
      let final = 0
      if (s.charCodeAt(i) === 0x5b /* [ */) {
        i++
        while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x3f) i++
        while (i < s.length && s.charCodeAt(i) >= 0x20 && s.charCodeAt(i) <= 0x2f) i++
        if (i < s.length && s.charCodeAt(i) >= 0x40 && s.charCodeAt(i) <= 0x7e) final = s.charCodeAt(i++)
      } else if (i < s.length && s.charCodeAt(i) >= 0x40 && s.charCodeAt(i) <= 0x5f) i++
      if (keepColours && final === 0x6d /* m */) out += s.slice(start, i)
    } else if (c === 0x09) {
      i++
      out += ' '
      width++
      while (width % 8 !== 0) { out += ' '; width++ }
    } else if (c === 0x0d) {
      i++
    } else {
      out += s[i++]
      // a UTF-8 continuation byte takes no column of its own
      if ((c & 0xc0) !== 0x80) width++
    }
  }
  return out
}
