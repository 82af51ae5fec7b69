//! From the parser's tree to the evaluator's: variables resolved to (level, slot) as Nix's
//! `bindVars` does (a lexical binding at any level wins over every `with`), literals made
//! values, paths made absolute. What the evaluator leaves to the TS one (`__curPos`, `~/`
//! paths, undefined variables, …) is a `Decline` here already.

use std::collections::HashMap;
use std::rc::Rc;

use super::value::{Sym, Value, R};
use super::{canon_path, Decline, Evaluator};
use crate::nixparse::parser::{BinOp, IntVal, Node, Parser, DYN, NONE};

pub enum Name {
    Static(Sym),
    Dyn(Rc<Expr>),
}

pub enum Expr {
    Const(Value),
    Var(u32, u32),
    /// Not bound lexically: looked up in the `with`s, the innermost `level` scopes up.
    WithVar(u32, Sym),
    Select(Rc<Expr>, Vec<Name>, Option<Rc<Expr>>),
    Has(Rc<Expr>, Vec<Name>),
    /// Static attributes sorted by name id, then `(name, value)` of the dynamic ones.
    Attrs(Vec<(Sym, Rc<Expr>)>, Vec<(Rc<Expr>, Rc<Expr>)>),
    /// A `rec` set: its static attributes are the slots of a scope of their own; inherited
    /// ones are evaluated in the enclosing scope.
    RecAttrs(Vec<(Sym, Rc<Expr>, bool)>, Vec<(Rc<Expr>, Rc<Expr>)>),
    List(Vec<Rc<Expr>>),
    Lambda(Rc<LambdaInfo>),
    Call(Rc<Expr>, Vec<Rc<Expr>>),
    /// A built-in function that forces all its arguments, called with all of them: they are
    /// evaluated first, without thunks.
    PrimCall(u16, Vec<Rc<Expr>>),
    Let(Vec<(Rc<Expr>, bool)>, Rc<Expr>),
    /// set, body, levels up to the next enclosing `with` (0: none)
    With(Rc<Expr>, Rc<Expr>, u32),
    If(Rc<Expr>, Rc<Expr>, Rc<Expr>),
    Assert(Rc<Expr>, Rc<Expr>),
    Not(Rc<Expr>),
    Eq(Rc<Expr>, Rc<Expr>),
    Neq(Rc<Expr>, Rc<Expr>),
    And(Rc<Expr>, Rc<Expr>),
    Or(Rc<Expr>, Rc<Expr>),
    Impl(Rc<Expr>, Rc<Expr>),
    Update(Rc<Expr>, Rc<Expr>),
    Concat(Rc<Expr>, Rc<Expr>),
    ConcatStrings(bool, Vec<Rc<Expr>>),
}

/// A `rec` set's attributes (name, value, inherited) and dynamic attributes (name, value).
type RecParts = (Vec<(Sym, Rc<Expr>, bool)>, Vec<(Rc<Expr>, Rc<Expr>)>);
/// A `let`'s bindings (value, inherited) and body.
type LetParts = (Vec<(Rc<Expr>, bool)>, Rc<Expr>);
/// A function's formals (name, default) and body.
type LambdaParts = (Vec<(Sym, Option<Rc<Expr>>)>, Rc<Expr>);

pub struct LambdaInfo {
    /// Formals in slot order (slot i), with their defaults; None for `x: …`.
    pub formals: Option<Vec<(Sym, Option<Rc<Expr>>)>>,
    pub ellipsis: bool,
    /// The slot of the argument itself (`x: …`, `… @ x`).
    pub arg_slot: Option<u32>,
    pub slots: u32,
    pub body: Rc<Expr>,
}

struct Scope {
    names: Vec<(Sym, u32)>,
    with: bool,
}

pub struct Compiler<'e, 'p, 'a> {
    ev: &'e mut Evaluator,
    p: &'p Parser<'a>,
    syms: HashMap<u32, Sym>,
    scopes: Vec<Scope>,
    /// Directory relative paths are resolved against.
    base: Vec<u8>,
    depth: u32,
}

