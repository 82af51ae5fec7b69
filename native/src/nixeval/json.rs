//! `builtins.fromJSON` for the texts every JSON parser reads alike: anything unusual (a
//! number beyond 64-bit integers or doubles, invalid UTF-8, lone surrogates, nesting deeper than
//! `MAX_DEPTH`) and every error declines, and the TS twin (packages/eval/src/json.ts, which
//! follows nlohmann/json as Nix 2.8 does) decides.

use std::rc::Rc;

use super::value::{Attrs, Sym, Value, R};
use super::{Decline, Evaluator};

const MAX_DEPTH: usize = 5000;

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn eat(&mut self, lit: &[u8]) -> R<()> {
        if self.s[self.i..].starts_with(lit) {
            self.i += lit.len();
            Ok(())
        } else {
            Err(Decline)
        }
    }

    fn hex4(&mut self) -> R<u32> {
        let h = self.s.get(self.i..self.i + 4).ok_or(Decline)?;
        // (four hex digits exactly: from_str_radix alone would take a sign)
        if !h.iter().all(u8::is_ascii_hexdigit) {
            return Err(Decline);
        }
        let v = h.iter().fold(0, |v, &c| v * 16 + (c as char).to_digit(16).unwrap_or(0));
        self.i += 4;
        Ok(v)
    }

    fn string(&mut self) -> R<Vec<u8>> {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            let c = *self.s.get(self.i).ok_or(Decline)?;
            self.i += 1;
            match c {
                b'"' => break,
                0..=0x1f => return Err(Decline),
                b'\\' => {
                    let e = *self.s.get(self.i).ok_or(Decline)?;
                    self.i += 1;
                    match e {
                        b'"' | b'\\' | b'/' => out.push(e),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let mut cp = self.hex4()?;
                            if (0xd800..0xdc00).contains(&cp) {
                                self.eat(b"\\u")?;
                                let lo = self.hex4()?;
                                if !(0xdc00..0xe000).contains(&lo) {
                                    return Err(Decline);
                                }
                                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                            } else if (0xdc00..0xe000).contains(&cp) {
                                return Err(Decline);
                            }
                            let ch = char::from_u32(cp).ok_or(Decline)?;
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        _ => return Err(Decline),
                    }
                }
                _ => out.push(c),
            }
        }
        // (raw bytes must be UTF-8, as the parser Nix uses checks)
        std::str::from_utf8(&out).map_err(|_| Decline)?;
        Ok(out)
    }

    fn number(&mut self) -> R<Value> {
        let start = self.i;
        let digits = |p: &mut Self| {
            let from = p.i;
            while p.i < p.s.len() && p.s[p.i].is_ascii_digit() {
                p.i += 1;
            }
            p.i - from
        };
        if self.s.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        let int_start = self.i;
        if digits(self) == 0 || (self.s[int_start] == b'0' && self.i - int_start > 1) {
            return Err(Decline);
        }
        let mut float = false;
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            float = true;
            if digits(self) == 0 {
                return Err(Decline);
            }
        }
        if matches!(self.s.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            float = true;
            if matches!(self.s.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if digits(self) == 0 {
                return Err(Decline);
            }
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).map_err(|_| Decline)?;
        if float {
            let f: f64 = text.parse().map_err(|_| Decline)?;
            return if f.is_finite() { Ok(Value::Float(f)) } else { Err(Decline) };
        }
        // (integers beyond 64 bits become floats or wrap in Nix: left to the TS twin)
        Ok(Value::Int(text.parse::<i64>().map_err(|_| Decline)?))
    }
}

impl Evaluator {
    pub fn from_json(&mut self, text: &[u8]) -> R<Value> {
        let mut p = Parser { s: text, i: 0 };
        let v = self.json_value(&mut p, 0)?;
        p.ws();
        if p.i != text.len() {
            return Err(Decline);
        }
        Ok(v)
    }

    fn json_value(&mut self, p: &mut Parser<'_>, depth: usize) -> R<Value> {
        if depth > MAX_DEPTH {
            return Err(Decline);
        }
        p.ws();
        match *p.s.get(p.i).ok_or(Decline)? {
            b'{' => {
                p.i += 1;
                let mut items: Vec<(Sym, Value)> = Vec::new();
                p.ws();
                if p.s.get(p.i) == Some(&b'}') {
                    p.i += 1;
                    return Ok(Value::Attrs(Rc::new(Attrs { items })));
                }
                loop {
                    p.ws();
                    if p.s.get(p.i) != Some(&b'"') {
                        return Err(Decline);
                    }
                    let k = p.string()?;
                    let k = self.syms.intern(&k);
                    p.ws();
                    p.eat(b":")?;
                    let v = self.json_value(p, depth + 1)?;
                    items.push((k, v));
                    p.ws();
                    match p.s.get(p.i) {
                        Some(b',') => p.i += 1,
                        Some(b'}') => {
                            p.i += 1;
                            break;
                        }
                        _ => return Err(Decline),
                    }
                }
                // (stable: of a repeated key, the last value is kept)
                items.sort_by_key(|i| i.0);
                let mut unique: Vec<(Sym, Value)> = Vec::with_capacity(items.len());
                for (k, v) in items {
                    match unique.last_mut() {
                        Some(last) if last.0 == k => last.1 = v,
                        _ => unique.push((k, v)),
                    }
                }
                Ok(Value::Attrs(Rc::new(Attrs { items: unique })))
            }
            b'[' => {
                p.i += 1;
                let mut items = Vec::new();
                p.ws();
                if p.s.get(p.i) == Some(&b']') {
                    p.i += 1;
                    return Ok(Value::list(items));
                }
                loop {
                    items.push(self.json_value(p, depth + 1)?);
                    p.ws();
                    match p.s.get(p.i) {
                        Some(b',') => p.i += 1,
                        Some(b']') => {
                            p.i += 1;
                            break;
                        }
                        _ => return Err(Decline),
                    }
                }
                Ok(Value::list(items))
            }
            b'"' => {
                // a string value ends at a NUL in Nix (a name keeps it)
                let mut s = p.string()?;
                if let Some(z) = s.iter().position(|&b| b == 0) {
                    s.truncate(z);
                }
                Ok(Value::Str(Rc::from(s)))
            }
            b't' => p.eat(b"true").map(|_| Value::Bool(true)),
            b'f' => p.eat(b"false").map(|_| Value::Bool(false)),
            b'n' => p.eat(b"null").map(|_| Value::Null),
            b'-' | b'0'..=b'9' => p.number(),
            _ => Err(Decline),
        }
    }
}
