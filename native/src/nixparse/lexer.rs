//! The lexer of packages/eval/src/lexer.ts, rule for rule (it is the specification): the
//! start conditions of Nix 2.8's flex scanner, tokens made on demand, and the same fast
//! paths, because which identifiers get a symbol (`symbolId`) depends on the path taken.
//! Any lexical error is a `Fail`: the caller falls back to the TS parser for its message.

use super::strings::{Strings, Sym};
use super::Fail;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum T {
    Id,
    Int,
    Float,
    Path,
    HPath,
    SPath,
    Uri,
    Str,
    IndStr,
    DollarCurly,
    IndOpen,
    IndClose,
    PathEnd,
    Eof,
    If,
    Then,
    Else,
    Assert,
    With,
    Let,
    In,
    Rec,
    Inherit,
    OrKw,
    Ellipsis,
    Eq,
    Neq,
    Leq,
    Geq,
    And,
    Or,
    Impl,
    Update,
    Concat,
    LBrace,
    RBrace,
    LParen,
    RParen,
    LBrack,
    RBrack,
    Semi,
    Colon,
    Dot,
    Comma,
    At,
    Question,
    Assign,
    Quote,
    Lt,
    Gt,
    Plus,
    Minus,
    Star,
    Slash,
    Bang,
    Char,
}

/// A token's value.
#[derive(Clone, Copy, Debug)]
pub enum V {
    None,
    /// Text: identifier, unescaped string part, path, URI, number literal.
    Str(Sym),
    /// An integer literal below 2^31.
    Small(i32),
    /// Indented-string text that is the source range `[a, b)`.
    Range(u32, u32),
    /// Indented-string text of one or two bytes (an escape, a lone `$` or `'`).
    Lit([u8; 2], u8),
}

#[derive(Clone, Copy, Debug)]
pub struct Token {
    pub t: T,
    pub v: V,
    /// IND_STR: plain text whose spaces count as indentation.
    pub indent: bool,
    /// Byte offset in the source.
    pub off: u32,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Default,
    Str,
    Ind,
    InPath,
    InPathSlash,
}

/// Out of range: like `charCodeAt` past the end (NaN), it is in no character class.
const END: u32 = 256;

// Character classes as bits of a table (END and beyond are in none).
const ALPHA: u8 = 1;
const DIGIT: u8 = 2;
/// `[a-zA-Z0-9._+-]`
const PATH: u8 = 4;
/// `[a-zA-Z0-9_'-]`
const ID: u8 = 8;
/// `[a-zA-Z0-9+\-.]`
const SCHEME: u8 = 16;
/// `[a-zA-Z0-9%/?:@&=+$,\-_.!~*']`
const URI: u8 = 32;

/// The non-alphanumeric characters of `URI`.
const URI_MARKS: &[u8] = b"%/?:@&=+$,-_.!~*'";

const CLASSES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        let alpha = b.is_ascii_alphabetic();
        let digit = b.is_ascii_digit();
        let alnum = alpha || digit;
        let mut bits = 0;
        if alpha {
            bits |= ALPHA;
        }
        if digit {
            bits |= DIGIT;
        }
        if alnum || matches!(b, b'.' | b'_' | b'+' | b'-') {
            bits |= PATH;
        }
        if alnum || matches!(b, b'_' | b'\'' | b'-') {
            bits |= ID;
        }
        if alnum || matches!(b, b'+' | b'-' | b'.') {
            bits |= SCHEME;
        }
        let mut i = 0;
        while i < URI_MARKS.len() {
            if URI_MARKS[i] == b {
                bits |= URI;
            }
            i += 1;
        }
        if alnum {
            bits |= URI;
        }
        t[c] = bits;
        c += 1;
    }
    t
};

fn class(c: u32, bits: u8) -> bool {
    c < 256 && CLASSES[c as usize] & bits != 0
}
fn is_alpha(c: u32) -> bool {
    class(c, ALPHA)
}
fn is_digit(c: u32) -> bool {
    class(c, DIGIT)
}
fn is_path_char(c: u32) -> bool {
    class(c, PATH)
}
/// (after the first character of an identifier)
fn is_id_char(c: u32) -> bool {
    class(c, ID)
}
fn is_scheme_char(c: u32) -> bool {
    class(c, SCHEME)
}
fn is_uri_char(c: u32) -> bool {
    class(c, URI)
}

