//! Tests over a reader of the encoding that prints trees as S-expressions (positions as
//! `@offset`). The full comparison with the TS parser is in packages/eval's
//! native-parse.test.ts; these pin the encoding and the fallback cases.

use super::{op, parse, MAGIC, MAX_DEPTH, MAX_TREE_DEPTH};

struct Reader<'a> {
    w: &'a [i32],
    p: usize,
    strings: Vec<Vec<u8>>,
    /// Renderings of the values decoded so far.
    stack: Vec<String>,
    /// Where the lambda bodies being read end (from their `BODY` words).
    bodies: Vec<usize>,
}

impl Reader<'_> {
    fn int(&mut self) -> i32 {
        self.p += 1;
        self.w[self.p - 1]
    }
    fn s(&self, id: i32) -> String {
        String::from_utf8_lossy(&self.strings[id as usize]).into_owned()
    }
    fn name(&mut self) -> String {
        let id = self.int();
        if id < 0 {
            "-".into()
        } else {
            self.s(id)
        }
    }
    fn pop(&mut self, n: usize) -> Vec<String> {
        self.stack.split_off(self.stack.len() - n)
    }
    /// The path of a record, with its dynamic names taken from `dyns` (in order).
    fn path(&mut self, dyns: &mut impl Iterator<Item = String>) -> String {
        let n = self.int();
        let parts: Vec<String> = (0..n)
            .map(|_| match self.int() {
                -1 => format!("${{{}}}", dyns.next().unwrap()),
                id => self.s(id),
            })
            .collect();
        parts.join(".")
    }
    fn dyn_count(&self, at: usize) -> usize {
        let n = self.w[at] as usize;
        self.w[at + 1..at + 1 + n].iter().filter(|&&x| x < 0).count()
    }
    /// Decodes one record onto the stack.
    fn record(&mut self) {
        let at = self.p;
        let tag = self.int();
        if tag == op::BODY {
            let n = self.int() as usize;
            self.bodies.push(self.p + n);
            return;
        }
        if tag == op::SHARE || tag == op::REF {
            let slot = self.int();
            if tag == op::SHARE {
                let top = self.stack.pop().unwrap();
                self.stack.push(format!("#{slot}={top}"));
            } else {
                self.stack.push(format!("#{slot}"));
            }
            return;
        }
        let pos = self.int();
        let body = match tag {
            op::INT => format!("int {}", self.int()),
            op::BIG_INT => format!("bigint {}", self.name()),
            op::FLOAT => format!("float {}", self.name()),
            op::STR => format!("str {:?}", self.name()),
            op::PATH => format!("path {}", self.name()),
            op::HPATH => format!("hpath {}", self.name()),
            op::VAR => format!("var {}", self.name()),
            op::CUR_POS => "curpos".into(),
            op::SELECT => {
                let has_def = self.int() as usize;
                let d = self.int() as usize;
                assert_eq!(d, self.dyn_count(self.p));
                let mut c = self.pop(1 + d + has_def).into_iter();
                let e = c.next().unwrap();
                let path = self.path(&mut c);
                let def = c.next().map_or(String::new(), |d| format!(" or {d}"));
                format!("select {e} {path}{def}")
            }
            op::HAS => {
                let d = self.int() as usize;
                assert_eq!(d, self.dyn_count(self.p));
                let mut c = self.pop(1 + d).into_iter();
                let e = c.next().unwrap();
                format!("has {e} {}", self.path(&mut c))
            }
            op::ATTRS => {
                let rec = self.int();
                let (n, d) = (self.int() as usize, self.int() as usize);
                let mut c = self.pop(n + 2 * d).into_iter();
                let mut s = String::from(if rec == 1 { "rec" } else { "attrs" });
                for _ in 0..n {
                    let name = self.name();
                    let (dpos, inherited) = (self.int(), self.int());
                    let mark = if inherited == 1 { "inherit " } else { "" };
                    s += &format!(" [{mark}{name}@{dpos} {}]", c.next().unwrap());
                }
                for _ in 0..d {
                    let dpos = self.int();
                    let (name, e) = (c.next().unwrap(), c.next().unwrap());
                    s += &format!(" [${{{name}}}@{dpos} {e}]");
                }
                s
            }
            op::LIST => {
                let n = self.int() as usize;
                format!("list {}", self.pop(n).join(" "))
            }
            op::LAMBDA => {
                // the body's nodes end where this record starts
                assert_eq!(self.bodies.pop(), Some(at));
                let (arg, name, k, n) = (self.name(), self.name(), self.int() as usize, self.int());
                let mut s = format!("lambda {arg} name={name}");
                let mut defs = Vec::new();
                if n >= 0 {
                    let ellipsis = self.int();
                    s += " {";
                    for _ in 0..n {
                        let f = self.name();
                        let (fpos, has) = (self.int(), self.int());
                        defs.push(has == 1);
                        s += &format!(" {f}@{fpos}{}", if has == 1 { "?%" } else { "" });
                    }
                    s += if ellipsis == 1 { " ... }" } else { " }" };
                }
                assert_eq!(k, defs.iter().filter(|&&x| x).count());
                let mut c = self.pop(k + 1);
                let body = c.pop().unwrap();
                for d in c {
                    s = s.replacen("?%", &format!("?{d}"), 1);
                }
                format!("{s} {body}")
            }
            op::CALL => {
                let n = self.int() as usize;
                format!("call {}", self.pop(n + 1).join(" "))
            }
            op::LET => format!("let {}", self.pop(2).join(" ")),
            op::WITH => format!("with {}", self.pop(2).join(" ")),
            op::IF => format!("if {}", self.pop(3).join(" ")),
            op::ASSERT => format!("assert {}", self.pop(2).join(" ")),
            op::NOT => format!("not {}", self.pop(1)[0]),
            op::EQ..=op::CONCAT => {
                let names = ["eq", "neq", "and", "or", "impl", "update", "concat"];
                format!("{} {}", names[(tag - op::EQ) as usize], self.pop(2).join(" "))
            }
            op::CONCAT_STRINGS => {
                let (force, n) = (self.int(), self.int() as usize);
                let mut s = String::from(if force == 1 { "cat!" } else { "cat" });
                for e in self.pop(n) {
                    s += &format!(" {e}@{}", self.int());
                }
                s
            }
            _ => panic!("bad tag {tag}"),
        };
        self.stack.push(format!("({body})@{pos}"));
    }
}

