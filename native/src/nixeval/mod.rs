//! A native fast path for `instantiate --eval --strict`: evaluates a Nix program and prints its
//! value as `@tsnix/eval` does, or declines. It declines (`None`) as soon as anything goes
//! outside what it implements exactly: any evaluation error (the TS evaluator then reports it,
//! with Nix's message and trace), the builtins and constructs it leaves out (string context,
//! the store, regular expressions, `trace`, `tryEval`, …), a value printed twice (`«repeated»`),
//! or a stack near its end. Nothing is written before it finishes, so a decline costs only the
//! time spent. `@tsnix/eval` is its twin; tests compare the two on the differential corpora.

mod builtins;
mod compile;
mod eval;
mod json;
mod print;
mod sort;
mod value;

use std::collections::HashMap;
use std::rc::Rc;

use crate::nixparse::parser::Parser;
use value::{Env, Symbols, Value};

/// The native evaluator leaves this program to the TS one.
#[derive(Debug)]
pub struct Decline;

/// What the caller asks for.
pub struct Request<'a> {
    pub src: &'a [u8],
    /// Directory of the source (relative paths), absolute.
    pub base_dir: &'a [u8],
    pub json: bool,
    pub store_dir: &'a [u8],
    /// Whether `getEnv` may read the process's environment.
    pub env_access: bool,
    /// `-A` paths (`a.b.0`), each printed in turn; none: the whole value.
    pub attr_paths: &'a [&'a [u8]],
}

pub struct Evaluator {
    pub syms: Symbols,
    globals: HashMap<Sym, Value>,
    /// `import`ed files by path.
    imports: HashMap<Vec<u8>, Value>,
    /// Lowest address the stack may reach before the evaluation declines.
    stack_floor: usize,
    store_dir: Vec<u8>,
    env_access: bool,
    pub s: KnownSyms,
    /// Bytes that string concatenations may still make (see `concat_strings`).
    pub concat_budget: usize,
}

use value::Sym;

/// Names the evaluator looks up itself.
pub struct KnownSyms {
    pub out_path: Sym,
    pub functor: Sym,
    pub to_string: Sym,
    pub type_: Sym,
    pub name: Sym,
    pub value: Sym,
    pub key: Sym,
    pub right: Sym,
    pub wrong: Sym,
    pub start_set: Sym,
    pub operator: Sym,
    pub version: Sym,
}

/// Nix's `canonPath`: absolute, no `.`/`..` components, no doubled or trailing slashes.
pub fn canon_path(p: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::with_capacity(p.len());
    for comp in p.split(|&c| c == b'/') {
        match comp {
            b"" | b"." => {}
            b".." => {
                while let Some(c) = out.pop() {
                    if c == b'/' {
                        break;
                    }
                }
            }
            _ => {
                out.push(b'/');
                out.extend_from_slice(comp);
            }
        }
    }
    if out.is_empty() {
        out.push(b'/');
    }
    out
}

/// Stack of the evaluating thread: Nix recursion some 50 000 calls deep fits (`f 10000` is
/// what Nix 2.8 manages); deeper, the TS evaluator takes over with its own large stack.
const STACK: usize = 64 << 20;
/// What is kept free at the bottom of it: a frame of the evaluator is far smaller.
const STACK_RESERVE: usize = 1 << 20;

/// Bytes of strings made by `+` and interpolation before the evaluation is left to the TS
/// evaluator: more means a string grown by appending (quadratic here, linear there).
const CONCAT_BUDGET: usize = 256 << 20;

impl Evaluator {
    fn new(req: &Request<'_>) -> Option<Self> {
        let mut syms = Symbols::default();
        let mut k = |s: &[u8]| syms.intern(s);
        let s = KnownSyms {
            out_path: k(b"outPath"),
            functor: k(b"__functor"),
            to_string: k(b"__toString"),
            type_: k(b"type"),
            name: k(b"name"),
            value: k(b"value"),
            key: k(b"key"),
            right: k(b"right"),
            wrong: k(b"wrong"),
            start_set: k(b"startSet"),
            operator: k(b"operator"),
            version: k(b"version"),
        };
        let mut ev = Evaluator {
            syms,
            globals: HashMap::new(),
            imports: HashMap::new(),
            stack_floor: crate::nixparse::stack_low()? + STACK_RESERVE,
            store_dir: req.store_dir.to_vec(),
            env_access: req.env_access,
            s,
            concat_budget: CONCAT_BUDGET,
        };
        builtins::install(&mut ev);
        Some(ev)
    }

    pub fn new_env(&mut self, up: Option<Rc<Env>>, slots: value::Slots, with: u32) -> Rc<Env> {
        Rc::new(Env { up, slots: std::cell::RefCell::new(slots), with })
    }

    pub fn global(&self, s: Sym) -> Option<Value> {
        self.globals.get(&s).cloned()
    }

