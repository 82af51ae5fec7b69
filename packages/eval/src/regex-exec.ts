/**
 * The matcher behind `builtins.match` and `builtins.split`: libstdc++'s depth-first (backtracking)
 * regex executor in POSIX mode, run over the NFA from regex-compile.ts, plus the loops of
 * `std::regex_match`, `std::regex_search` and `std::regex_iterator` (GCC 12).
 *
 * POSIX mode is what makes it differ from JS: at an alternative both sides are explored and an
 * accepting path is recorded only if it ends strictly further than the best so far (the first of
 * equally long ones wins); a greedy repeat tries one more iteration first and skips its exit when
 * that already produced a solution; captures are never reset between iterations; a repeat may be
 * re-entered at the same position only twice (libstdc++'s guard against empty loops).
 *
 * The C++ executor is recursive with undo-on-return; here it is a loop over an explicit stack of
 * tasks (visit a state, or undo one change), so long inputs cannot overflow the JS stack.
 */
import { OP, type RegexProgram } from './regex-compile.js'

// Task kinds on the explicit stack; each task takes 4 slots: kind, a, b, c.
const VISIT = 0
const REPEAT_NEXT = 1
const REP_RESTORE = 2
const REP_DEC = 3
const FIRST_RESTORE = 4
const END_RESTORE = 5
const CUR_RESTORE = 6
const ALT_SECOND = 7
const ALT_OR = 8

/** One match: per group (0 = whole), start and end offsets, -1 when the group did not match. */
export interface RegexMatch {
  readonly starts: Int32Array
  readonly ends: Int32Array
}

/** libstdc++'s _Executor<…, __dfs_mode = true> for one subject string. */
export class Executor {
  private readonly p: RegexProgram
  private readonly text: string
  private readonly end: number
  private readonly repPos: Int32Array
  private readonly repCnt: Int32Array
  private readonly curFirst: Int32Array
  private readonly curSecond: Int32Array
  private readonly curMatched: Uint8Array
  /** The results (`_M_results`). */
  readonly resFirst: Int32Array
  readonly resSecond: Int32Array
  readonly resMatched: Uint8Array
  private stack: Int32Array = new Int32Array(256)

  constructor(p: RegexProgram, text: string) {
    this.p = p
    this.text = text
    this.end = text.length
    const n = p.op.length
    this.repPos = new Int32Array(n)
    this.repCnt = new Int32Array(n)
    const g = p.groups
    this.curFirst = new Int32Array(g)
    this.curSecond = new Int32Array(g)
    this.curMatched = new Uint8Array(g)
    this.resFirst = new Int32Array(g)
    this.resSecond = new Int32Array(g)
    this.resMatched = new Uint8Array(g)
  }

  /** `_M_main` in DFS mode from `begin`: exact = regex_match, else a prefix match (search step). */
  main(begin: number, exact: boolean, notNull: boolean, prevAvail: boolean): boolean {
    const { op, next, alt, arg, sets } = this.p
    const { text, end, repPos, repCnt, curFirst, curSecond, curMatched } = this
    curFirst.set(this.resFirst)
    curSecond.set(this.resSecond)
    curMatched.set(this.resMatched)
    let hasSol = false
    let solPos = -1
    let cur = begin
    let st: Int32Array = this.stack
    let sp = 0
    st[0] = VISIT
    st[1] = this.p.start
    sp = 4
    while (sp > 0) {
      // each step below pushes at most two tasks
      if (sp + 8 > st.length) st = this.grow()
      sp -= 4
      const kind = st[sp]!
      const a = st[sp + 1]!
      switch (kind) {
        case VISIT: {
          let s = a
          visit: for (;;) {
            if (sp + 8 > st.length) st = this.grow()
            switch (op[s]) {
              case OP.repeat:
                // greedy: one more iteration first, then (unless solved) the exit
                st[sp] = REPEAT_NEXT
                st[sp + 1] = s
                sp += 4
                if (repCnt[s] === 0 || repPos[s] !== cur) {
                  st[sp] = REP_RESTORE
                  st[sp + 1] = s
                  st[sp + 2] = repPos[s]!
                  st[sp + 3] = repCnt[s]!
                  sp += 4
                  repPos[s] = cur
                  repCnt[s] = 1
                  s = alt[s]!
                  continue
                }
                if (repCnt[s]! < 2) {
                  st[sp] = REP_DEC
                  st[sp + 1] = s
                  sp += 4
                  repCnt[s]!++
                  s = alt[s]!
                  continue
                }
                break visit
              case OP.subBegin: {
                const g = arg[s]!
                st[sp] = FIRST_RESTORE
                st[sp + 1] = g
                st[sp + 2] = curFirst[g]!
                sp += 4
                curFirst[g] = cur
                s = next[s]!
                continue
              }
              case OP.subEnd: {
                const g = arg[s]!
                st[sp] = END_RESTORE
                st[sp + 1] = g
                st[sp + 2] = curSecond[g]!
                st[sp + 3] = curMatched[g]!
                sp += 4
                curSecond[g] = cur
                curMatched[g] = 1
                s = next[s]!
                continue
              }
              case OP.lineBegin:
                if (cur === begin && !prevAvail) {
                  s = next[s]!
                  continue
                }
                break visit
              case OP.lineEnd:
                if (cur === end) {
                  s = next[s]!
                  continue
                }
                break visit
              case OP.match:
                if (cur < end && sets[arg[s]!]![text.charCodeAt(cur)] === 1) {
                  st[sp] = CUR_RESTORE
                  st[sp + 1] = cur
                  sp += 4
                  cur++
                  s = next[s]!
                  continue
                }
                break visit
              case OP.accept: {
                let ok = exact ? cur === end : true
                if (cur === begin && notNull) ok = false
                hasSol = ok
                // POSIX: keep the first of the longest solutions
                if (ok && (solPos === -1 || solPos - begin < cur - begin)) {
                  solPos = cur
                  this.resFirst.set(curFirst)
                  this.resSecond.set(curSecond)
                  this.resMatched.set(curMatched)
                }
                break visit
              }
              case OP.alternative:
                // POSIX: try both sides (left first) and merge
                st[sp] = ALT_SECOND
                st[sp + 1] = s
                sp += 4
                s = alt[s]!
                continue
              default:
                break visit
            }
          }
          break
        }
        case REPEAT_NEXT:
          if (!hasSol) {
            st[sp] = VISIT
            st[sp + 1] = next[a]!
            sp += 4
          }
          break
        case REP_RESTORE:
          repPos[a] = st[sp + 2]!
          repCnt[a] = st[sp + 3]!
          break
        case REP_DEC:
          repCnt[a]!--
          break
        case FIRST_RESTORE:
          curFirst[a] = st[sp + 2]!
          break
        case END_RESTORE:
          curSecond[a] = st[sp + 2]!
          curMatched[a] = st[sp + 3]!
          break
        case CUR_RESTORE:
          cur = a
          break
        case ALT_SECOND: {
          const had = hasSol ? 1 : 0
          hasSol = false
          st[sp] = ALT_OR
          st[sp + 1] = had
          sp += 4
          st[sp] = VISIT
          st[sp + 1] = next[a]!
          sp += 4
          break
        }
        case ALT_OR:
          if (a === 1) hasSol = true
          break
      }
    }
    return hasSol
  }