/// The tree as an S-expression, the symbol names in order and the free variables; None when
/// not handled.
fn run_all(src: &str) -> Option<(String, Vec<String>, Vec<String>)> {
    let w = parse(src.as_bytes())?;
    assert_eq!(w[0], MAGIC);
    let (ns, ny, nodes, nside, nfree) = (w[1] as usize, w[2] as usize, w[4] as usize, w[5] as usize, w[6] as usize);
    let start = 7 + 2 * ns + ny + nfree;
    let side: Vec<u8> = w[start + nodes..].iter().flat_map(|x| x.to_ne_bytes()).take(nside).collect();
    let strings = (0..ns)
        .map(|i| {
            let (a, b) = (w[7 + 2 * i], w[8 + 2 * i] as usize);
            if a >= 0 {
                src.as_bytes()[a as usize..b].to_vec()
            } else {
                side[(-1 - a) as usize..b].to_vec()
            }
        })
        .collect();
    let mut r = Reader { w: &w, p: start, strings, stack: Vec::new(), bodies: Vec::new() };
    while r.p < start + nodes {
        r.record();
    }
    assert_eq!(r.p, start + nodes, "node stream fully read");
    assert_eq!(r.stack.len(), 1, "one tree");
    assert!(r.bodies.is_empty(), "every body marker closed by its lambda");
    let tree = r.stack.pop().unwrap();
    let symbols = w[7 + 2 * ns..start - nfree].iter().map(|&id| r.s(id)).collect();
    let free = w[start - nfree..start].iter().map(|&id| r.s(id)).collect();
    Some((tree, symbols, free))
}

/// The tree as an S-expression and the symbol names in order; None when not handled.
fn run(src: &str) -> Option<(String, Vec<String>)> {
    run_all(src).map(|(tree, symbols, _)| (tree, symbols))
}

fn free(src: &str) -> Vec<String> {
    run_all(src).unwrap_or_else(|| panic!("not handled: {src}")).2
}