impl<'e, 'p, 'a> Compiler<'e, 'p, 'a> {
    pub fn new(ev: &'e mut Evaluator, p: &'p Parser<'a>, base: &[u8]) -> Self {
        Compiler { ev, p, syms: HashMap::new(), scopes: Vec::new(), base: base.to_vec(), depth: 0 }
    }

    fn sym(&mut self, s: u32) -> Sym {
        if let Some(&v) = self.syms.get(&s) {
            return v;
        }
        let v = self.ev.syms.intern(self.p.st.bytes(s));
        self.syms.insert(s, v);
        v
    }

    fn var(&mut self, name: u32) -> R<Expr> {
        let s = self.sym(name);
        let mut with_level = None;
        for (level, scope) in self.scopes.iter().rev().enumerate() {
            if scope.with {
                with_level.get_or_insert(level as u32);
                continue;
            }
            if let Some(&(_, slot)) = scope.names.iter().find(|(n, _)| *n == s) {
                return Ok(Expr::Var(level as u32, slot));
            }
        }
        if let Some(v) = self.ev.global(s) {
            return Ok(Expr::Const(v));
        }
        match with_level {
            Some(l) => Ok(Expr::WithVar(l, s)),
            None => Err(Decline),
        }
    }

    fn names(&mut self, r: crate::nixparse::parser::Range) -> R<Vec<Name>> {
        let words = self.p.words(r).to_vec();
        let mut out = Vec::with_capacity(words.len());
        for a in words {
            out.push(if a & DYN != 0 { Name::Dyn(self.expr(a & !DYN)?) } else { Name::Static(self.sym(a)) });
        }
        Ok(out)
    }

    fn exprs(&mut self, r: crate::nixparse::parser::Range) -> R<Vec<Rc<Expr>>> {
        let words = self.p.words(r).to_vec();
        words.into_iter().map(|id| self.expr(id)).collect()
    }

    fn path_literal(&self, text: &[u8]) -> Value {
        let mut abs = if text.first() == Some(&b'/') {
            canon_path(text)
        } else {
            let mut full = self.base.clone();
            full.push(b'/');
            full.extend_from_slice(text);
            canon_path(&full)
        };
        // (the first part of an interpolated path keeps its slash, as Nix's parser adds it back)
        if text.len() > 1 && text.last() == Some(&b'/') {
            abs.push(b'/');
        }
        Value::Path(Rc::from(abs))
    }

    pub fn expr(&mut self, id: u32) -> R<Rc<Expr>> {
        self.depth += 1;
        if self.depth > 5000 {
            return Err(Decline);
        }
        let e = self.node(id)?;
        self.depth -= 1;
        Ok(Rc::new(e))
    }

