//! The flat encoding of a parsed tree, one `Int32Array` (see `mod.rs` for the layout).
//! Nodes are written in post-order, children in the order of the fields parser.ts gives
//! them, so the decoder builds each object when its record comes, from a stack of values.

use super::parser::{BinOp, IntVal, Node, Parser, Range, DYN, NONE};
use super::strings::FxMap;
use super::{op, Fail, MAGIC};

type R<X> = Result<X, Fail>;

/// Tree depth beyond which the TS parser is left to decide (the encoder recurses; the
/// parser's own recursion is bounded by `MAX_DEPTH`, but `a + b + …` nests the tree only).
pub const MAX_TREE_DEPTH: u32 = 20000;

struct Encoder<'p, 'a> {
    p: &'p Parser<'a>,
    out: Vec<i32>,
    /// Slot of each shared node already written.
    slots: FxMap<u32, i32>,
    depth: u32,
}

/// Encodes the tree rooted at `root`, whose free variables are `free`; Fail when it is deeper
/// than `MAX_TREE_DEPTH`.
pub fn encode(p: &Parser<'_>, root: u32, free: &[u32]) -> R<Vec<i32>> {
    let st = &p.st;
    let nodes_at = 7 + 2 * st.entries.len() + st.symbols.len() + free.len();
    let side_words = st.side.len().div_ceil(4);
    let mut out = Vec::with_capacity(nodes_at + p.nodes.len() * 6 + side_words);
    // (slot and node counts are filled in at the end)
    out.extend_from_slice(&[
        MAGIC,
        st.entries.len() as i32,
        st.symbols.len() as i32,
        0,
        0,
        st.side.len() as i32,
        free.len() as i32,
    ]);
    for &(a, b) in &st.entries {
        out.push(a);
        out.push(b);
    }
    out.extend(st.symbols.iter().map(|&s| s as i32));
    out.extend(free.iter().map(|&s| s as i32));
    let mut e = Encoder { p, out, slots: FxMap::default(), depth: 0 };
    e.expr(root)?;
    let mut out = e.out;
    out[3] = e.slots.len() as i32;
    out[4] = (out.len() - nodes_at) as i32;
    // bytes in memory order: the JS side reads them through a byte view of the same buffer
    out.extend(st.side.chunks(4).map(|c| {
        let mut w = [0u8; 4];
        w[..c.len()].copy_from_slice(c);
        i32::from_ne_bytes(w)
    }));
    Ok(out)
}

fn opt(x: u32) -> i32 {
    if x == NONE {
        -1
    } else {
        x as i32
    }
}

impl Encoder<'_, '_> {
    /// The dynamic names of a path (its static ones are in the record).
    fn path_children(&mut self, path: Range) -> R<()> {
        for &a in self.p.words(path) {
            if a & DYN != 0 {
                self.expr(a & !DYN)?;
            }
        }
        Ok(())
    }
    fn dyn_count(&self, path: Range) -> i32 {
        self.p.words(path).iter().filter(|&&a| a & DYN != 0).count() as i32
    }
    fn path_record(&mut self, path: Range) {
        self.out.push(path.len as i32);
        let words = self.p.words(path);
        self.out.extend(words.iter().map(|&a| if a & DYN == 0 { a as i32 } else { -1 }));
    }

