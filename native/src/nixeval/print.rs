//! Output: the `--eval --strict` text form and JSON, byte for byte as `@tsnix/eval`'s
//! print.ts (Nix 2.8's printValue and printValueAsJSON).

use std::collections::HashSet;
use std::rc::Rc;

use super::value::{Attrs, Value, MAX_STR, R};
use super::{Decline, Evaluator};

/// A double through C's printf (`%g` is how Nix prints floats, `%f` how `toString` does).
pub fn c_format(fmt: &[u8], v: f64) -> Vec<u8> {
    let mut buf = [0u8; 400];
    // SAFETY: `fmt` is NUL-terminated and takes one double; snprintf writes at most buf.len().
    let n = unsafe {
        libc::snprintf(buf.as_mut_ptr() as *mut libc::c_char, buf.len(), fmt.as_ptr() as *const libc::c_char, v)
    };
    buf[..(n.max(0) as usize).min(buf.len() - 1)].to_vec()
}

fn quote(s: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for (i, &c) in s.iter().enumerate() {
        match c {
            b'"' | b'\\' => out.extend_from_slice(&[b'\\', c]),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'$' if s.get(i + 1) == Some(&b'{') => out.extend_from_slice(b"\\$"),
            _ => out.push(c),
        }
    }
    out.push(b'"');
}

/// An attribute name: bare when it lexes as an identifier (and is not `if`), else quoted.
fn show_id(s: &[u8], out: &mut Vec<u8>) {
    let ident = !s.is_empty()
        && (s[0].is_ascii_alphabetic() || s[0] == b'_')
        && s.iter().all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'\'' | b'-'));
    if ident && s != b"if" {
        out.extend_from_slice(s);
        return;
    }
    out.push(b'"');
    for &c in s {
        match c {
            b'"' | b'\\' | b'$' => out.extend_from_slice(&[b'\\', c]),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            _ => out.push(c),
        }
    }
    out.push(b'"');
}

fn json_string(s: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for &c in s {
        match c {
            b'"' | b'\\' => out.extend_from_slice(&[b'\\', c]),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0..=31 => out.extend_from_slice(format!("\\u{:04x}", c).as_bytes()),
            _ => out.push(c),
        }
    }
    out.push(b'"');
}

/// A null, Boolean or number, written alike in Nix's text and in JSON; false for other values.
fn scalar(v: &Value, out: &mut Vec<u8>) -> bool {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Value::Float(f) => out.extend_from_slice(&c_format(b"%g\0", *f)),
        _ => return false,
    }
    true
}

impl Evaluator {
    /// The set's attributes in name order (bytes), as Nix prints and lists them.
    pub fn by_name(&self, a: &Attrs) -> Vec<usize> {
        let mut order: Vec<usize> = (0..a.items.len()).collect();
        order.sort_by(|&i, &j| self.syms.name(a.items[i].0).cmp(self.syms.name(a.items[j].0)));
        order
    }

    /// The value forced completely and printed; a non-empty set or list met twice (Nix
    /// prints `«repeated»`, by its own notion of identity) is left to the TS evaluator.
    pub fn print_strict(&mut self, v: &Value, out: &mut Vec<u8>) -> R<()> {
        let mut seen = HashSet::new();
        self.print(v, out, &mut seen)
    }

    fn print(&mut self, v: &Value, out: &mut Vec<u8>, seen: &mut HashSet<usize>) -> R<()> {
        self.check_stack()?;
        if out.len() > MAX_STR {
            return Err(Decline);
        }
        let v = self.force(v)?;
        if scalar(&v, out) {
            return Ok(());
        }
        match &v {
            Value::Str(s) => quote(s, out),
            Value::Path(p) => out.extend_from_slice(p),
            Value::List(l) => {
                if !l.is_empty() && !seen.insert(Rc::as_ptr(l) as *const u8 as usize) {
                    return Err(Decline);
                }
                out.extend_from_slice(b"[ ");
                for x in l.iter() {
                    self.print(x, out, seen)?;
                    out.push(b' ');
                }
                out.push(b']');
            }
            Value::Attrs(a) => {
                if !a.items.is_empty() && !seen.insert(Rc::as_ptr(a) as usize) {
                    return Err(Decline);
                }
                out.extend_from_slice(b"{ ");
                for i in self.by_name(a) {
                    let (k, x) = &a.items[i];
                    show_id(&self.syms.name(*k).clone(), out);
                    out.extend_from_slice(b" = ");
                    self.print(x, out, seen)?;
                    out.extend_from_slice(b"; ");
                }
                out.push(b'}');
            }
            Value::Lambda(_) => out.extend_from_slice(b"<LAMBDA>"),
            Value::Prim(_) => out.extend_from_slice(b"<PRIMOP>"),
            Value::PrimApp(_) => out.extend_from_slice(b"<PRIMOP-APP>"),
            // (forced; scalars written above)
            _ => return Err(Decline),
        }
        Ok(())
    }

    /// printValueAsJSON (strict), as `builtins.toJSON` and `--json` write it.
    pub fn to_json(&mut self, v: &Value, out: &mut Vec<u8>) -> R<()> {
        self.check_stack()?;
        if out.len() > MAX_STR {
            return Err(Decline);
        }
        let v = self.force(v)?;
        if scalar(&v, out) {
            return Ok(());
        }
        match &v {
            Value::Str(s) => json_string(s, out),
            Value::List(l) => {
                out.push(b'[');
                for (k, x) in l.iter().enumerate() {
                    if k > 0 {
                        out.push(b',');
                    }
                    self.to_json(x, out)?;
                }
                out.push(b']');
            }
            Value::Attrs(a) => {
                if a.get(self.s.to_string).is_some() {
                    let mut s = Vec::new();
                    self.coerce_to_string(&v, false, false, true, &mut s)?;
                    json_string(&s, out);
                    return Ok(());
                }
                if let Some(p) = a.get(self.s.out_path).cloned() {
                    return self.to_json(&p, out);
                }
                out.push(b'{');
                for (k, i) in self.by_name(a).into_iter().enumerate() {
                    if k > 0 {
                        out.push(b',');
                    }
                    let (name, x) = &a.items[i];
                    json_string(&self.syms.name(*name).clone(), out);
                    out.push(b':');
                    self.to_json(x, out)?;
                }
                out.push(b'}');
            }
            // paths are copied to the store; functions are an error
            _ => return Err(Decline),
        }
        Ok(())
    }
}