    fn node(&mut self, id: u32) -> R<Expr> {
        let p = self.p;
        Ok(match p.nodes[id as usize] {
            Node::Int(_, IntVal::Small(v)) => Expr::Const(Value::Int(v as i64)),
            Node::Int(_, IntVal::Text(s)) => {
                let t = std::str::from_utf8(p.st.bytes(s)).map_err(|_| Decline)?;
                Expr::Const(Value::Int(t.parse::<i64>().map_err(|_| Decline)?))
            }
            Node::Float(_, s) => {
                let t = std::str::from_utf8(p.st.bytes(s)).map_err(|_| Decline)?;
                Expr::Const(Value::Float(t.parse::<f64>().map_err(|_| Decline)?))
            }
            Node::Str(_, s) => Expr::Const(Value::str(p.st.bytes(s))),
            Node::Path(_, s) => Expr::Const(self.path_literal(p.st.bytes(s))),
            Node::HPath(..) | Node::CurPos(_) => return Err(Decline),
            Node::Var(_, s) => self.var(s)?,
            Node::Select(_, e, path, def) => {
                let e = self.expr(e)?;
                let names = self.names(path)?;
                let def = if def == NONE { None } else { Some(self.expr(def)?) };
                Expr::Select(e, names, def)
            }
            Node::Has(_, e, path) => {
                let e = self.expr(e)?;
                Expr::Has(e, self.names(path)?)
            }
            Node::Attrs(i) => self.attrs(i)?,
            Node::List(_, r) => Expr::List(self.exprs(r)?),
            Node::Lambda(i) => self.lambda(i)?,
            Node::Call(_, f, args) => {
                let f = self.expr(f)?;
                let args = self.exprs(args)?;
                match &*f {
                    Expr::Const(Value::Prim(id))
                        if self.ev.prim_arity(*id) == args.len() && super::builtins::forces_all(*id) =>
                    {
                        Expr::PrimCall(*id, args)
                    }
                    _ => Expr::Call(f, args),
                }
            }
            Node::Let(_, attrs, body) => self.let_(attrs, body)?,
            Node::With(_, attrs, body) => {
                let a = self.expr(attrs)?;
                let prev = self.scopes.iter().rev().position(|s| s.with).map_or(0, |l| l as u32 + 1);
                self.scopes.push(Scope { names: Vec::new(), with: true });
                let b = self.expr(body);
                self.scopes.pop();
                Expr::With(a, b?, prev)
            }
            Node::If(_, c, t, e) => Expr::If(self.expr(c)?, self.expr(t)?, self.expr(e)?),
            Node::Assert(_, c, b) => Expr::Assert(self.expr(c)?, self.expr(b)?),
            Node::Not(_, e) => Expr::Not(self.expr(e)?),
            Node::Bin(op, _, a, b) => {
                let (a, b) = (self.expr(a)?, self.expr(b)?);
                match op {
                    BinOp::Eq => Expr::Eq(a, b),
                    BinOp::Neq => Expr::Neq(a, b),
                    BinOp::And => Expr::And(a, b),
                    BinOp::Or => Expr::Or(a, b),
                    BinOp::Impl => Expr::Impl(a, b),
                    BinOp::Update => Expr::Update(a, b),
                    BinOp::Concat => Expr::Concat(a, b),
                }
            }
            Node::ConcatStrings(_, force, r) => {
                // (pos, node) pairs
                let words = p.words(r).to_vec();
                let mut parts = Vec::with_capacity(words.len() / 2);
                for pair in words.chunks(2) {
                    parts.push(self.expr(pair[1])?);
                }
                Expr::ConcatStrings(force, parts)
            }
        })
    }

    fn attrs(&mut self, i: u32) -> R<Expr> {
        let p = self.p;
        let set = &p.sets[i as usize];
        let mut defs: Vec<(Sym, u32, bool)> = Vec::with_capacity(set.defs.len());
        for &(name, d) in &set.defs {
            let s = self.sym(name);
            defs.push((s, d.e, d.inherited));
        }
        defs.sort_by_key(|d| d.0);
        if !set.rec {
            let mut statics = Vec::with_capacity(defs.len());
            for (s, e, _) in defs {
                statics.push((s, self.expr(e)?));
            }
            let dyns = self.dyns(i)?;
            return Ok(Expr::Attrs(statics, dyns));
        }
        // `__overrides` changes a rec set's meaning: left to the TS evaluator
        if defs.iter().any(|d| &**self.ev.syms.name(d.0) == b"__overrides") {
            return Err(Decline);
        }
        let mut statics = Vec::with_capacity(defs.len());
        for (s, e, inherited) in &defs {
            if *inherited {
                statics.push((*s, self.expr(*e)?, true));
            }
        }
        self.scopes.push(Scope { names: defs.iter().enumerate().map(|(k, d)| (d.0, k as u32)).collect(), with: false });
        let r = (|| -> R<RecParts> {
            let mut all = Vec::with_capacity(defs.len());
            let mut inherited = statics.drain(..);
            for (s, e, inh) in &defs {
                if *inh {
                    all.push(inherited.next().ok_or(Decline)?);
                } else {
                    all.push((*s, self.expr(*e)?, false));
                }
            }
            Ok((all, self.dyns(i)?))
        })();
        self.scopes.pop();
        let (all, dyns) = r?;
        Ok(Expr::RecAttrs(all, dyns))
    }