#[test]
fn lists_free_variables_in_order_of_first_use() {
    assert_eq!(free("f x (g x) y"), ["f", "x", "g", "y"]);
    assert_eq!(free("a - 1"), ["__sub", "a"]);
    assert_eq!(free("1"), Vec::<String>::new());
    // bound by let, rec, a function's argument and formals (defaults see them all)
    assert_eq!(free("let a = b; b = a; in a c"), ["c"]);
    assert_eq!(free("rec { a = b; b = a; c = d; }"), ["d"]);
    assert_eq!(free("{ a = b; b = 1; }"), ["b"]);
    assert_eq!(free("x: { y ? x + z, z } @ args: [ x y z args w ]"), ["w"]);
    assert_eq!(free("(x: x) x"), ["x"]);
    // `inherit x;` takes x from around; `inherit (e) x;` evaluates e inside
    assert_eq!(free("let inherit x; in x"), ["x"]);
    assert_eq!(free("rec { inherit (s) a; s = { }; }"), Vec::<String>::new());
    assert_eq!(free("let s = 1; in { inherit (s) a; b = s; }"), Vec::<String>::new());
    // under a `with`, an unbound name is looked up at run time; its set expression is outside
    assert_eq!(free("with a; b c"), ["a"]);
    assert_eq!(free("[ (with { }; x) x ]"), ["x"]);
    // dynamic names, defaults of a select, string parts, the other operators
    assert_eq!(free("rec { ${a} = b; b = 1; }.${c} or d"), ["a", "c", "d"]);
    assert_eq!(
        free("\"${a}\" + ''${b}'' == (if c then !d else e ? f) && (assert g; h // i ++ j)"),
        ["a", "b", "c", "d", "e", "g", "h", "i", "j"]
    );
    assert_eq!(free("let { body = x; x = y; }"), ["y"]);
}

fn tree(src: &str) -> String {
    run(src).unwrap_or_else(|| panic!("not handled: {src}")).0
}

#[test]
fn desugars_operators_at_the_start_of_the_left_operand() {
    assert_eq!(tree("a - b"), "(call (var __sub)@0 (var a)@0 (var b)@4)@0");
    assert_eq!(tree("-x"), "(call (var __sub)@0 (int 0)@0 (var x)@1)@0");
    assert_eq!(tree("a <= b"), "(not (call (var __lessThan)@0 (var b)@5 (var a)@0)@0)@0");
    assert_eq!(tree("a > b"), "(call (var __lessThan)@0 (var b)@4 (var a)@0)@0");
    assert_eq!(tree("x + y"), "(cat (var x)@0@0 (var y)@4@4)@0");
    assert_eq!(
        tree("a -> b || c && !d"),
        "(impl (var a)@0 (or (var b)@5 (and (var c)@10 (not (var d)@16)@15)@10)@5)@0"
    );
    assert_eq!(tree("a ? b.c"), "(has (var a)@0 b.c)@0");
}

#[test]
fn flattens_calls_and_reads_or_as_a_variable() {
    assert_eq!(tree("(f a) b"), "(call (var f)@1 (var a)@3 (var b)@6)@1");
    assert_eq!(tree("f or"), "(call (var f)@0 (var or)@0)@0");
    assert_eq!(tree("a.b or c"), "(select (var a)@0 b or (var c)@7)@0");
    assert_eq!(tree("<p/q> x"), "(call (var __findFile)@0 (var __nixPath)@0 (str \"p/q\")@0 (var x)@6)@0");
}

#[test]
fn positions_inherited_attributes_and_merges_paths() {
    assert_eq!(
        tree("{ inherit a; inherit (x) b c; }"),
        "(attrs [inherit a@9 (var a)@1] [b@24 (select #0=(var x)@22 b)@1] [c@24 (select #0 c)@1])@0"
    );
    assert_eq!(
        tree("{ a.b = 1; a.c = 2; d = { e = 3; }; d.f = 4; }"),
        "(attrs [a@2 (attrs [b@2 (int 1)@8] [c@11 (int 2)@17])@2] [d@20 (attrs [e@26 (int 3)@30] [f@36 (int 4)@42])@24])@0"
    );
    assert_eq!(tree("{ a.b = 1; a = { c = 2; }; }"), "(attrs [a@2 (attrs [b@2 (int 1)@8] [c@17 (int 2)@21])@2])@0");
    assert_eq!(tree("let { body = 1; }"), "(select (rec [body@6 (int 1)@13])@0 body)@0");
    assert_eq!(tree("{ ${a} = 1; \"b\" = 2; }"), "(attrs [b@12 (int 2)@18] [${(var a)@4}@2 (int 1)@9])@0");
}