fn keyword(s: &[u8]) -> Option<T> {
    Some(match s {
        b"if" => T::If,
        b"then" => T::Then,
        b"else" => T::Else,
        b"assert" => T::Assert,
        b"with" => T::With,
        b"let" => T::Let,
        b"in" => T::In,
        b"rec" => T::Rec,
        b"inherit" => T::Inherit,
        b"or" => T::OrKw,
        _ => return None,
    })
}

fn two_char(s: &[u8]) -> Option<T> {
    Some(match s {
        b"==" => T::Eq,
        b"!=" => T::Neq,
        b"<=" => T::Leq,
        b">=" => T::Geq,
        b"&&" => T::And,
        b"||" => T::Or,
        b"->" => T::Impl,
        b"//" => T::Update,
        b"++" => T::Concat,
        _ => return None,
    })
}

fn single(c: u8) -> Option<T> {
    Some(match c {
        b'(' => T::LParen,
        b')' => T::RParen,
        b'[' => T::LBrack,
        b']' => T::RBrack,
        b';' => T::Semi,
        b':' => T::Colon,
        b'.' => T::Dot,
        b',' => T::Comma,
        b'@' => T::At,
        b'?' => T::Question,
        b'=' => T::Assign,
        b'<' => T::Lt,
        b'>' => T::Gt,
        b'+' => T::Plus,
        b'-' => T::Minus,
        b'*' => T::Star,
        b'/' => T::Slash,
        b'!' => T::Bang,
        _ => return None,
    })
}

/// The value of an integer literal when it is at most 2^63 - 1 (`intValue` in lexer.ts).
pub fn int_value(digits: &[u8]) -> Option<u64> {
    let mut v: u64 = 0;
    for &d in digits {
        v = v.checked_mul(10)?.checked_add((d - b'0') as u64)?;
    }
    (v <= i64::MAX as u64).then_some(v)
}

/// Regex-rule kinds of the slow path (`kind` in lexer.ts).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rule {
    None,
    Id,
    Int,
    Float,
    PSeg,
    Path,
    HSeg,
    HPath,
    SPath,
    Uri,
}