  private grow(): Int32Array {
    const bigger = new Int32Array(this.stack.length * 2)
    bigger.set(this.stack)
    this.stack = bigger
    return bigger
  }

  private resetResults(): void {
    this.resFirst.fill(-1)
    this.resSecond.fill(-1)
    this.resMatched.fill(0)
  }

  /** `regex_match`. */
  matchWhole(): boolean {
    this.resetResults()
    return this.main(0, true, false, false)
  }

  /** `regex_search` from `from` with the given match flags. */
  search(from: number, notNull: boolean, continuous: boolean, prevAvail: boolean): boolean {
    this.resetResults()
    const { firstBytes, nullable } = this.p
    const { text, end } = this
    // Where no match can be empty, a start whose byte cannot begin a match is skipped: the
    // executor would find no accepting path there, so the answer is unchanged.
    const mayStart = (b: number): boolean => nullable || (b < end && firstBytes[text.charCodeAt(b)] === 1)
    let b = from
    if (mayStart(b) && this.main(b, false, notNull, prevAvail)) return true
    if (continuous) return false
    while (b < end) {
      b++
      if (mayStart(b) && this.main(b, false, notNull, true)) return true
    }
    return false
  }

  /** The captures of the last success, groups 1.. (null for a group that did not match). */
  captures(): (string | null)[] {
    const out: (string | null)[] = []
    for (let g = 1; g < this.p.groups; g++) {
      out.push(this.resMatched[g] === 1 ? this.text.slice(this.resFirst[g], this.resSecond[g]) : null)
    }
    return out
  }
}

/** What `builtins.split` returns: non-matched text and capture lists, alternating. */
export type SplitPart = string | (string | null)[]

/** `builtins.match` on the NFA: the captures, or null when the whole text does not match. */
export function nfaMatch(p: RegexProgram, text: string): (string | null)[] | null {
  const ex = new Executor(p, text)
  return ex.matchWhole() ? ex.captures() : null
}

/** `builtins.split` on the NFA (the `std::sregex_iterator` loop); null when nothing matches. */
export function nfaSplit(p: RegexProgram, text: string): SplitPart[] | null {
  const ex = new Executor(p, text)
  if (!ex.search(0, false, false, false)) return null
  const out: SplitPart[] = []
  let prefixStart = 0
  let prevAvail = false
  for (;;) {
    const mStart = ex.resFirst[0]!
    const mEnd = ex.resSecond[0]!
    out.push(text.slice(prefixStart, mStart), ex.captures())
    prefixStart = mEnd
    let start = mEnd
    if (mStart === mEnd) {
      if (start === text.length) break
      // after an empty match, first look for a non-empty one at the same place
      if (ex.search(start, true, true, prevAvail)) continue
      start++
    }
    prevAvail = true
    if (!ex.search(start, false, false, true)) break
  }
  out.push(text.slice(prefixStart))
  return out
}