    /// Parse and compile a source, and evaluate it in the global scope (unforced).
    fn load(&mut self, src: &[u8], base_dir: &[u8]) -> Result<Value, Decline> {
        let mut p = Parser::new(src);
        let root = p.parse_top().map_err(|_| Decline)?;
        let e = compile::Compiler::new(self, &p, base_dir).expr(root)?;
        let env = self.new_env(None, value::Slots::new(), 0);
        Ok(self.thunk(&e, &env))
    }

    fn run(&mut self, req: &Request<'_>) -> Result<Vec<u8>, Decline> {
        let root = self.load(req.src, req.base_dir)?;
        let whole: [&[u8]; 1] = [b""];
        let paths = if req.attr_paths.is_empty() { &whole[..] } else { req.attr_paths };
        let mut out = Vec::new();
        for path in paths {
            let v = self.along_attr_path(path, &root)?;
            if req.json {
                self.to_json(&v, &mut out)?;
            } else {
                self.print_strict(&v, &mut out)?;
                out.push(b'\n');
            }
        }
        Ok(out)
    }

    /// Follows an `-A` path as `nix-instantiate` (findAlongAttrPath, no `--arg`): each step
    /// calls a function with formals (all with defaults) or a functor first.
    fn along_attr_path(&mut self, path: &[u8], root: &Value) -> Result<Value, Decline> {
        let mut v = root.clone();
        for attr in parse_attr_path(path)? {
            let cur = self.auto_call(&v)?;
            v = if !attr.is_empty() && attr.iter().all(u8::is_ascii_digit) {
                let Value::List(l) = cur else { return Err(Decline) };
                let i = std::str::from_utf8(&attr).ok().and_then(|s| s.parse::<usize>().ok()).ok_or(Decline)?;
                l.get(i).cloned().ok_or(Decline)?
            } else {
                let Value::Attrs(a) = cur else { return Err(Decline) };
                if attr.is_empty() {
                    return Err(Decline);
                }
                let s = self.syms.intern(&attr);
                a.get(s).cloned().ok_or(Decline)?
            };
        }
        self.force(&v)
    }

    /// autoCallFunction without automatic arguments.
    fn auto_call(&mut self, v: &Value) -> Result<Value, Decline> {
        self.check_stack()?;
        let f = self.force(v)?;
        if let Value::Attrs(a) = &f {
            if let Some(functor) = a.get(self.s.functor).cloned() {
                let functor = self.force(&functor)?;
                let r = self.call(functor, std::slice::from_ref(&f))?;
                return self.auto_call(&r);
            }
        }
        match &f {
            Value::Lambda(c) => match &c.info.formals {
                Some(formals) if formals.iter().all(|(_, d)| d.is_some()) => {
                    let empty = Value::Attrs(Rc::new(value::Attrs { items: Vec::new() }));
                    self.call(f.clone(), &[empty])
                }
                Some(_) => Err(Decline),
                None => Ok(f),
            },
            _ => Ok(f),
        }
    }
}

/// An `-A` path's names: split at dots, `"…"` quoting a name with dots.
fn parse_attr_path(s: &[u8]) -> Result<Vec<Vec<u8>>, Decline> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'.' => out.push(std::mem::take(&mut cur)),
            b'"' => {
                i += 1;
                while i < s.len() && s[i] != b'"' {
                    cur.push(s[i]);
                    i += 1;
                }
                if i >= s.len() {
                    return Err(Decline);
                }
            }
            c => cur.push(c),
        }
        i += 1;
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

/// Evaluates `req.src` and returns what `instantiate --eval --strict [--json]` prints on
/// stdout, or None when the TS evaluator must run instead.
pub fn eval_strict(req: &Request<'_>) -> Option<Vec<u8>> {
    let run = || -> Option<Vec<u8>> {
        let mut ev = Evaluator::new(req)?;
        let out = ev.run(req).ok();
        // (its memory goes with the evaluation's heap, cycles included)
        std::mem::forget(ev);
        out
    };
    std::thread::scope(|s| {
        let worker = std::thread::Builder::new().name("tsnix-eval".into()).stack_size(STACK);
        let handle = worker
            .spawn_scoped(s, || {
                // Everything the evaluation allocates is in a heap of its own, freed at once at
                // the end: values that refer to themselves (a fixpoint's set and the scope of
                // the function that made it) are reference-counted cycles, and a long-lived
                // process would keep them. What outlives the heap is made outside it: the thread's
                // drop list (first used here) and the copy of the output.
                value::prepare_thread();
                let heap = crate::EvalHeap::new();
                // a panic (a bug) must not unwind into the JS engine: it declines
                let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).ok().flatten();
                heap.leave();
                let copy = out.as_deref().map(<[u8]>::to_vec);
                std::mem::forget(out);
                value::forget_thread_buffers();
                heap.destroy();
                copy
            })
            .ok()?;
        handle.join().ok().flatten()
    })
}

#[cfg(test)]
mod tests;