    fn dyns(&mut self, i: u32) -> R<Vec<(Rc<Expr>, Rc<Expr>)>> {
        let n = self.p.sets[i as usize].dyns.len();
        let mut out = Vec::with_capacity(n);
        for k in 0..n {
            let d = &self.p.sets[i as usize].dyns[k];
            let (name, e) = (d.name, d.e);
            out.push((self.expr(name)?, self.expr(e)?));
        }
        Ok(out)
    }

    fn let_(&mut self, attrs: u32, body: u32) -> R<Expr> {
        let p = self.p;
        let Node::Attrs(i) = p.nodes[attrs as usize] else { return Err(Decline) };
        let set = &p.sets[i as usize];
        if !set.dyns.is_empty() {
            return Err(Decline);
        }
        let defs: Vec<(Sym, u32, bool)> = set
            .defs
            .iter()
            .map(|&(n, d)| (n, d.e, d.inherited))
            .collect::<Vec<_>>()
            .into_iter()
            .map(|(n, e, inh)| (self.sym(n), e, inh))
            .collect();
        let mut binds: Vec<Option<(Rc<Expr>, bool)>> = Vec::with_capacity(defs.len());
        for (_, e, inh) in &defs {
            binds.push(if *inh { Some((self.expr(*e)?, true)) } else { None });
        }
        self.scopes.push(Scope { names: defs.iter().enumerate().map(|(k, d)| (d.0, k as u32)).collect(), with: false });
        let r = (|| -> R<LetParts> {
            let mut out = Vec::with_capacity(defs.len());
            for (k, (_, e, _)) in defs.iter().enumerate() {
                match binds[k].take() {
                    Some(b) => out.push(b),
                    None => out.push((self.expr(*e)?, false)),
                }
            }
            Ok((out, self.expr(body)?))
        })();
        self.scopes.pop();
        let (binds, body) = r?;
        Ok(Expr::Let(binds, body))
    }

    fn lambda(&mut self, i: u32) -> R<Expr> {
        let p = self.p;
        let l = &p.lambdas[i as usize];
        let mut names: Vec<(Sym, u32)> = Vec::new();
        let mut formal_defs: Vec<(Sym, u32)> = Vec::new();
        let mut ellipsis = false;
        let has_formals = l.formals.is_some();
        if let Some((r, ell)) = l.formals {
            ellipsis = ell;
            for t in p.words(r).chunks(3) {
                let s = self.sym(t[0]);
                names.push((s, names.len() as u32));
                formal_defs.push((s, t[1]));
            }
        }
        let arg_slot = if l.arg == NONE {
            None
        } else {
            let s = self.sym(l.arg);
            if names.iter().any(|(n, _)| *n == s) {
                return Err(Decline);
            }
            names.push((s, names.len() as u32));
            Some(names.len() as u32 - 1)
        };
        let slots = names.len() as u32;
        let body = l.body;
        self.scopes.push(Scope { names, with: false });
        let r = (|| -> R<LambdaParts> {
            let mut formals = Vec::with_capacity(formal_defs.len());
            for (s, d) in &formal_defs {
                formals.push((*s, if *d == NONE { None } else { Some(self.expr(*d)?) }));
            }
            Ok((formals, self.expr(body)?))
        })();
        self.scopes.pop();
        let (formals, body) = r?;
        Ok(Expr::Lambda(Rc::new(LambdaInfo {
            formals: has_formals.then_some(formals),
            ellipsis,
            arg_slot,
            slots,
            body,
        })))
    }
}