    fn expr(&mut self, id: u32) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_TREE_DEPTH {
            return Err(Fail);
        }
        let shared = !self.p.shared.is_empty() && self.p.shared.contains_key(&id);
        if shared {
            if let Some(&slot) = self.slots.get(&id) {
                self.out.extend_from_slice(&[op::REF, slot]);
                self.depth -= 1;
                return Ok(());
            }
        }
        match self.p.nodes[id as usize] {
            Node::Int(pos, IntVal::Small(v)) => self.record(&[op::INT, pos as i32, v]),
            Node::Int(pos, IntVal::Text(s)) => self.record(&[op::BIG_INT, pos as i32, s as i32]),
            Node::Float(pos, s) => self.record(&[op::FLOAT, pos as i32, s as i32]),
            Node::Str(pos, s) => self.record(&[op::STR, pos as i32, s as i32]),
            Node::Path(pos, s) => self.record(&[op::PATH, pos as i32, s as i32]),
            Node::HPath(pos, s) => self.record(&[op::HPATH, pos as i32, s as i32]),
            Node::Var(pos, s) => self.record(&[op::VAR, pos as i32, s as i32]),
            Node::CurPos(pos) => self.record(&[op::CUR_POS, pos as i32]),
            Node::Select(pos, e, path, def) => {
                self.expr(e)?;
                self.path_children(path)?;
                if def != NONE {
                    self.expr(def)?;
                }
                self.record(&[op::SELECT, pos as i32, (def != NONE) as i32, self.dyn_count(path)]);
                self.path_record(path);
            }
            Node::Has(pos, e, path) => {
                self.expr(e)?;
                self.path_children(path)?;
                self.record(&[op::HAS, pos as i32, self.dyn_count(path)]);
                self.path_record(path);
            }
            Node::Attrs(i) => {
                let a = &self.p.sets[i as usize];
                for (_, d) in &a.defs {
                    self.expr(d.e)?;
                }
                for d in &a.dyns {
                    self.expr(d.name)?;
                    self.expr(d.e)?;
                }
                self.record(&[op::ATTRS, a.pos as i32, a.rec as i32, a.defs.len() as i32, a.dyns.len() as i32]);
                for (name, d) in &a.defs {
                    self.out.extend_from_slice(&[*name as i32, d.pos as i32, d.inherited as i32]);
                }
                self.out.extend(a.dyns.iter().map(|d| d.pos as i32));
            }
            Node::List(pos, elems) => {
                self.exprs(elems)?;
                self.record(&[op::LIST, pos as i32, elems.len as i32]);
            }
            Node::Lambda(i) => {
                let l = &self.p.lambdas[i as usize];
                let mut defs = 0;
                if let Some((formals, _)) = l.formals {
                    for f in self.p.words(formals).chunks_exact(3) {
                        if f[1] != NONE {
                            self.expr(f[1])?;
                            defs += 1;
                        }
                    }
                }
                // (the length is known once the body is written)
                let marker = self.out.len();
                self.record(&[op::BODY, 0]);
                self.expr(l.body)?;
                self.out[marker + 1] = (self.out.len() - marker - 2) as i32;
                self.record(&[op::LAMBDA, l.pos as i32, opt(l.arg), opt(l.name), defs]);
                match l.formals {
                    None => self.out.push(-1),
                    Some((formals, ellipsis)) => {
                        self.out.extend_from_slice(&[formals.len as i32 / 3, ellipsis as i32]);
                        for f in self.p.words(formals).chunks_exact(3) {
                            self.out.extend_from_slice(&[f[0] as i32, f[2] as i32, (f[1] != NONE) as i32]);
                        }
                    }
                }
            }
            Node::Call(pos, f, args) => {
                self.expr(f)?;
                self.exprs(args)?;
                self.record(&[op::CALL, pos as i32, args.len as i32]);
            }
            Node::Let(pos, a, b) => self.two(op::LET, pos, a, b)?,
            Node::With(pos, a, b) => self.two(op::WITH, pos, a, b)?,
            Node::Assert(pos, a, b) => self.two(op::ASSERT, pos, a, b)?,
            Node::If(pos, c, t, e) => {
                self.expr(c)?;
                self.expr(t)?;
                self.expr(e)?;
                self.record(&[op::IF, pos as i32]);
            }
            Node::Not(pos, e) => {
                self.expr(e)?;
                self.record(&[op::NOT, pos as i32]);
            }
            Node::Bin(o, pos, a, b) => {
                let tag = match o {
                    BinOp::Eq => op::EQ,
                    BinOp::Neq => op::NEQ,
                    BinOp::And => op::AND,
                    BinOp::Or => op::OR,
                    BinOp::Impl => op::IMPL,
                    BinOp::Update => op::UPDATE,
                    BinOp::Concat => op::CONCAT,
                };
                self.two(tag, pos, a, b)?;
            }
            Node::ConcatStrings(pos, force, parts) => {
                for pair in self.p.words(parts).chunks_exact(2) {
                    self.expr(pair[1])?;
                }
                self.record(&[op::CONCAT_STRINGS, pos as i32, force as i32, parts.len as i32 / 2]);
                self.out.extend(self.p.words(parts).chunks_exact(2).map(|pair| pair[0] as i32));
            }
        }
        if shared {
            let slot = self.slots.len() as i32;
            self.slots.insert(id, slot);
            self.out.extend_from_slice(&[op::SHARE, slot]);
        }
        self.depth -= 1;
        Ok(())
    }

    fn record(&mut self, words: &[i32]) {
        self.out.extend_from_slice(words);
    }

    fn exprs(&mut self, r: Range) -> R<()> {
        for i in 0..r.len {
            self.expr(self.p.extra[(r.start + i) as usize])?;
        }
        Ok(())
    }

    fn two(&mut self, tag: i32, pos: u32, a: u32, b: u32) -> R<()> {
        self.expr(a)?;
        self.expr(b)?;
        self.record(&[tag, pos as i32]);
        Ok(())
    }
}
