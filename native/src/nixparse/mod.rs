//! A Nix 2.8 parser for large sources, producing exactly the syntax tree of `@tsnix/eval`'s
//! TS parser (packages/eval/src/parser.ts and lexer.ts are its specification) in a flat
//! encoding that packages/eval/src/native-parse.ts decodes into the same JS objects.
//!
//! Anything the TS parser would reject (syntax errors, duplicate attributes or formals,
//! invalid integers, lexical errors), or that nests deeper than `MAX_DEPTH` (parser
//! recursion) or `MAX_TREE_DEPTH` (tree), gives `None`: the caller then runs the TS parser,
//! which reports the error with Nix's message.
//!
//! Encoding: one `i32` array.
//! - header: `MAGIC`, string count S, symbol count Y, shared-node slot count, node word
//!   count N, side byte count B, free variable count F;
//! - S string entries `[start, end)`: a slice of the source, or when `start < 0` the bytes
//!   `[-1 - start, end)` of the side bytes (strings the parser built, e.g. unescaped);
//! - Y string ids: the names whose symbols the TS parser would create (`symbolId`), in its
//!   order (first call of each name only);
//! - F string ids: the tree's free variables (see `scope.rs`), in order of first use;
//! - N words of nodes in post-order: each node's children, then its record `tag, offset,
//!   …` (see `op`); strings as ids, positions as byte offsets, `-1` for none; each lambda
//!   body's nodes after a `BODY` word pair giving their length;
//! - the B side bytes, 4 to a word in memory order.

mod encode;
pub(crate) mod lexer;
pub(crate) mod parser;
mod scope;
pub(crate) mod strings;

pub use encode::MAX_TREE_DEPTH;
pub use parser::MAX_DEPTH;

/// The input has an error or something left to the TS parser.
#[derive(Debug)]
pub struct Fail;

/// First word of an encoding (version 3: lambda bodies marked, free variables listed).
pub const MAGIC: i32 = 0x4e50_0003;

/// Record tags. "children" are the nodes before the record, in this order; the record's
/// other words follow its tag and offset. A path is a count and that many string ids, -1
/// for a dynamic name (an `${…}` child).
pub mod op {
    /// value
    pub const INT: i32 = 0;
    /// text (at least 2^31)
    pub const BIG_INT: i32 = 1;
    /// text
    pub const FLOAT: i32 = 2;
    /// string
    pub const STR: i32 = 3;
    /// token text (canonicalised by the decoder)
    pub const PATH: i32 = 4;
    /// token text `~/…`
    pub const HPATH: i32 = 5;
    /// name
    pub const VAR: i32 = 6;
    pub const CUR_POS: i32 = 7;
    /// children e, d dynamic names, [default]; has-default, d, path
    pub const SELECT: i32 = 8;
    /// children e, d dynamic names; d, path
    pub const HAS: i32 = 9;
    /// children n values, d × (name, value); rec, n, d, n × (name, pos, inherited), d × pos
    pub const ATTRS: i32 = 10;
    /// children n elements; n
    pub const LIST: i32 = 11;
    /// children k defaults (of the formals that have one), body; arg, name, k, n (-1: no
    /// formals), [ellipsis, n × (name, pos, has-default)]
    pub const LAMBDA: i32 = 12;
    /// children fn, n args; n
    pub const CALL: i32 = 13;
    /// children attrs, body
    pub const LET: i32 = 14;
    /// children attrs, body
    pub const WITH: i32 = 15;
    /// children cond, then, else
    pub const IF: i32 = 16;
    /// children cond, body
    pub const ASSERT: i32 = 17;
    /// child e
    pub const NOT: i32 = 18;
    /// children a, b (19–25)
    pub const EQ: i32 = 19;
    pub const NEQ: i32 = 20;
    pub const AND: i32 = 21;
    pub const OR: i32 = 22;
    pub const IMPL: i32 = 23;
    pub const UPDATE: i32 = 24;
    pub const CONCAT: i32 = 25;
    /// children n parts; force-string, n, n × pos
    pub const CONCAT_STRINGS: i32 = 26;
    /// `SHARE slot` follows the first occurrence of a node referenced again later as
    /// `REF slot` (the `e` of `inherit (e) a b;`): it keeps the value for the `REF`s.
    pub const SHARE: i32 = 27;
    pub const REF: i32 = 28;
    /// `BODY n` comes before the n words of a lambda body's nodes (its subtree, ending with
    /// its record), so that the decoder can skip them and decode the body when it is needed.
    pub const BODY: i32 = 29;
}

/// Largest source accepted: the parser needs about 10 bytes per source byte, and an
/// allocation failure would abort the process (the TS parser decides beyond).
const MAX_LEN: usize = 64 << 20;

/// Stack the parser needs at most: recursion at `MAX_DEPTH` and `MAX_TREE_DEPTH` takes under
/// 4 MiB. With less left on the calling thread (a worker's, or the main thread deep in an
/// evaluation), it runs on a thread of its own with `STACK`.
const NEED: usize = 6 << 20;
const STACK: usize = 16 << 20;

fn parse_encode(src: &[u8]) -> Result<Vec<i32>, Fail> {
    let mut p = parser::Parser::new(src);
    let root = p.parse_top()?;
    let free = scope::free_names(&p, root)?;
    encode::encode(&p, root, &free)
}

/// The lowest address of the current thread's stack, if the system says.
pub(crate) fn stack_low() -> Option<usize> {
    // SAFETY: plain calls on a zeroed attribute object that pthread_getattr_np initialises
    // (and that is destroyed once read).
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return None;
        }
        let mut low: *mut libc::c_void = std::ptr::null_mut();
        let mut size: libc::size_t = 0;
        let got = libc::pthread_attr_getstack(&attr, &mut low, &mut size);
        libc::pthread_attr_destroy(&mut attr);
        (got == 0).then_some(low as usize)
    }
}

/// Bytes of stack left below this frame on the current thread, if the system says.
fn stack_left() -> Option<usize> {
    let here = 0u8;
    (&here as *const u8 as usize).checked_sub(stack_low()?)
}

/// Parses `src` (the bytes of a Nix source) into the encoding above, or None when the TS
/// parser must decide (an error, or nesting beyond the limits).
pub fn parse(src: &[u8]) -> Option<Vec<i32>> {
    if src.len() > MAX_LEN {
        return None;
    }
    // (on the calling thread when it can: its warm allocator makes the parse faster; a bug's
    // panic must not unwind into the JS engine)
    if stack_left().is_some_and(|left| left >= NEED) {
        return std::panic::catch_unwind(|| parse_encode(src).ok()).ok().flatten();
    }
    std::thread::scope(|s| {
        let worker = std::thread::Builder::new().name("tsnix-parse".into()).stack_size(STACK);
        let handle = worker.spawn_scoped(s, || parse_encode(src).ok()).ok()?;
        handle.join().ok().flatten()
    })
}

#[cfg(test)]
mod tests;