pub struct Lexer<'a> {
    src: &'a [u8],
    off: usize,
    state: State,
    stack: Vec<State>,
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a [u8]) -> Self {
        Lexer { src, off: 0, state: State::Default, stack: Vec::new() }
    }

    fn at(&self, i: usize) -> u32 {
        self.src.get(i).map_or(END, |&c| c as u32)
    }

    fn push_state(&mut self, s: State) {
        self.stack.push(self.state);
        self.state = s;
    }
    fn pop_state(&mut self) {
        self.state = self.stack.pop().unwrap_or(State::Default);
    }

    /// A token of `len` bytes at the current offset.
    fn tok(&mut self, t: T, v: V, len: usize) -> Token {
        let tok = Token { t, v, indent: false, off: self.off as u32 };
        self.off += len;
        tok
    }

    // Lengths of the regex rules' matches at `i` (0: no match). They are deterministic scans:
    // the character classes never overlap `/`, so backtracking could not find another match.

    /// `[a-zA-Z_][a-zA-Z0-9_'-]*`
    fn m_id(&self, i: usize) -> usize {
        let c = self.at(i);
        if !(is_alpha(c) || c == 95) {
            return 0;
        }
        let mut j = i + 1;
        while is_id_char(self.at(j)) {
            j += 1;
        }
        j - i
    }
    /// `[0-9]+`
    fn m_int(&self, i: usize) -> usize {
        let mut j = i;
        while is_digit(self.at(j)) {
            j += 1;
        }
        j - i
    }
    fn digits(&self, mut j: usize) -> usize {
        while is_digit(self.at(j)) {
            j += 1;
        }
        j
    }
    /// `(?:[1-9][0-9]*\.[0-9]*|0?\.[0-9]+)(?:[Ee][+-]?[0-9]+)?` (first alternative first)
    fn m_float(&self, i: usize) -> usize {
        let c = self.at(i);
        let mut j = i;
        let mut matched = false;
        if (49..=57).contains(&c) {
            let k = self.digits(i + 1);
            if self.at(k) == 46 {
                j = self.digits(k + 1);
                matched = true;
            }
        }
        if !matched {
            if self.at(j) == 48 && self.at(j + 1) == 46 && is_digit(self.at(j + 2)) {
                j += 1;
            }
            if self.at(j) != 46 || !is_digit(self.at(j + 1)) {
                return 0;
            }
            j = self.digits(j + 1);
        }
        let e = self.at(j);
        if e == 69 || e == 101 {
            let mut k = j + 1;
            let s = self.at(k);
            if s == 43 || s == 45 {
                k += 1;
            }
            if is_digit(self.at(k)) {
                j = self.digits(k);
            }
        }
        j - i
    }
    fn path_chars(&self, mut j: usize) -> usize {
        while is_path_char(self.at(j)) {
            j += 1;
        }
        j
    }
    /// `(?:\/[a-zA-Z0-9._+-]+)+\/?` from `j`: the end, or None without one segment.
    fn segments(&self, mut j: usize) -> Option<usize> {
        let mut any = false;
        while self.at(j) == 47 && is_path_char(self.at(j + 1)) {
            j = self.path_chars(j + 1);
            any = true;
        }
        if !any {
            return None;
        }
        if self.at(j) == 47 {
            j += 1;
        }
        Some(j)
    }
    /// `[a-zA-Z0-9._+-]*(?:\/[a-zA-Z0-9._+-]+)+\/?`
    fn m_path(&self, i: usize) -> usize {
        self.segments(self.path_chars(i)).map_or(0, |j| j - i)
    }
    /// `[a-zA-Z0-9._+-]*\/\$\{`
    fn m_path_seg_dollar(&self, i: usize) -> usize {
        let j = self.path_chars(i);
        if self.at(j) == 47 && self.at(j + 1) == 36 && self.at(j + 2) == 123 {
            j + 3 - i
        } else {
            0
        }
    }
    /// `[a-zA-Z0-9._+-]*\/`
    fn m_path_seg(&self, i: usize) -> usize {
        let j = self.path_chars(i);
        if self.at(j) == 47 {
            j + 1 - i
        } else {
            0
        }
    }
    /// `~(?:\/[a-zA-Z0-9._+-]+)+\/?`
    fn m_hpath(&self, i: usize) -> usize {
        if self.at(i) != 126 {
            return 0;
        }
        self.segments(i + 1).map_or(0, |j| j - i)
    }
    /// `~\/\$\{`
    fn m_hpath_start_dollar(&self, i: usize) -> usize {
        if self.at(i) == 126 && self.at(i + 1) == 47 && self.at(i + 2) == 36 && self.at(i + 3) == 123 {
            4
        } else {
            0
        }
    }
    /// `<[a-zA-Z0-9._+-]+(?:\/[a-zA-Z0-9._+-]+)*>`
    fn m_spath(&self, i: usize) -> usize {
        if self.at(i) != 60 || !is_path_char(self.at(i + 1)) {
            return 0;
        }
        let mut j = self.path_chars(i + 1);
        while self.at(j) == 47 && is_path_char(self.at(j + 1)) {
            j = self.path_chars(j + 1);
        }
        if self.at(j) == 62 {
            j + 1 - i
        } else {
            0
        }
    }
    /// `[a-zA-Z][a-zA-Z0-9+\-.]*:[a-zA-Z0-9%/?:@&=+$,\-_.!~*']+`
    fn m_uri(&self, i: usize) -> usize {
        if !is_alpha(self.at(i)) {
            return 0;
        }
        let mut j = i + 1;
        while is_scheme_char(self.at(j)) {
            j += 1;
        }
        if self.at(j) != 58 || !is_uri_char(self.at(j + 1)) {
            return 0;
        }
        j += 1;
        while is_uri_char(self.at(j)) {
            j += 1;
        }
        j - i
    }
    /// `[a-zA-Z0-9._+-]*(?:\/[a-zA-Z0-9._+-]+)+\/?|[a-zA-Z0-9._+-]*\/|[a-zA-Z0-9._+-]+`
    fn m_inpath_part(&self, i: usize) -> usize {
        let j = self.path_chars(i);
        if let Some(k) = self.segments(j) {
            return k - i;
        }
        if self.at(j) == 47 {
            return j + 1 - i;
        }
        j - i
    }

    /// Unescapes a "…" string part (lexer.ts `unescape`).
    fn unescape(s: &[u8], out: &mut Vec<u8>) {
        let mut i = 0;
        while i < s.len() {
            let c = s[i];
            if c == b'\\' {
                i += 1;
                let Some(&d) = s.get(i) else {
                    out.push(b'\\');
                    break;
                };
                out.push(match d {
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    _ => d,
                });
            } else if c == b'\r' {
                out.push(b'\n');
                if s.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            } else {
                out.push(c);
            }
            i += 1;
        }
    }

    /// The next token (EOF forever at the end).
    pub fn next(&mut self, st: &mut Strings<'a>, scratch: &mut Vec<u8>) -> Result<Token, Fail> {
        let src = self.src;
        let n = src.len();
        loop {
            if !(self.off < n || self.state == State::InPath || self.state == State::InPathSlash) {
                return Ok(Token { t: T::Eof, v: V::None, indent: false, off: self.off as u32 });
            }
            let off = self.off;
            match self.state {
                State::Str => {
                    let c = src[off];
                    if c == b'"' {
                        self.pop_state();
                        return Ok(self.tok(T::Quote, V::None, 1));
                    }
                    if c == b'$' && self.at(off + 1) == 123 {
                        self.push_state(State::Default);
                        return Ok(self.tok(T::DollarCurly, V::None, 2));
                    }
                    // a run of string chars: anything but an unescaped " or ${ ; $$ is literal
                    let mut i = off;
                    while i < n {
                        let d = src[i];
                        if d == b'"' {
                            break;
                        }
                        if d == b'\\' {
                            i += if i + 1 < n { 2 } else { 1 };
                            continue;
                        }
                        if d == b'$' {
                            let e = self.at(i + 1);
                            if e == 123 {
                                break;
                            }
                            if e == 34 || e == END {
                                i += 1;
                                continue;
                            }
                            if e == 92 {
                                i += if i + 2 < n { 3 } else { 2 };
                                continue;
                            }
                            i += 2;
                            continue;
                        }
                        i += 1;
                    }
                    let raw = &src[off..i];
                    let id = if !raw.iter().any(|&b| b == b'\\' || b == b'\r') {
                        st.of_src(off, i)
                    } else {
                        scratch.clear();
                        Self::unescape(raw, scratch);
                        st.of_bytes(scratch)
                    };
                    return Ok(self.tok(T::Str, V::Str(id), i - off));
                }
                State::Ind => {
                    let c = src[off];
                    if c == b'$' && self.at(off + 1) == 123 {
                        self.push_state(State::Default);
                        return Ok(self.tok(T::DollarCurly, V::None, 2));
                    }
                    if c == b'\'' && self.at(off + 1) == 39 {
                        let d = self.at(off + 2);
                        if d == 36 {
                            return Ok(self.tok(T::IndStr, V::Lit([b'$', 0], 1), 3));
                        }
                        if d == 39 {
                            return Ok(self.tok(T::IndStr, V::Lit([b'\'', b'\''], 2), 3));
                        }
                        if d == 92 && off + 3 < n {
                            let x = match src[off + 3] {
                                b'n' => b'\n',
                                b'r' => b'\r',
                                b't' => b'\t',
                                x => x,
                            };
                            return Ok(self.tok(T::IndStr, V::Lit([x, 0], 1), 4));
                        }
                        self.pop_state();
                        return Ok(self.tok(T::IndClose, V::None, 2));
                    }
                    // ([^$']|\$[^{']|'[^'$])+
                    let mut i = off;
                    while i < n {
                        let d = src[i];
                        if d == b'$' {
                            let e = self.at(i + 1);
                            if e == END || e == 123 || e == 39 {
                                break;
                            }
                            i += 2;
                            continue;
                        }
                        if d == b'\'' {
                            let e = self.at(i + 1);
                            if e == END || e == 39 || e == 36 {
                                break;
                            }
                            i += 2;
                            continue;
                        }
                        i += 1;
                    }
                    if i > off {
                        let mut tok = self.tok(T::IndStr, V::Range(off as u32, i as u32), i - off);
                        tok.indent = true;
                        return Ok(tok);
                    }
                    let lit = if c == b'$' { b'$' } else { b'\'' };
                    return Ok(self.tok(T::IndStr, V::Lit([lit, 0], 1), 1));
                }
                State::InPath | State::InPathSlash => {
                    if self.at(off) == 36 && self.at(off + 1) == 123 {
                        self.state = State::InPath;
                        self.push_state(State::Default);
                        return Ok(self.tok(T::DollarCurly, V::None, 2));
                    }
                    let len = if off < n { self.m_inpath_part(off) } else { 0 };
                    if len > 0 {
                        self.state = if src[off + len - 1] == b'/' { State::InPathSlash } else { State::InPath };
                        let id = st.of_src(off, off + len);
                        return Ok(self.tok(T::Str, V::Str(id), len));
                    }
                    if self.state == State::InPathSlash {
                        return Err(Fail);
                    }
                    self.pop_state();
                    return Ok(Token { t: T::PathEnd, v: V::None, indent: false, off: off as u32 });
                }
                State::Default => {}
            }

            let c = src[off] as u32;
            // whitespace
            if c == 32 || c == 9 || c == 10 || c == 13 {
                let mut i = off + 1;
                while matches!(self.at(i), 32 | 9 | 10 | 13) {
                    i += 1;
                }
                self.off = i;
                continue;
            }
            if c == 35 {
                let mut i = off;
                while i < n && src[i] != b'\n' && src[i] != b'\r' {
                    i += 1;
                }
                self.off = i;
                continue;
            }
            if c == 47 && self.at(off + 1) == 42 {
                match src[off + 2..].windows(2).position(|w| w == b"*/") {
                    Some(p) => {
                        self.off = off + 2 + p + 2;
                        continue;
                    }
                    // flex would lex '/' and '*' as characters: a syntax error follows
                    None => return Ok(self.tok(T::Slash, V::None, 1)),
                }
            }
            if c == 34 {
                self.push_state(State::Str);
                return Ok(self.tok(T::Quote, V::None, 1));
            }
            if c == 39 && self.at(off + 1) == 39 {
                // ''(\ *\n)? : spaces and the newline right after the opening are not content
                let mut i = off + 2;
                while self.at(i) == 32 {
                    i += 1;
                }
                let len = if self.at(i) == 10 { i + 1 - off } else { 2 };
                self.push_state(State::Ind);
                return Ok(self.tok(T::IndOpen, V::None, len));
            }
            if c == 36 && self.at(off + 1) == 123 {
                self.push_state(State::Default);
                return Ok(self.tok(T::DollarCurly, V::None, 2));
            }
            if c == 123 {
                self.push_state(State::Default);
                return Ok(self.tok(T::LBrace, V::None, 1));
            }
            if c == 125 {
                if !self.stack.is_empty() {
                    self.pop_state();
                }
                return Ok(self.tok(T::RBrace, V::None, 1));
            }
            // ; ( ) [ ] , @ ? :
            if matches!(c, 59 | 40 | 41 | 91 | 93 | 44 | 64 | 63 | 58) {
                let t = single(c as u8).ok_or(Fail)?;
                return Ok(self.tok(t, V::None, 1));
            }
            if c == 61 {
                return Ok(if self.at(off + 1) == 61 {
                    self.tok(T::Eq, V::None, 2)
                } else {
                    self.tok(T::Assign, V::None, 1)
                });
            }

            // the fast paths of lexer.ts: identifiers/keywords and integers when no longer rule
            // (path, URI, float) can match
            if is_alpha(c) || c == 95 {
                let mut i = off + 1;
                while is_id_char(self.at(i)) {
                    i += 1;
                }
                let e = self.at(i);
                let mut plain = e != 46 && e != 43 && e != 47 && e != 58;
                if !plain {
                    let p = self.path_chars(i);
                    let mut u = off + 1;
                    while is_scheme_char(self.at(u)) {
                        u += 1;
                    }
                    plain = self.at(p) != 47 && (c == 95 || self.at(u) != 58);
                }
                if plain {
                    let id = st.of_src(off, i);
                    // lexer.ts makes a symbol of every name it takes here, keywords included
                    st.symbol(id);
                    let t = if i - off <= 7 { keyword(&src[off..i]).unwrap_or(T::Id) } else { T::Id };
                    return Ok(self.tok(t, V::Str(id), i - off));
                }
            } else if is_digit(c) {
                let i = self.digits(off + 1);
                let d = self.at(i);
                if !is_path_char(d) && d != 47 {
                    return self.int_token(st, off, i);
                }
            }

            // `.` of an attribute path (`a.b`): not `...`, a float (`.5`) or a path (`./x`, `.b/c`)
            if c == 46 {
                let d = self.at(off + 1);
                if d != 46 && !is_digit(d) {
                    let p = self.path_chars(off + 1);
                    if self.at(p) != 47 {
                        return Ok(self.tok(T::Dot, V::None, 1));
                    }
                }
            }

            // longest match among the regex rules (earlier rule wins a tie, as in flex)
            let mut best = 0;
            let mut kind = Rule::None;
            let mut try_rule = |len: usize, k: Rule| {
                if len > best {
                    best = len;
                    kind = k;
                }
            };
            if is_alpha(c) || c == 95 {
                try_rule(self.m_id(off), Rule::Id);
            }
            if is_digit(c) {
                try_rule(self.m_int(off), Rule::Int);
            }
            if is_digit(c) || c == 46 {
                try_rule(self.m_float(off), Rule::Float);
            }
            if is_alpha(c) || is_digit(c) || matches!(c, 46 | 95 | 45 | 43 | 47) {
                try_rule(self.m_path_seg_dollar(off), Rule::PSeg);
                try_rule(self.m_path(off), Rule::Path);
            }
            if c == 126 {
                try_rule(self.m_hpath_start_dollar(off), Rule::HSeg);
                try_rule(self.m_hpath(off), Rule::HPath);
            }
            if c == 60 {
                try_rule(self.m_spath(off), Rule::SPath);
            }
            if is_alpha(c) {
                try_rule(self.m_uri(off), Rule::Uri);
            }
            // fixed strings (keywords and operators) come first in lexer.l and win ties
            if kind == Rule::Id {
                if let Some(t) = keyword(&src[off..off + best]) {
                    return Ok(self.tok(t, V::None, best));
                }
            }
            if best <= 3 && src[off..].starts_with(b"...") {
                return Ok(self.tok(T::Ellipsis, V::None, 3));
            }
            if best <= 2 && off + 2 <= n {
                if let Some(t) = two_char(&src[off..off + 2]) {
                    return Ok(self.tok(t, V::None, 2));
                }
            }
            if best == 0 {
                let t = single(c as u8).unwrap_or(T::Char);
                return Ok(self.tok(t, V::None, 1));
            }
            let end = off + best;
            return Ok(match kind {
                Rule::Id => {
                    let id = st.of_src(off, end);
                    self.tok(T::Id, V::Str(id), best)
                }
                Rule::Int => self.int_token(st, off, end)?,
                Rule::Float | Rule::Uri => {
                    let t = if kind == Rule::Float { T::Float } else { T::Uri };
                    let id = st.of_src(off, end);
                    self.tok(t, V::Str(id), best)
                }
                // (the parser needs only what is between < and >)
                Rule::SPath => {
                    let id = st.of_src(off + 1, end - 1);
                    self.tok(T::SPath, V::Str(id), best)
                }
                Rule::PSeg => {
                    let seg = self.m_path_seg(off);
                    let id = st.of_src(off, off + seg);
                    let tok = self.tok(T::Path, V::Str(id), seg);
                    self.push_state(State::InPathSlash);
                    tok
                }
                Rule::HSeg => {
                    let id = st.of_src(off, off + 2);
                    let tok = self.tok(T::HPath, V::Str(id), 2);
                    self.push_state(State::InPathSlash);
                    tok
                }
                Rule::Path | Rule::HPath => {
                    let t = if kind == Rule::Path { T::Path } else { T::HPath };
                    let id = st.of_src(off, end);
                    let tok = self.tok(t, V::Str(id), best);
                    self.push_state(if src[end - 1] == b'/' { State::InPathSlash } else { State::InPath });
                    tok
                }
                Rule::None => self.tok(T::Char, V::None, 1),
            });
        }
    }

    fn int_token(&mut self, st: &mut Strings<'a>, off: usize, end: usize) -> Result<Token, Fail> {
        let v = int_value(&self.src[off..end]).ok_or(Fail)?;
        let v = match i32::try_from(v) {
            Ok(small) => V::Small(small),
            Err(_) => V::Str(st.of_src(off, end)),
        };
        Ok(self.tok(T::Int, v, end - off))
    }
}
