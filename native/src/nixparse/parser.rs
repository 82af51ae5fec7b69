//! The parser of packages/eval/src/parser.ts, function for function: the same lookahead (so
//! the lexer runs, and makes symbols, at the same moments), the same desugarings, positions
//! and attribute merging, building a tree in an arena. Errors are `Fail`: the TS parser,
//! run instead, produces the message.

use super::lexer::{Lexer, Token, T, V};
use super::strings::{FxMap, Strings, Sym};
use super::Fail;

pub type Id = u32;
/// A byte offset in the source (its `PosIdx` is `src.base + offset`).
pub type Pos = u32;
type R<X> = Result<X, Fail>;

/// Recursion depth (nested parse_expr/parse_op/parse_simple calls) beyond which the TS parser
/// is left to decide: it has a stack for at least 2.5 times this at the top level.
pub const MAX_DEPTH: u32 = 1000;

/// An attribute name in a path: a string id, or `DYN | node` for `${…}` / a non-constant string.
pub type AttrName = u32;
pub const DYN: u32 = 1 << 31;
/// No node / no string.
pub const NONE: u32 = u32::MAX;

#[derive(Clone, Copy)]
pub struct AttrDef {
    pub e: Id,
    pub pos: Pos,
    pub inherited: bool,
}

pub struct DynDef {
    pub name: Id,
    pub e: Id,
    pub pos: Pos,
}

/// A run of `len` words of `Parser::extra` from `start`.
#[derive(Clone, Copy)]
pub struct Range {
    pub start: u32,
    pub len: u32,
}

#[derive(Clone, Copy)]
pub enum BinOp {
    Eq,
    Neq,
    And,
    Or,
    Impl,
    Update,
    Concat,
}

#[derive(Clone, Copy)]
pub enum IntVal {
    Small(i32),
    /// The literal's text, for values of 2^31 and more.
    Text(Sym),
}

pub struct Attrs {
    pub pos: Pos,
    pub rec: bool,
    /// In insertion order (a JS Map's iteration order).
    pub defs: Vec<(Sym, AttrDef)>,
    pub dyns: Vec<DynDef>,
}

pub struct Lambda {
    pub pos: Pos,
    pub arg: Sym,
    /// `(name, default or NONE, pos)` triples in source order (the decoder sorts them by
    /// symbol, which needs the JS symbol table); None without formals.
    pub formals: Option<(Range, bool)>,
    pub body: Id,
    pub name: Sym,
}

/// Lists of children are `Range`s of `Parser::extra`: node ids, attribute names (`AttrName`),
/// `(pos, node)` pairs for string parts.
#[derive(Clone, Copy)]
pub enum Node {
    Int(Pos, IntVal),
    Float(Pos, Sym),
    Str(Pos, Sym),
    Path(Pos, Sym),
    HPath(Pos, Sym),
    Var(Pos, Sym),
    CurPos(Pos),
    /// e, path, default or NONE
    Select(Pos, Id, Range, Id),
    Has(Pos, Id, Range),
    /// index in `Parser::sets`
    Attrs(u32),
    List(Pos, Range),
    /// index in `Parser::lambdas`
    Lambda(u32),
    Call(Pos, Id, Range),
    Let(Pos, Id, Id),
    With(Pos, Id, Id),
    If(Pos, Id, Id, Id),
    Assert(Pos, Id, Id),
    Not(Pos, Id),
    Bin(BinOp, Pos, Id, Id),
    ConcatStrings(Pos, bool, Range),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Assoc {
    Left,
    Right,
    None,
}

fn binop(t: T) -> Option<(i32, Assoc)> {
    Some(match t {
        T::Impl => (1, Assoc::Right),
        T::Or => (2, Assoc::Left),
        T::And => (3, Assoc::Left),
        T::Eq | T::Neq => (4, Assoc::None),
        T::Lt | T::Gt | T::Leq | T::Geq => (5, Assoc::None),
        T::Update => (6, Assoc::Right),
        T::Plus | T::Minus => (8, Assoc::Left),
        T::Star | T::Slash => (9, Assoc::Left),
        T::Concat => (10, Assoc::Right),
        T::Question => (11, Assoc::None),
        _ => return None,
    })
}
const PREC_NOT: i32 = 7;
const PREC_NEGATE: i32 = 12;

fn starts_select(t: T) -> bool {
    matches!(
        t,
        T::Id
            | T::Int
            | T::Float
            | T::Quote
            | T::IndOpen
            | T::Path
            | T::HPath
            | T::SPath
            | T::Uri
            | T::LParen
            | T::Rec
            | T::LBrace
            | T::LBrack
            | T::Let
    )
}

/// Length of a token's text where parser.ts uses it (`open.v.length`, `before.v.length`).
fn text_len(t: T) -> u32 {
    match t {
        T::Let => 3,
        T::Inherit => 7,
        _ => 1,
    }
}

/// Sets up to this size are searched, larger ones indexed.
const SMALL_ATTRS: usize = 8;

/// Size of the lookahead ring (parser.ts looks at most 4 tokens ahead).
const LOOKAHEAD: usize = 8;

/// Indented-string text or an interpolation, before indentation is stripped.
enum IndPart {
    Text(Pos, V, bool),
    Expr(Pos, Id),
}

pub struct Parser<'a> {
    src: &'a [u8],
    lex: Lexer<'a>,
    ahead: [Token; LOOKAHEAD],
    head: usize,
    count: usize,
    pub st: Strings<'a>,
    scratch: Vec<u8>,
    pub nodes: Vec<Node>,
    /// Children lists of nodes (see `Node`).
    pub extra: Vec<u32>,
    /// Lists being built, nested ones above outer ones; each goes to `extra` when complete.
    stack: Vec<u32>,
    pub sets: Vec<Attrs>,
    pub lambdas: Vec<Lambda>,
    /// (attrs node, name) → index in its `defs`, for sets larger than `SMALL_ATTRS`.
    index: FxMap<(Id, Sym), u32>,
    /// The `e` of `inherit (e) a b;`, referenced by several nodes.
    pub shared: FxMap<Id, ()>,
    depth: u32,
}

