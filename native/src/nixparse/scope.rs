//! The free variables of a parsed tree: the names it uses outside any `with` without binding
//! them (by `let`, `rec`, a function's argument or formals). Nix resolves variables when it
//! parses a file, and an unknown one is an error even in code that never runs; with this list
//! the evaluator can check a file's names against its built-ins at once and compile function
//! bodies only when they are first called. packages/eval/src/scope.ts is the TS twin.

use super::encode::MAX_TREE_DEPTH;
use super::parser::{Node, Parser, Range, DYN, NONE};
use super::strings::{FxMap, Sym};
use super::Fail;

struct Walker<'p, 'a> {
    p: &'p Parser<'a>,
    /// How many enclosing scopes bind each name.
    bound: FxMap<Sym, u32>,
    /// Enclosing `with`s: under one, an unbound name is looked up at run time.
    withs: u32,
    free: Vec<Sym>,
    seen: FxMap<Sym, ()>,
    depth: u32,
}

/// The free variables of the tree at `root`, in order of first use; Fail when it is deeper
/// than `MAX_TREE_DEPTH` (as the encoder).
pub fn free_names(p: &Parser<'_>, root: u32) -> Result<Vec<Sym>, Fail> {
    let mut w = Walker { p, bound: FxMap::default(), withs: 0, free: Vec::new(), seen: FxMap::default(), depth: 0 };
    w.expr(root)?;
    Ok(w.free)
}

impl Walker<'_, '_> {
    fn bind(&mut self, s: Sym) {
        *self.bound.entry(s).or_insert(0) += 1;
    }

    fn unbind(&mut self, s: Sym) {
        if let Some(n) = self.bound.get_mut(&s) {
            *n -= 1;
        }
    }

    fn var(&mut self, s: Sym) {
        if self.withs > 0 || self.bound.get(&s).is_some_and(|&n| n > 0) {
            return;
        }
        if self.seen.insert(s, ()).is_none() {
            self.free.push(s);
        }
    }

    fn path(&mut self, path: Range) -> Result<(), Fail> {
        for &a in self.p.words(path) {
            if a & DYN != 0 {
                self.expr(a & !DYN)?;
            }
        }
        Ok(())
    }

    fn exprs(&mut self, r: Range) -> Result<(), Fail> {
        for i in 0..r.len {
            self.expr(self.p.extra[(r.start + i) as usize])?;
        }
        Ok(())
    }

    /// The bindings of a `rec` set or a `let` (`set`: an index in `Parser::sets`), then
    /// `body` if any, in the scope they make. `inherit x;` takes x from the scope around.
    fn recursive(&mut self, set: u32, body: u32) -> Result<(), Fail> {
        let a = &self.p.sets[set as usize];
        for (_, d) in &a.defs {
            if d.inherited {
                self.expr(d.e)?;
            }
        }
        for &(name, _) in &a.defs {
            self.bind(name);
        }
        for (_, d) in &a.defs {
            if !d.inherited {
                self.expr(d.e)?;
            }
        }
        for d in &a.dyns {
            self.expr(d.name)?;
            self.expr(d.e)?;
        }
        if body != NONE {
            self.expr(body)?;
        }
        for &(name, _) in &a.defs {
            self.unbind(name);
        }
        Ok(())
    }

    fn expr(&mut self, id: u32) -> Result<(), Fail> {
        self.depth += 1;
        if self.depth > MAX_TREE_DEPTH {
            return Err(Fail);
        }
        match self.p.nodes[id as usize] {
            Node::Int(..) | Node::Float(..) | Node::Str(..) | Node::Path(..) | Node::HPath(..) | Node::CurPos(_) => {}
            Node::Var(_, s) => self.var(s),
            Node::Select(_, e, path, def) => {
                self.expr(e)?;
                self.path(path)?;
                if def != NONE {
                    self.expr(def)?;
                }
            }
            Node::Has(_, e, path) => {
                self.expr(e)?;
                self.path(path)?;
            }
            Node::Attrs(i) => {
                let a = &self.p.sets[i as usize];
                if a.rec {
                    self.recursive(i, NONE)?;
                } else {
                    for (_, d) in &a.defs {
                        self.expr(d.e)?;
                    }
                    for d in &a.dyns {
                        self.expr(d.name)?;
                        self.expr(d.e)?;
                    }
                }
            }
            Node::List(_, elems) => self.exprs(elems)?,
            Node::Lambda(i) => {
                let l = &self.p.lambdas[i as usize];
                let formals = l.formals.map(|(f, _)| self.p.words(f)).unwrap_or(&[]);
                if l.arg != NONE {
                    self.bind(l.arg);
                }
                for f in formals.chunks_exact(3) {
                    self.bind(f[0]);
                }
                // (defaults see the argument and every formal)
                for f in formals.chunks_exact(3) {
                    if f[1] != NONE {
                        self.expr(f[1])?;
                    }
                }
                self.expr(l.body)?;
                for f in formals.chunks_exact(3) {
                    self.unbind(f[0]);
                }
                if l.arg != NONE {
                    self.unbind(l.arg);
                }
            }
            Node::Call(_, f, args) => {
                self.expr(f)?;
                self.exprs(args)?;
            }
            Node::Let(_, attrs, body) => match self.p.nodes[attrs as usize] {
                Node::Attrs(i) => self.recursive(i, body)?,
                _ => return Err(Fail),
            },
            Node::With(_, attrs, body) => {
                self.expr(attrs)?;
                self.withs += 1;
                self.expr(body)?;
                self.withs -= 1;
            }
            Node::If(_, c, t, e) => {
                self.expr(c)?;
                self.expr(t)?;
                self.expr(e)?;
            }
            Node::Assert(_, a, b) | Node::Bin(_, _, a, b) => {
                self.expr(a)?;
                self.expr(b)?;
            }
            Node::Not(_, e) => self.expr(e)?,
            Node::ConcatStrings(_, _, parts) => {
                for pair in self.p.words(parts).chunks_exact(2) {
                    self.expr(pair[1])?;
                }
            }
        }
        self.depth -= 1;
        Ok(())
    }
}