#[test]
fn names_curried_lambdas_and_keeps_formals_in_source_order() {
    assert_eq!(tree("{ f = a: b: a; }"), "(attrs [f@2 (lambda a name=f (lambda b name=f (var a)@12)@9)@6])@0");
    assert_eq!(tree("{ b, a ? 1, ... }@x: a"), "(lambda x name=- { b@2 a@5?(int 1)@9 ... } (var a)@21)@0");
    assert_eq!(tree("x @ { }: x"), "(lambda x name=- { } (var x)@9)@0");
}

#[test]
fn reads_strings_paths_and_numbers() {
    assert_eq!(tree(r#""a\n${b}c""#), "(cat! (str \"a\\n\")@1@1 (var b)@6@4 (str \"c\")@8@8)@0");
    assert_eq!(tree("''\n  a\n    b\n  ''"), "(str \"a\\n  b\\n\")@3");
    assert_eq!(tree("''\n  ''$x ${y}''"), "(cat! (str \"\")@3@3 (str \"$\")@5@5 (str \"x \")@8@8 (var y)@12@10)@0");
    assert_eq!(tree("./a/${b}/c"), "(cat (path ./a/)@0@0 (var b)@6@4 (str \"/c\")@8@8)@0");
    assert_eq!(tree("a/${b}"), "(cat (path a/)@0@0 (var b)@4@2)@0");
    assert_eq!(tree("/a//b${c}"), "(cat (path /a/)@0@0 (str \"/b\")@3@3 (var c)@7@5)@0");
    assert_eq!(tree("~/x"), "(hpath ~/x)@0");
    assert_eq!(tree("http://x.org/a"), "(str \"http://x.org/a\")@0");
    assert_eq!(
        tree("[ 1 2147483648 1.5e3 __curPos ]"),
        "(list (int 1)@2 (bigint 2147483648)@4 (float 1.5e3)@15 (curpos)@21)@0"
    );
}

#[test]
fn lists_symbols_in_the_ts_parsers_order() {
    // the lexer's fast path makes symbols (keywords too), quoted names make theirs when
    // parsed, formals when the function is complete; `a.b/c`-like identifiers take the
    // regex path and make none
    let (_, symbols) = run("let \"q r\" = x; in { f/**/, e }: [ z y/* c */ ]").unwrap();
    assert_eq!(symbols, ["let", "q r", "x", "in", "e", "z", "f"]);
}

#[test]
fn shares_nothing_but_inherit_sources() {
    let (t, _) = run("{ inherit (x) a; }").unwrap();
    assert!(!t.contains('#'));
}

#[test]
fn leaves_errors_to_the_ts_parser() {
    for src in [
        "",
        "(",
        "a ==",
        "a == b == c",
        "{ a = 1; a = 2; }",
        "{ a.b = 1; a = 2; }",
        "{ x, x }: x",
        "x @ { x }: x",
        "99999999999999999999",
        "\"abc",
        "''abc",
        "let ${a} = 1; in a",
        "a/",
        // a path's parts start with `${…}`, or with one STR and then `${…}`
        "/a//b",
        "/a//b ",
        "/a//b//c",
        "{ inherit ${a}; }",
        "{ inherit a a; }",
        "1 $",
        "f let x",
    ] {
        assert!(run(src).is_none(), "{src:?} should not be handled");
    }
}

#[test]
fn runs_on_a_thread_of_its_own_when_the_stack_is_short() {
    let chain = vec!["a"; MAX_TREE_DEPTH as usize].join(" + ");
    for stack in [256 << 10, 32 << 20] {
        let chain = chain.clone();
        let handled = std::thread::Builder::new().stack_size(stack).spawn(move || parse(chain.as_bytes()).is_some());
        assert!(handled.unwrap().join().unwrap());
    }
}

#[test]
fn refuses_deep_nesting_without_overflowing() {
    let deep = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
    assert!(run(&deep(MAX_DEPTH as usize / 2)).is_some());
    assert!(run(&deep(100_000)).is_none());
    assert!(run(&format!("{}1{}", "(".repeat(100_000), ")".repeat(100_000))).is_none());
    // a long left-associative chain nests the tree, not the parser
    assert!(run(&vec!["a"; 5000].join(" + ")).is_some());
    assert!(run(&vec!["a"; MAX_TREE_DEPTH as usize + 1].join(" + ")).is_none());
}