impl<'a> Parser<'a> {
    pub fn new(src: &'a [u8]) -> Self {
        let eof = Token { t: T::Eof, v: V::None, indent: false, off: 0 };
        Parser {
            src,
            lex: Lexer::new(src),
            ahead: [eof; LOOKAHEAD],
            head: 0,
            count: 0,
            st: Strings::new(src),
            scratch: Vec::new(),
            // (about one node per 14 bytes of Nix, one list word per 10)
            nodes: Vec::with_capacity(src.len() / 12),
            extra: Vec::with_capacity(src.len() / 8),
            stack: Vec::new(),
            sets: Vec::new(),
            lambdas: Vec::new(),
            index: FxMap::default(),
            shared: FxMap::default(),
            depth: 0,
        }
    }

    fn peek(&mut self, k: usize) -> R<Token> {
        while self.count <= k {
            let t = self.lex.next(&mut self.st, &mut self.scratch)?;
            self.ahead[(self.head + self.count) & (LOOKAHEAD - 1)] = t;
            self.count += 1;
        }
        Ok(self.ahead[(self.head + k) & (LOOKAHEAD - 1)])
    }
    fn next(&mut self) -> R<Token> {
        if self.count == 0 {
            return self.lex.next(&mut self.st, &mut self.scratch);
        }
        let t = self.ahead[self.head];
        self.head = (self.head + 1) & (LOOKAHEAD - 1);
        self.count -= 1;
        Ok(t)
    }
    fn expect(&mut self, k: T) -> R<Token> {
        if self.peek(0)?.t != k {
            return Err(Fail);
        }
        self.next()
    }
    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Fail);
        }
        Ok(())
    }

    fn add(&mut self, n: Node) -> Id {
        self.nodes.push(n);
        (self.nodes.len() - 1) as Id
    }
    /// Moves the list built on `stack` from `mark` to `extra`.
    fn list(&mut self, mark: usize) -> Range {
        let start = self.extra.len() as u32;
        self.extra.extend_from_slice(&self.stack[mark..]);
        self.stack.truncate(mark);
        Range { start, len: self.extra.len() as u32 - start }
    }
    fn pair(&mut self, pos: Pos, e: Id) {
        self.stack.push(pos);
        self.stack.push(e);
    }
    pub fn words(&self, r: Range) -> &[u32] {
        &self.extra[r.start as usize..(r.start + r.len) as usize]
    }
    fn sym(t: &Token) -> R<Sym> {
        match t.v {
            V::Str(s) => Ok(s),
            _ => Err(Fail),
        }
    }
    fn constant(&mut self, s: &[u8]) -> Sym {
        self.st.of_bytes(s)
    }
    /// `staticName` of parser.ts: its `symbolId` call is what matters here (the decoder
    /// shares one `{ name }` object per name).
    fn static_name(&mut self, name: Sym) -> AttrName {
        self.st.symbol(name);
        name
    }

    pub fn parse_top(&mut self) -> R<Id> {
        let e = self.parse_expr()?;
        if self.peek(0)?.t != T::Eof {
            return Err(Fail);
        }
        Ok(e)
    }

    fn parse_expr(&mut self) -> R<Id> {
        self.enter()?;
        let e = self.parse_expr_inner()?;
        self.depth -= 1;
        Ok(e)
    }

    fn lambda(&mut self, l: Lambda) -> Id {
        self.lambdas.push(l);
        self.add(Node::Lambda(self.lambdas.len() as u32 - 1))
    }

    fn parse_expr_inner(&mut self) -> R<Id> {
        let t = self.peek(0)?;
        match t.t {
            T::Id => {
                let after = self.peek(1)?.t;
                if after == T::Colon {
                    self.next()?;
                    self.next()?;
                    let body = self.parse_expr()?;
                    let arg = Self::sym(&t)?;
                    return Ok(self.lambda(Lambda { pos: t.off, arg, formals: None, body, name: NONE }));
                }
                if after == T::At {
                    self.next()?;
                    self.next()?;
                    self.expect(T::LBrace)?;
                    let formals = self.parse_formals()?;
                    self.expect(T::RBrace)?;
                    self.expect(T::Colon)?;
                    let body = self.parse_expr()?;
                    let arg = Self::sym(&t)?;
                    return self.mk_lambda(&t, arg, formals, body);
                }
            }
            T::LBrace if self.looks_like_formals()? => {
                self.next()?;
                let formals = self.parse_formals()?;
                self.expect(T::RBrace)?;
                let mut arg = NONE;
                if self.peek(0)?.t == T::At {
                    self.next()?;
                    arg = Self::sym(&self.expect(T::Id)?)?;
                }
                self.expect(T::Colon)?;
                let body = self.parse_expr()?;
                return self.mk_lambda(&t, arg, formals, body);
            }
            T::Assert => {
                self.next()?;
                let cond = self.parse_expr()?;
                self.expect(T::Semi)?;
                let body = self.parse_expr()?;
                return Ok(self.add(Node::Assert(t.off, cond, body)));
            }
            T::With => {
                self.next()?;
                let attrs = self.parse_expr()?;
                self.expect(T::Semi)?;
                let body = self.parse_expr()?;
                return Ok(self.add(Node::With(t.off, attrs, body)));
            }
            T::Let if self.peek(1)?.t != T::LBrace => {
                self.next()?;
                let attrs = self.parse_binds(&t, T::In, false)?;
                self.expect(T::In)?;
                if !self.set(attrs)?.dyns.is_empty() {
                    return Err(Fail);
                }
                let body = self.parse_expr()?;
                return Ok(self.add(Node::Let(t.off, attrs, body)));
            }
            _ => {}
        }
        self.parse_if()
    }

    fn mk_lambda(&mut self, t: &Token, arg: Sym, formals: (Range, bool), body: Id) -> R<Id> {
        let (range, _) = formals;
        let n = range.len as usize / 3;
        for i in 0..n {
            let name = self.extra[range.start as usize + 3 * i];
            self.st.symbol(name);
        }
        // duplicates (of each other or of the @-name) are errors: left to the TS parser
        let names = self.words(range);
        for i in 0..n {
            let name = names[3 * i];
            if name == arg || (0..i).any(|j| names[3 * j] == name) {
                return Err(Fail);
            }
        }
        Ok(self.lambda(Lambda { pos: t.off, arg, formals: Some(formals), body, name: NONE }))
    }

    fn looks_like_formals(&mut self) -> R<bool> {
        let a = self.peek(1)?.t;
        if a == T::RBrace {
            let b = self.peek(2)?.t;
            return Ok(b == T::Colon || b == T::At);
        }
        if a == T::Ellipsis {
            return Ok(true);
        }
        if a == T::Id {
            let b = self.peek(2)?.t;
            if b == T::Comma || b == T::Question {
                return Ok(true);
            }
            if b == T::RBrace {
                let c = self.peek(3)?.t;
                return Ok(c == T::Colon || c == T::At);
            }
        }
        Ok(false)
    }

    fn parse_formals(&mut self) -> R<(Range, bool)> {
        let mark = self.stack.len();
        let mut ellipsis = false;
        loop {
            let t = self.peek(0)?;
            if t.t == T::Ellipsis {
                self.next()?;
                ellipsis = true;
                break;
            }
            if t.t != T::Id {
                break;
            }
            self.next()?;
            let mut def = NONE;
            if self.peek(0)?.t == T::Question {
                self.next()?;
                def = self.parse_expr()?;
            }
            let name = Self::sym(&t)?;
            self.stack.extend_from_slice(&[name, def, t.off]);
            if self.peek(0)?.t != T::Comma {
                break;
            }
            self.next()?;
        }
        Ok((self.list(mark), ellipsis))
    }

    fn parse_if(&mut self) -> R<Id> {
        let t = self.peek(0)?;
        if t.t == T::If {
            self.next()?;
            let cond = self.parse_expr()?;
            self.expect(T::Then)?;
            let th = self.parse_expr()?;
            self.expect(T::Else)?;
            let el = self.parse_expr()?;
            return Ok(self.add(Node::If(t.off, cond, th, el)));
        }
        self.parse_op(0)
    }

    fn call2(&mut self, name: &[u8], p: Pos, a: Id, b: Id) -> Id {
        let name = self.constant(name);
        let f = self.add(Node::Var(p, name));
        let mark = self.stack.len();
        self.stack.extend_from_slice(&[a, b]);
        let args = self.list(mark);
        self.add(Node::Call(p, f, args))
    }

    fn parse_op(&mut self, min_prec: i32) -> R<Id> {
        self.enter()?;
        let start = self.peek(0)?;
        let e = if start.t == T::Bang {
            self.next()?;
            let e = self.parse_op(PREC_NOT + 1)?;
            let left = self.add(Node::Not(start.off, e));
            self.continue_ops(left, &start, min_prec.max(0))?
        } else {
            let left = if start.t == T::Minus {
                self.next()?;
                let operand = self.parse_op(PREC_NEGATE + 1)?;
                let zero = self.add(Node::Int(start.off, IntVal::Small(0)));
                self.call2(b"__sub", start.off, zero, operand)
            } else {
                self.parse_app()?
            };
            self.continue_ops(left, &start, min_prec)?
        };
        self.depth -= 1;
        Ok(e)
    }

    fn continue_ops(&mut self, mut left: Id, start: &Token, min_prec: i32) -> R<Id> {
        let mut last_non_assoc = -1;
        loop {
            let op_tok = self.peek(0)?;
            let Some((prec, assoc)) = binop(op_tok.t) else { return Ok(left) };
            if prec < min_prec {
                return Ok(left);
            }
            if assoc == Assoc::None && prec == last_non_assoc {
                return Err(Fail);
            }
            self.next()?;
            let p = start.off;
            if op_tok.t == T::Question {
                let path = self.parse_attr_path()?;
                left = self.add(Node::Has(p, left, path));
                last_non_assoc = -1;
                continue;
            }
            let rhs_start = self.peek(0)?;
            let right = self.parse_op(if assoc == Assoc::Right { prec } else { prec + 1 })?;
            left = match op_tok.t {
                T::Impl => self.add(Node::Bin(BinOp::Impl, p, left, right)),
                T::Or => self.add(Node::Bin(BinOp::Or, p, left, right)),
                T::And => self.add(Node::Bin(BinOp::And, p, left, right)),
                T::Eq => self.add(Node::Bin(BinOp::Eq, p, left, right)),
                T::Neq => self.add(Node::Bin(BinOp::Neq, p, left, right)),
                T::Lt => self.call2(b"__lessThan", p, left, right),
                T::Gt => self.call2(b"__lessThan", p, right, left),
                T::Leq => {
                    let c = self.call2(b"__lessThan", p, right, left);
                    self.add(Node::Not(p, c))
                }
                T::Geq => {
                    let c = self.call2(b"__lessThan", p, left, right);
                    self.add(Node::Not(p, c))
                }
                T::Update => self.add(Node::Bin(BinOp::Update, p, left, right)),
                T::Plus => {
                    let mark = self.stack.len();
                    self.pair(p, left);
                    self.pair(rhs_start.off, right);
                    let parts = self.list(mark);
                    self.add(Node::ConcatStrings(p, false, parts))
                }
                T::Minus => self.call2(b"__sub", p, left, right),
                T::Star => self.call2(b"__mul", p, left, right),
                T::Slash => self.call2(b"__div", p, left, right),
                T::Concat => self.add(Node::Bin(BinOp::Concat, p, left, right)),
                _ => return Err(Fail),
            };
            last_non_assoc = if assoc == Assoc::None { prec } else { -1 };
        }
    }

    fn parse_app(&mut self) -> R<Id> {
        let start = self.peek(0)?;
        let f = self.parse_select()?;
        if !starts_select(self.peek(0)?.t) {
            return Ok(f);
        }
        let mark = self.stack.len();
        while starts_select(self.peek(0)?.t) {
            let a = self.parse_select()?;
            self.stack.push(a);
        }
        // `(f a) b` adds to the call (parser.ts: `fn.args = fn.args.concat(args)`)
        if let Node::Call(pos, g, old) = self.nodes[f as usize] {
            let start = self.extra.len() as u32;
            self.extra.extend_from_within(old.start as usize..(old.start + old.len) as usize);
            self.extra.extend_from_slice(&self.stack[mark..]);
            self.stack.truncate(mark);
            self.nodes[f as usize] = Node::Call(pos, g, Range { start, len: self.extra.len() as u32 - start });
            return Ok(f);
        }
        let args = self.list(mark);
        Ok(self.add(Node::Call(start.off, f, args)))
    }

    fn parse_select(&mut self) -> R<Id> {
        let start = self.peek(0)?;
        let e = self.parse_simple()?;
        let p = start.off;
        let t = self.peek(0)?.t;
        if t == T::Dot {
            self.next()?;
            let path = self.parse_attr_path()?;
            if self.peek(0)?.t == T::OrKw {
                self.next()?;
                let def = self.parse_select()?;
                return Ok(self.add(Node::Select(p, e, path, def)));
            }
            return Ok(self.add(Node::Select(p, e, path, NONE)));
        }
        if t == T::OrKw {
            // `e or` is `e` applied to a variable `or`
            self.next()?;
            let or = self.constant(b"or");
            let v = self.add(Node::Var(p, or));
            let mark = self.stack.len();
            self.stack.push(v);
            let args = self.list(mark);
            return Ok(self.add(Node::Call(p, e, args)));
        }
        Ok(e)
    }

    fn parse_attr_path(&mut self) -> R<Range> {
        let mark = self.stack.len();
        self.attr_path_onto_stack()?;
        Ok(self.list(mark))
    }
    fn attr_path_onto_stack(&mut self) -> R<()> {
        let a = self.parse_attr_name()?;
        self.stack.push(a);
        while self.peek(0)?.t == T::Dot {
            self.next()?;
            let a = self.parse_attr_name()?;
            self.stack.push(a);
        }
        Ok(())
    }

    /// A static name when `e` is a plain string, else a dynamic one.
    fn name_of(&mut self, e: Id) -> AttrName {
        match self.nodes[e as usize] {
            Node::Str(_, v) => self.static_name(v),
            _ => DYN | e,
        }
    }

    fn parse_attr_name(&mut self) -> R<AttrName> {
        let t = self.peek(0)?;
        match t.t {
            T::Id => {
                self.next()?;
                Ok(self.static_name(Self::sym(&t)?))
            }
            T::OrKw => {
                self.next()?;
                let or = self.constant(b"or");
                Ok(self.static_name(or))
            }
            T::Quote => {
                self.next()?;
                let e = self.parse_string_parts(&t)?;
                self.expect(T::Quote)?;
                Ok(self.name_of(e))
            }
            T::DollarCurly => {
                self.next()?;
                let e = self.parse_expr()?;
                self.expect(T::RBrace)?;
                Ok(self.name_of(e))
            }
            _ => Err(Fail),
        }
    }

    fn parse_string_parts(&mut self, open: &Token) -> R<Id> {
        let mark = self.stack.len();
        let mut only_literal = true;
        loop {
            let t = self.peek(0)?;
            if t.t == T::Str {
                self.next()?;
                let s = self.add(Node::Str(t.off, Self::sym(&t)?));
                self.pair(t.off, s);
            } else if t.t == T::DollarCurly {
                self.next()?;
                let e = self.parse_expr()?;
                self.expect(T::RBrace)?;
                self.pair(t.off, e);
                only_literal = false;
            } else {
                break;
            }
        }
        let n = (self.stack.len() - mark) / 2;
        if n == 0 {
            let empty = self.constant(b"");
            return Ok(self.add(Node::Str(open.off, empty)));
        }
        if n == 1 && only_literal {
            let e = self.stack[mark + 1];
            self.stack.truncate(mark);
            return Ok(e);
        }
        let parts = self.list(mark);
        Ok(self.add(Node::ConcatStrings(open.off, true, parts)))
    }

    fn parse_simple(&mut self) -> R<Id> {
        self.enter()?;
        let e = self.parse_simple_inner()?;
        self.depth -= 1;
        Ok(e)
    }

    fn parse_simple_inner(&mut self) -> R<Id> {
        let t = self.next()?;
        let p = t.off;
        Ok(match t.t {
            T::Id => {
                let name = Self::sym(&t)?;
                if self.st.bytes(name) == b"__curPos" {
                    self.add(Node::CurPos(p))
                } else {
                    self.add(Node::Var(p, name))
                }
            }
            T::Int => match t.v {
                V::Small(v) => self.add(Node::Int(p, IntVal::Small(v))),
                V::Str(s) => self.add(Node::Int(p, IntVal::Text(s))),
                _ => return Err(Fail),
            },
            T::Float => self.add(Node::Float(p, Self::sym(&t)?)),
            T::Quote => {
                let e = self.parse_string_parts(&t)?;
                self.expect(T::Quote)?;
                e
            }
            T::IndOpen => self.parse_ind_string(&t)?,
            T::Path | T::HPath => self.parse_path(&t)?,
            T::SPath => {
                let find = self.constant(b"__findFile");
                let nix_path = self.constant(b"__nixPath");
                let f = self.add(Node::Var(p, find));
                let a = self.add(Node::Var(p, nix_path));
                let s = self.add(Node::Str(p, Self::sym(&t)?));
                let mark = self.stack.len();
                self.stack.extend_from_slice(&[a, s]);
                let args = self.list(mark);
                self.add(Node::Call(p, f, args))
            }
            T::Uri => self.add(Node::Str(p, Self::sym(&t)?)),
            T::LParen => {
                let e = self.parse_expr()?;
                self.expect(T::RParen)?;
                e
            }
            T::Let => {
                self.expect(T::LBrace)?;
                let attrs = self.parse_binds(&t, T::RBrace, true)?;
                self.expect(T::RBrace)?;
                let body = self.constant(b"body");
                let mark = self.stack.len();
                let name = self.static_name(body);
                self.stack.push(name);
                let path = self.list(mark);
                self.add(Node::Select(p, attrs, path, NONE))
            }
            T::Rec => {
                let open = self.expect(T::LBrace)?;
                let attrs = self.parse_binds(&open, T::RBrace, true)?;
                self.expect(T::RBrace)?;
                attrs
            }
            T::LBrace => {
                let attrs = self.parse_binds(&t, T::RBrace, false)?;
                self.expect(T::RBrace)?;
                attrs
            }
            T::LBrack => {
                let mark = self.stack.len();
                while self.peek(0)?.t != T::RBrack {
                    if !starts_select(self.peek(0)?.t) {
                        return Err(Fail);
                    }
                    let e = self.parse_select()?;
                    self.stack.push(e);
                }
                self.next()?;
                let elems = self.list(mark);
                self.add(Node::List(p, elems))
            }
            _ => return Err(Fail),
        })
    }

    fn parse_path(&mut self, t: &Token) -> R<Id> {
        let p = t.off;
        let v = Self::sym(t)?;
        let first = self.add(if t.t == T::HPath { Node::HPath(p, v) } else { Node::Path(p, v) });
        let mark = self.stack.len();
        self.pair(p, first);
        loop {
            let n = self.next()?;
            match n.t {
                T::PathEnd => break,
                T::Str => {
                    // Nix's grammar starts the parts with `${…}`, or with one STR and then `${…}`
                    if self.stack.len() == mark + 2 && self.peek(0)?.t != T::DollarCurly {
                        return Err(Fail);
                    }
                    let s = self.add(Node::Str(n.off, Self::sym(&n)?));
                    self.pair(n.off, s);
                }
                T::DollarCurly => {
                    let e = self.parse_expr()?;
                    self.expect(T::RBrace)?;
                    self.pair(n.off, e);
                }
                _ => return Err(Fail),
            }
        }
        if self.stack.len() == mark + 2 {
            self.stack.truncate(mark);
            return Ok(first);
        }
        let parts = self.list(mark);
        Ok(self.add(Node::ConcatStrings(p, false, parts)))
    }

    fn ind_bytes<'s>(src: &'s [u8], v: &'s V) -> &'s [u8] {
        match v {
            V::Range(a, b) => &src[*a as usize..*b as usize],
            V::Lit(bytes, len) => &bytes[..*len as usize],
            _ => &[],
        }
    }

    fn parse_ind_string(&mut self, open: &Token) -> R<Id> {
        let mut parts = Vec::new();
        loop {
            let t = self.next()?;
            match t.t {
                T::IndClose => break,
                T::IndStr => parts.push(IndPart::Text(t.off, t.v, t.indent)),
                T::DollarCurly => {
                    let e = self.parse_expr()?;
                    self.expect(T::RBrace)?;
                    parts.push(IndPart::Expr(t.off, e));
                }
                _ => return Err(Fail),
            }
        }
        let p = open.off;
        if parts.is_empty() {
            let empty = self.constant(b"");
            return Ok(self.add(Node::Str(p, empty)));
        }
        let src = self.src;
        // minimum indentation, over lines that are not whitespace-only
        let mut at_start = true;
        let mut min_indent = 1000000;
        let mut cur = 0;
        for part in &parts {
            let s = match part {
                IndPart::Text(_, v, true) => Self::ind_bytes(src, v),
                _ => {
                    if at_start {
                        at_start = false;
                        min_indent = min_indent.min(cur);
                    }
                    continue;
                }
            };
            for &c in s {
                if at_start {
                    if c == b' ' {
                        cur += 1;
                    } else if c == b'\n' {
                        cur = 0;
                    } else {
                        at_start = false;
                        min_indent = min_indent.min(cur);
                    }
                } else if c == b'\n' {
                    at_start = true;
                    cur = 0;
                }
            }
        }
        // strip
        let mark = self.stack.len();
        at_start = true;
        let mut dropped = 0;
        let last = parts.len() - 1;
        let mut s2 = std::mem::take(&mut self.scratch);
        for (j, part) in parts.iter().enumerate() {
            let (pos, v) = match part {
                IndPart::Expr(pos, e) => {
                    at_start = false;
                    dropped = 0;
                    self.pair(*pos, *e);
                    continue;
                }
                IndPart::Text(pos, v, _) => (*pos, v),
            };
            let s = Self::ind_bytes(src, v);
            s2.clear();
            for &c in s {
                if at_start {
                    if c == b' ' {
                        if dropped >= min_indent {
                            s2.push(c);
                        }
                        dropped += 1;
                    } else if c == b'\n' {
                        dropped = 0;
                        s2.push(c);
                    } else {
                        at_start = false;
                        dropped = 0;
                        s2.push(c);
                    }
                } else {
                    s2.push(c);
                    if c == b'\n' {
                        at_start = true;
                    }
                }
            }
            if j == last {
                if let Some(q) = s2.iter().rposition(|&c| c == b'\n') {
                    if s2[q + 1..].iter().all(|&c| c == b' ') {
                        s2.truncate(q + 1);
                    }
                }
            }
            // (text left as it was is a slice of the source)
            let id = match v {
                V::Range(a, b) if s2.len() == (*b - *a) as usize => self.st.of_src(*a as usize, *b as usize),
                _ => self.st.of_bytes(&s2),
            };
            let e = self.add(Node::Str(pos, id));
            self.pair(pos, e);
        }
        self.scratch = s2;
        if self.stack.len() == mark + 2 {
            let e = self.stack[mark + 1];
            if let Node::Str(..) = self.nodes[e as usize] {
                self.stack.truncate(mark);
                return Ok(e);
            }
        }
        let parts = self.list(mark);
        Ok(self.add(Node::ConcatStrings(p, true, parts)))
    }

    fn set(&self, id: Id) -> R<&Attrs> {
        match self.nodes[id as usize] {
            Node::Attrs(i) => Ok(&self.sets[i as usize]),
            _ => Err(Fail),
        }
    }
    fn set_mut(&mut self, id: Id) -> R<&mut Attrs> {
        match self.nodes[id as usize] {
            Node::Attrs(i) => Ok(&mut self.sets[i as usize]),
            _ => Err(Fail),
        }
    }
    fn lookup(&self, attrs: Id, name: Sym) -> Option<AttrDef> {
        let a = self.set(attrs).ok()?;
        if a.defs.len() <= SMALL_ATTRS {
            return a.defs.iter().find(|(n, _)| *n == name).map(|(_, d)| *d);
        }
        let i = *self.index.get(&(attrs, name))?;
        Some(a.defs[i as usize].1)
    }
    fn insert(&mut self, attrs: Id, name: Sym, def: AttrDef) -> R<()> {
        let a = self.set_mut(attrs)?;
        a.defs.push((name, def));
        let len = a.defs.len();
        if len == SMALL_ATTRS + 1 {
            let names: Vec<Sym> = a.defs.iter().map(|(n, _)| *n).collect();
            for (i, n) in names.into_iter().enumerate() {
                self.index.insert((attrs, n), i as u32);
            }
        } else if len > SMALL_ATTRS + 1 {
            self.index.insert((attrs, name), len as u32 - 1);
        }
        Ok(())
    }
    fn is_attrs(&self, id: Id) -> bool {
        matches!(self.nodes[id as usize], Node::Attrs(_))
    }
    fn new_attrs(&mut self, pos: Pos, rec: bool) -> Id {
        self.sets.push(Attrs { pos, rec, defs: Vec::new(), dyns: Vec::new() });
        self.add(Node::Attrs(self.sets.len() as u32 - 1))
    }

    /// `binds` up to (not including) the `end` token.
    fn parse_binds(&mut self, open: &Token, end: T, rec: bool) -> R<Id> {
        let attrs = self.new_attrs(open.off, rec);
        // Nix 2.8 positions an inherited variable at the (empty) start of the bindings
        let binds_start = open.off + text_len(open.t);
        loop {
            let t = self.peek(0)?;
            if t.t == end {
                return Ok(attrs);
            }
            if t.t == T::Inherit {
                let mut before = self.next()?;
                let mut from = NONE;
                if self.peek(0)?.t == T::LParen {
                    self.next()?;
                    from = self.parse_expr()?;
                    before = self.expect(T::RParen)?;
                }
                let names_pos = before.off + text_len(before.t);
                let mut count = 0;
                loop {
                    let a = self.peek(0)?;
                    let name = match a.t {
                        T::Semi => break,
                        T::Id => {
                            self.next()?;
                            Self::sym(&a)?
                        }
                        T::OrKw => {
                            self.next()?;
                            self.constant(b"or")
                        }
                        T::Quote | T::DollarCurly => match self.parse_attr_name()? {
                            n if n & DYN == 0 => n,
                            _ => return Err(Fail),
                        },
                        _ => return Err(Fail),
                    };
                    if self.lookup(attrs, name).is_some() {
                        return Err(Fail);
                    }
                    let e = if from == NONE {
                        self.add(Node::Var(binds_start, name))
                    } else {
                        let mark = self.stack.len();
                        let n = self.static_name(name);
                        self.stack.push(n);
                        let path = self.list(mark);
                        self.add(Node::Select(binds_start, from, path, NONE))
                    };
                    self.insert(attrs, name, AttrDef { e, pos: names_pos, inherited: from == NONE })?;
                    count += 1;
                }
                if from != NONE && count > 1 {
                    self.shared.insert(from, ());
                }
                self.expect(T::Semi)?;
                continue;
            }
            if !matches!(t.t, T::Id | T::OrKw | T::Quote | T::DollarCurly) {
                return Err(Fail);
            }
            let mark = self.stack.len();
            self.attr_path_onto_stack()?;
            self.expect(T::Assign)?;
            let e = self.parse_expr()?;
            self.expect(T::Semi)?;
            self.add_attr(attrs, mark, e, t.off)?;
            self.stack.truncate(mark);
        }
    }

    /// Adds the binding of the path on `stack` from `mark` to `top`.
    fn add_attr(&mut self, top: Id, mark: usize, e: Id, pos: Pos) -> R<()> {
        let mut attrs = top;
        let last = self.stack.len() - 1;
        for j in mark..last {
            let a = self.stack[j];
            if a & DYN != 0 {
                let nested = self.new_attrs(pos, false);
                self.set_mut(attrs)?.dyns.push(DynDef { name: a & !DYN, e: nested, pos });
                attrs = nested;
                continue;
            }
            match self.lookup(attrs, a) {
                Some(existing) => {
                    if existing.inherited || !self.is_attrs(existing.e) {
                        return Err(Fail);
                    }
                    attrs = existing.e;
                }
                None => {
                    let nested = self.new_attrs(pos, false);
                    self.insert(attrs, a, AttrDef { e: nested, pos, inherited: false })?;
                    attrs = nested;
                }
            }
        }
        let name = self.stack[last];
        if name & DYN != 0 {
            self.set_mut(attrs)?.dyns.push(DynDef { name: name & !DYN, e, pos });
            return Ok(());
        }
        match self.lookup(attrs, name) {
            Some(existing) => {
                if !(self.is_attrs(existing.e) && self.is_attrs(e) && !existing.inherited) {
                    return Err(Fail);
                }
                // `a.b = …; a = { … };`: the later set's attributes join the earlier one
                let defs = std::mem::take(&mut self.set_mut(e)?.defs);
                for (n, d) in defs {
                    if self.lookup(existing.e, n).is_some() {
                        return Err(Fail);
                    }
                    self.insert(existing.e, n, d)?;
                }
            }
            None => {
                self.insert(attrs, name, AttrDef { e, pos, inherited: false })?;
                // (as Nix's setName: a curried function's inner lambdas take the name too)
                let mut l = e;
                while let Node::Lambda(i) = self.nodes[l as usize] {
                    let lambda = &mut self.lambdas[i as usize];
                    lambda.name = name;
                    l = lambda.body;
                }
            }
        }
        Ok(())
    }
}
