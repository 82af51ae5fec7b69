//! The built-in functions the native evaluator implements (Nix 2.8's primops.cc, in the same
//! order of forcing), and the global scope: every name of Nix 2.8's, those left out as values
//! that decline when used.

use std::collections::HashSet;
use std::rc::Rc;

use smallvec::smallvec;

use super::value::{Attrs, Sym, Thunk, ThunkState, Value, MAX_LIST, MAX_STR, R};
use super::{Decline, Evaluator};

/// Names whose global binding has no `__` prefix (the others are `__name`).
const UNPREFIXED: &[&str] = &[
    "abort",
    "baseNameOf",
    "builtins",
    "derivation",
    "derivationStrict",
    "dirOf",
    "false",
    "fetchGit",
    "fetchMercurial",
    "fetchTarball",
    "fetchTree",
    "fromTOML",
    "import",
    "isNull",
    "map",
    "null",
    "placeholder",
    "removeAttrs",
    "scopedImport",
    "throw",
    "toString",
    "true",
];

/// Every name of `builtins` in Nix 2.8 (`builtins.attrNames builtins`).
const ALL: &[&str] = &[
    "abort",
    "add",
    "addErrorContext",
    "all",
    "any",
    "appendContext",
    "attrNames",
    "attrValues",
    "baseNameOf",
    "bitAnd",
    "bitOr",
    "bitXor",
    "builtins",
    "catAttrs",
    "ceil",
    "compareVersions",
    "concatLists",
    "concatMap",
    "concatStringsSep",
    "currentSystem",
    "currentTime",
    "deepSeq",
    "derivation",
    "derivationStrict",
    "dirOf",
    "div",
    "elem",
    "elemAt",
    "false",
    "fetchGit",
    "fetchMercurial",
    "fetchTarball",
    "fetchTree",
    "fetchurl",
    "filter",
    "filterSource",
    "findFile",
    "floor",
    "foldl'",
    "fromJSON",
    "fromTOML",
    "functionArgs",
    "genList",
    "genericClosure",
    "getAttr",
    "getContext",
    "getEnv",
    "groupBy",
    "hasAttr",
    "hasContext",
    "hashFile",
    "hashString",
    "head",
    "import",
    "intersectAttrs",
    "isAttrs",
    "isBool",
    "isFloat",
    "isFunction",
    "isInt",
    "isList",
    "isNull",
    "isPath",
    "isString",
    "langVersion",
    "length",
    "lessThan",
    "listToAttrs",
    "map",
    "mapAttrs",
    "match",
    "mul",
    "nixPath",
    "nixVersion",
    "null",
    "parseDrvName",
    "partition",
    "path",
    "pathExists",
    "placeholder",
    "readDir",
    "readFile",
    "removeAttrs",
    "replaceStrings",
    "scopedImport",
    "seq",
    "sort",
    "split",
    "splitVersion",
    "storeDir",
    "storePath",
    "stringLength",
    "sub",
    "substring",
    "tail",
    "throw",
    "toFile",
    "toJSON",
    "toPath",
    "toString",
    "toXML",
    "trace",
    "true",
    "tryEval",
    "typeOf",
    "unsafeDiscardOutputDependency",
    "unsafeDiscardStringContext",
    "unsafeGetAttrPos",
    "zipAttrsWith",
];

/// The implemented functions: (name, arity); a function's id is its index here.
const PRIMS: &[(&str, usize)] = &[
    ("add", 2),
    ("sub", 2),
    ("mul", 2),
    ("div", 2),
    ("lessThan", 2),
    ("bitAnd", 2),
    ("bitOr", 2),
    ("bitXor", 2),
    ("ceil", 1),
    ("floor", 1),
    ("all", 2),
    ("any", 2),
    ("attrNames", 1),
    ("attrValues", 1),
    ("baseNameOf", 1),
    ("catAttrs", 2),
    ("compareVersions", 2),
    ("concatLists", 1),
    ("concatMap", 2),
    ("concatStringsSep", 2),
    ("deepSeq", 2),
    ("dirOf", 1),
    ("elem", 2),
    ("elemAt", 2),
    ("filter", 2),
    ("foldl'", 3),
    ("functionArgs", 1),
    ("genList", 2),
    ("genericClosure", 1),
    ("getAttr", 2),
    ("getEnv", 1),
    ("groupBy", 2),
    ("hasAttr", 2),
    ("hashString", 2),
    ("head", 1),
    ("import", 1),
    ("intersectAttrs", 2),
    ("isAttrs", 1),
    ("isBool", 1),
    ("isFloat", 1),
    ("isFunction", 1),
    ("isInt", 1),
    ("isList", 1),
    ("isNull", 1),
    ("isPath", 1),
    ("isString", 1),
    ("length", 1),
    ("listToAttrs", 1),
    ("map", 2),
    ("mapAttrs", 2),
    ("parseDrvName", 1),
    ("partition", 2),
    ("removeAttrs", 2),
    ("replaceStrings", 3),
    ("seq", 2),
    ("splitVersion", 1),
    ("stringLength", 1),
    ("substring", 3),
    ("tail", 1),
    ("toJSON", 1),
    ("toString", 1),
    ("typeOf", 1),
    ("zipAttrsWith", 2),
    ("addErrorContext", 2),
    ("sort", 2),
    ("fromJSON", 1),
    ("pathExists", 1),
    ("readFile", 1),
    ("readDir", 1),
];

/// The implemented functions, in the order of `PRIMS`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum P {
    Add,
    Sub,
    Mul,
    Div,
    LessThan,
    BitAnd,
    BitOr,
    BitXor,
    Ceil,
    Floor,
    All,
    Any,
    AttrNames,
    AttrValues,
    BaseNameOf,
    CatAttrs,
    CompareVersions,
    ConcatLists,
    ConcatMap,
    ConcatStringsSep,
    DeepSeq,
    DirOf,
    Elem,
    ElemAt,
    Filter,
    FoldlStrict,
    FunctionArgs,
    GenList,
    GenericClosure,
    GetAttr,
    GetEnv,
    GroupBy,
    HasAttr,
    HashString,
    Head,
    Import,
    IntersectAttrs,
    IsAttrs,
    IsBool,
    IsFloat,
    IsFunction,
    IsInt,
    IsList,
    IsNull,
    IsPath,
    IsString,
    Length,
    ListToAttrs,
    Map,
    MapAttrs,
    ParseDrvName,
    Partition,
    RemoveAttrs,
    ReplaceStrings,
    Seq,
    SplitVersion,
    StringLength,
    Substring,
    Tail,
    ToJSON,
    ToString,
    TypeOf,
    ZipAttrsWith,
    AddErrorContext,
    Sort,
    FromJSON,
    PathExists,
    ReadFile,
    ReadDir,
}

/// `PRIMS`'s functions by id.
const ORDER: [P; 69] = [
    P::Add,
    P::Sub,
    P::Mul,
    P::Div,
    P::LessThan,
    P::BitAnd,
    P::BitOr,
    P::BitXor,
    P::Ceil,
    P::Floor,
    P::All,
    P::Any,
    P::AttrNames,
    P::AttrValues,
    P::BaseNameOf,
    P::CatAttrs,
    P::CompareVersions,
    P::ConcatLists,
    P::ConcatMap,
    P::ConcatStringsSep,
    P::DeepSeq,
    P::DirOf,
    P::Elem,
    P::ElemAt,
    P::Filter,
    P::FoldlStrict,
    P::FunctionArgs,
    P::GenList,
    P::GenericClosure,
    P::GetAttr,
    P::GetEnv,
    P::GroupBy,
    P::HasAttr,
    P::HashString,
    P::Head,
    P::Import,
    P::IntersectAttrs,
    P::IsAttrs,
    P::IsBool,
    P::IsFloat,
    P::IsFunction,
    P::IsInt,
    P::IsList,
    P::IsNull,
    P::IsPath,
    P::IsString,
    P::Length,
    P::ListToAttrs,
    P::Map,
    P::MapAttrs,
    P::ParseDrvName,
    P::Partition,
    P::RemoveAttrs,
    P::ReplaceStrings,
    P::Seq,
    P::SplitVersion,
    P::StringLength,
    P::Substring,
    P::Tail,
    P::ToJSON,
    P::ToString,
    P::TypeOf,
    P::ZipAttrsWith,
    P::AddErrorContext,
    P::Sort,
    P::FromJSON,
    P::PathExists,
    P::ReadFile,
    P::ReadDir,
];

fn prim_id(name: &str) -> Option<u16> {
    PRIMS.iter().position(|(n, _)| *n == name).map(|i| i as u16)
}

/// Sets up the globals and `builtins`.
pub fn install(ev: &mut Evaluator) {
    let mut items: Vec<(Sym, Value)> = Vec::with_capacity(ALL.len());
    for &name in ALL {
        let v = match name {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "null" => Value::Null,
            "currentSystem" => Value::str(b"x86_64-linux"),
            "nixVersion" => Value::str(b"2.8.0"),
            "langVersion" => Value::Int(6),
            "storeDir" => Value::str(&ev.store_dir.clone()),
            _ => match prim_id(name) {
                Some(id) => Value::Prim(id),
                None => Thunk::value(ThunkState::Unsupported),
            },
        };
        let s = ev.syms.intern(name.as_bytes());
        items.push((s, v));
    }
    items.sort_by_key(|i| i.0);
    let builtins = Value::Attrs(Rc::new(Attrs { items: items.clone() }));
    for (s, v) in items {
        let name = ev.syms.name(s).clone();
        let v = if &*name == b"builtins" { builtins.clone() } else { v };
        let global = if UNPREFIXED.iter().any(|u| u.as_bytes() == &*name) {
            s
        } else {
            let mut p = b"__".to_vec();
            p.extend_from_slice(&name);
            ev.syms.intern(&p)
        };
        ev.globals.insert(global, v);
    }
}

fn os_path(p: &[u8]) -> &std::ffi::OsStr {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::OsStr::from_bytes(p)
}

/// compareVersions / splitVersion components (names.cc).
fn component_start(s: &[u8], mut p: usize) -> usize {
    while p < s.len() && (s[p] == b'.' || s[p] == b'-') {
        p += 1;
    }
    p
}
fn component_end(s: &[u8], mut p: usize) -> usize {
    if p >= s.len() {
        return p;
    }
    if s[p].is_ascii_digit() {
        while p < s.len() && s[p].is_ascii_digit() {
            p += 1;
        }
    } else {
        while p < s.len() && !s[p].is_ascii_digit() && s[p] != b'.' && s[p] != b'-' {
            p += 1;
        }
    }
    p
}
/// A numeric component as Nix reads it (into a C int).
fn component_int(c: &[u8]) -> Option<i64> {
    if c.is_empty() || !c.iter().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut n: i64 = 0;
    for &b in c {
        n = n * 10 + (b - b'0') as i64;
        if n > 2147483647 {
            return None;
        }
    }
    Some(n)
}
fn components_lt(c1: &[u8], n1: Option<i64>, c2: &[u8], n2: Option<i64>) -> bool {
    if let (Some(a), Some(b)) = (n1, n2) {
        return a < b;
    }
    if c1.is_empty() && n2.is_some() {
        return true;
    }
    if c1 == b"pre" && c2 != b"pre" {
        return true;
    }
    if c2 == b"pre" {
        return false;
    }
    if n2.is_some() {
        return true;
    }
    if n1.is_some() {
        return false;
    }
    c1 < c2
}
fn compare_versions(v1: &[u8], v2: &[u8]) -> i64 {
    let (mut p1, mut p2) = (0, 0);
    while p1 < v1.len() || p2 < v2.len() {
        let s1 = component_start(v1, p1);
        let s2 = component_start(v2, p2);
        p1 = component_end(v1, s1);
        p2 = component_end(v2, s2);
        let (c1, c2) = (&v1[s1..p1], &v2[s2..p2]);
        let (n1, n2) = (component_int(c1), component_int(c2));
        if components_lt(c1, n1, c2, n2) {
            return -1;
        }
        if components_lt(c2, n2, c1, n1) {
            return 1;
        }
    }
    0
}

fn base_name_of(p: &[u8]) -> &[u8] {
    if p.is_empty() {
        return p;
    }
    let mut last = p.len() - 1;
    if p[last] == b'/' && last > 0 {
        last -= 1;
    }
    let pos = p[..=last].iter().rposition(|&c| c == b'/').map_or(0, |i| i + 1);
    &p[pos..=last]
}

fn dir_of(p: &[u8]) -> Vec<u8> {
    match p.iter().rposition(|&c| c == b'/') {
        None => b".".to_vec(),
        Some(0) => b"/".to_vec(),
        Some(i) => p[..i].to_vec(),
    }
}

fn as_float(v: &Value) -> R<f64> {
    match v {
        Value::Int(i) => Ok(*i as f64),
        Value::Float(f) => Ok(*f),
        _ => Err(Decline),
    }
}

/// A double made an integer as Nix's `ceil`/`floor` (a C++ conversion; out of range is left out).
fn float_to_int(f: f64) -> R<Value> {
    if !(-9.223372036854776e18..9.223372036854776e18).contains(&f) {
        return Err(Decline);
    }
    Ok(Value::Int(f as i64))
}

/// genericClosure's keys: one kind in a run (Nix's comparison throws between kinds).
#[derive(Default)]
struct Keys {
    kind: u8,
    ints: HashSet<i64>,
    strs: HashSet<Rc<[u8]>>,
}

impl Keys {
    fn insert(&mut self, v: &Value) -> R<bool> {
        let (kind, fresh) = match v {
            Value::Int(i) => (1, self.ints.insert(*i)),
            Value::Str(s) => (2, self.strs.insert(s.clone())),
            Value::Path(s) => (3, self.strs.insert(s.clone())),
            _ => return Err(Decline),
        };
        if self.kind != 0 && self.kind != kind {
            return Err(Decline);
        }
        self.kind = kind;
        Ok(fresh)
    }
}

/// Whether the function forces every argument whatever the others are (so that a call with
/// all of them may evaluate them first, without thunks).
pub fn forces_all(id: u16) -> bool {
    use P::*;
    matches!(
        ORDER[id as usize],
        Add | Sub
            | Mul
            | Div
            | LessThan
            | BitAnd
            | BitOr
            | BitXor
            | Length
            | ElemAt
            | HasAttr
            | GetAttr
            | StringLength
            | Substring
            | IsAttrs
            | IsBool
            | IsFloat
            | IsFunction
            | IsInt
            | IsList
            | IsNull
            | IsPath
            | IsString
            | TypeOf
            | CompareVersions
            | Head
            | AttrNames
            | AttrValues
            | ConcatStringsSep
            | RemoveAttrs
            | IntersectAttrs
            | HashString
            | Seq
    )
}

/// `+`, `-`, `*` and `<` on two integers, the hottest calls, without `call_prim`'s dispatch.
#[inline]
pub fn int_arith(id: u16, i: i64, j: i64) -> Option<Value> {
    Some(match ORDER[id as usize] {
        P::Add => Value::Int(i.wrapping_add(j)),
        P::Sub => Value::Int(i.wrapping_sub(j)),
        P::Mul => Value::Int(i.wrapping_mul(j)),
        P::LessThan => Value::Bool(i < j),
        _ => return None,
    })
}

impl Evaluator {
    pub fn prim_arity(&self, id: u16) -> usize {
        PRIMS[id as usize].1
    }

    fn string_of(&mut self, v: &Value) -> R<Vec<u8>> {
        let mut out = Vec::new();
        self.coerce_to_string(v, false, true, true, &mut out)?;
        Ok(out)
    }

    fn sym_of(&mut self, v: &Value) -> R<Sym> {
        let s = self.force_str(v)?;
        Ok(self.syms.intern(&s))
    }

    fn force_function(&mut self, v: &Value) -> R<Value> {
        let f = self.force(v)?;
        match &f {
            Value::Lambda(_) | Value::Prim(_) | Value::PrimApp(_) => Ok(f),
            Value::Attrs(a) if a.get(self.s.functor).is_some() => Ok(f),
            _ => Err(Decline),
        }
    }

    fn call_forced(&mut self, f: &Value, args: &[Value]) -> R<Value> {
        let f = self.force(f)?;
        let r = self.call(f, args)?;
        self.force(&r)
    }

    fn deep_force(&mut self, v: &Value, seen: &mut HashSet<usize>) -> R<()> {
        self.check_stack()?;
        match self.force(v)? {
            Value::Attrs(a) if seen.insert(Rc::as_ptr(&a) as usize) => {
                for (_, x) in a.items.iter() {
                    self.deep_force(x, seen)?;
                }
            }
            Value::List(l) if seen.insert(Rc::as_ptr(&l) as *const u8 as usize) => {
                for x in l.iter() {
                    self.deep_force(x, seen)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// realisePath without the store: a path, or a string that is an absolute path.
    fn realise_path(&mut self, v: &Value) -> R<Vec<u8>> {
        let p = match self.force(v)? {
            Value::Path(p) => p.to_vec(),
            Value::Str(s) if s.first() == Some(&b'/') => super::canon_path(&s),
            _ => return Err(Decline),
        };
        // (the store, and the TS evaluator's built-in files, are the TS evaluator's)
        if p.starts_with(&self.store_dir) || p.starts_with(b"/__corepkgs__") {
            return Err(Decline);
        }
        Ok(p)
    }

    fn import(&mut self, v: &Value) -> R<Value> {
        let path = self.realise_path(v)?;
        if path.ends_with(b".drv") {
            return Err(Decline);
        }
        // (symbolic links change the directory the file's paths are relative to: left to the TS evaluator)
        let regular = |p: &[u8]| std::fs::symlink_metadata(os_path(p)).map_err(|_| Decline);
        let meta = regular(&path)?;
        let file = if meta.is_dir() {
            let mut f = path.clone();
            f.extend_from_slice(b"/default.nix");
            f
        } else {
            path.clone()
        };
        if !regular(&file)?.is_file() {
            return Err(Decline);
        }
        // (one value per file, as Nix's file cache: `import ./d` and `import ./d/default.nix` are the same)
        if let Some(v) = self.imports.get(&file) {
            return self.force(&v.clone());
        }
        let src = std::fs::read(os_path(&file)).map_err(|_| Decline)?;
        let dir = super::canon_path(&dir_of(&file));
        let v = self.load(&src, &dir)?;
        self.imports.insert(file, v.clone());
        self.force(&v)
    }

    pub fn call_prim(&mut self, id: u16, a: &[Value]) -> R<Value> {
        let p = ORDER[id as usize];
        Ok(match p {
            P::Add | P::Sub | P::Mul => {
                let (x, y) = (self.force(&a[0])?, self.force(&a[1])?);
                match (&x, &y) {
                    (Value::Int(i), Value::Int(j)) => Value::Int(match p {
                        P::Add => i.wrapping_add(*j),
                        P::Sub => i.wrapping_sub(*j),
                        _ => i.wrapping_mul(*j),
                    }),
                    (Value::Float(_), _) | (_, Value::Float(_)) => {
                        let (f, g) = (as_float(&x)?, as_float(&y)?);
                        Value::Float(match p {
                            P::Add => f + g,
                            P::Sub => f - g,
                            _ => f * g,
                        })
                    }
                    _ => return Err(Decline),
                }
            }
            P::Div => {
                let (x, y) = (self.force(&a[0])?, self.force(&a[1])?);
                if as_float(&y)? == 0.0 {
                    return Err(Decline);
                }
                match (&x, &y) {
                    (Value::Int(i), Value::Int(j)) => Value::Int(i.checked_div(*j).ok_or(Decline)?),
                    _ => Value::Float(as_float(&x)? / as_float(&y)?),
                }
            }
            P::LessThan => {
                let (x, y) = (self.force(&a[0])?, self.force(&a[1])?);
                Value::Bool(match (&x, &y) {
                    (Value::Int(i), Value::Int(j)) => i < j,
                    (Value::Float(_) | Value::Int(_), Value::Float(_) | Value::Int(_)) => as_float(&x)? < as_float(&y)?,
                    (Value::Str(s), Value::Str(t)) => s < t,
                    (Value::Path(s), Value::Path(t)) => s < t,
                    _ => return Err(Decline),
                })
            }
            P::BitAnd | P::BitOr | P::BitXor => {
                let (i, j) = (self.force_int(&a[0])?, self.force_int(&a[1])?);
                Value::Int(match p {
                    P::BitAnd => i & j,
                    P::BitOr => i | j,
                    _ => i ^ j,
                })
            }
            P::Ceil => float_to_int(as_float(&self.force(&a[0])?)?.ceil())?,
            P::Floor => float_to_int(as_float(&self.force(&a[0])?)?.floor())?,
            P::All | P::Any => {
                let f = self.force_function(&a[0])?;
                let l = self.force_list(&a[1])?;
                let any = p == P::Any;
                for x in l.iter() {
                    let r = self.call_forced(&f, std::slice::from_ref(x))?;
                    let Value::Bool(b) = r else { return Err(Decline) };
                    if b == any {
                        return Ok(Value::Bool(any));
                    }
                }
                Value::Bool(!any)
            }
            P::AttrNames => {
                let s = self.force_attrs(&a[0])?;
                let names =
                    self.by_name(&s).into_iter().map(|i| Value::Str(self.syms.name(s.items[i].0).clone())).collect();
                Value::list(names)
            }
            P::AttrValues => {
                let s = self.force_attrs(&a[0])?;
                Value::list(self.by_name(&s).into_iter().map(|i| s.items[i].1.clone()).collect())
            }
            P::BaseNameOf => {
                let mut s = Vec::new();
                self.coerce_to_string(&a[0], false, false, true, &mut s)?;
                Value::str(base_name_of(&s))
            }
            P::DirOf => {
                let v = self.force(&a[0])?;
                let mut s = Vec::new();
                self.coerce_to_string(&v, false, false, true, &mut s)?;
                let d = dir_of(&s);
                if matches!(v, Value::Path(_)) {
                    Value::Path(Rc::from(d))
                } else {
                    Value::Str(Rc::from(d))
                }
            }
            P::CatAttrs => {
                let n = self.sym_of(&a[0])?;
                let l = self.force_list(&a[1])?;
                let mut out = Vec::new();
                for x in l.iter() {
                    let s = self.force_attrs(x)?;
                    if let Some(v) = s.get(n) {
                        out.push(v.clone());
                    }
                }
                Value::list(out)
            }
            P::CompareVersions => {
                let (x, y) = (self.force_str(&a[0])?, self.force_str(&a[1])?);
                Value::Int(compare_versions(&x, &y))
            }
            P::SplitVersion => {
                let v = self.force_str(&a[0])?;
                let mut out = Vec::new();
                let mut p = 0;
                while p < v.len() {
                    let start = component_start(&v, p);
                    p = component_end(&v, start);
                    if p == start {
                        break;
                    }
                    out.push(Value::str(&v[start..p]));
                }
                Value::list(out)
            }
            P::ParseDrvName => {
                let s = self.force_str(&a[0])?;
                let cut = (0..s.len()).find(|&i| s[i] == b'-' && i + 1 < s.len() && !s[i + 1].is_ascii_alphabetic());
                let (n, v) = match cut {
                    Some(i) => (&s[..i], &s[i + 1..]),
                    None => (&s[..], &b""[..]),
                };
                let mut items = vec![(self.s.name, Value::str(n)), (self.s.version, Value::str(v))];
                items.sort_by_key(|i| i.0);
                Value::Attrs(Rc::new(Attrs { items }))
            }
            P::ConcatLists => {
                let l = self.force_list(&a[0])?;
                let mut lists = Vec::with_capacity(l.len());
                for x in l.iter() {
                    lists.push(self.force_list(x)?);
                }
                let total: usize = lists.iter().map(|x| x.len()).sum();
                if total > MAX_LIST {
                    return Err(Decline);
                }
                if let Some(k) = lists.iter().rposition(|x| !x.is_empty()) {
                    if lists[k].len() == total {
                        return Ok(Value::List(lists[k].clone()));
                    }
                }
                let mut out = Vec::with_capacity(total);
                for x in lists {
                    out.extend_from_slice(&x);
                }
                Value::list(out)
            }
            P::ConcatMap => {
                let f = self.force_function(&a[0])?;
                let l = self.force_list(&a[1])?;
                let mut out = Vec::new();
                for x in l.iter() {
                    let r = self.call_forced(&f, std::slice::from_ref(x))?;
                    let Value::List(r) = r else { return Err(Decline) };
                    if out.len() + r.len() > MAX_LIST {
                        return Err(Decline);
                    }
                    out.extend_from_slice(&r);
                }
                Value::list(out)
            }
            P::ConcatStringsSep => {
                let sep = self.force_str(&a[0])?;
                let l = self.force_list(&a[1])?;
                let mut out = Vec::new();
                for (k, x) in l.iter().enumerate() {
                    if k > 0 {
                        if out.len() + sep.len() > MAX_STR {
                            return Err(Decline);
                        }
                        out.extend_from_slice(&sep);
                    }
                    self.coerce_to_string(x, false, true, true, &mut out)?;
                }
                Value::Str(Rc::from(out))
            }
            P::Seq => {
                self.force(&a[0])?;
                self.force(&a[1])?
            }
            P::DeepSeq => {
                self.deep_force(&a[0], &mut HashSet::new())?;
                self.force(&a[1])?
            }
            P::AddErrorContext => self.force(&a[1])?,
            P::Elem => {
                let l = self.force_list(&a[1])?;
                for x in l.iter() {
                    if self.equal(&a[0], x)? {
                        return Ok(Value::Bool(true));
                    }
                }
                Value::Bool(false)
            }
            P::ElemAt => {
                let l = self.force_list(&a[0])?;
                let n = self.force_int(&a[1])?;
                if n < 0 || n as usize >= l.len() {
                    return Err(Decline);
                }
                self.force(&l[n as usize])?
            }
            P::Head => {
                let l = self.force_list(&a[0])?;
                let x = l.first().ok_or(Decline)?.clone();
                self.force(&x)?
            }
            P::Tail => {
                let l = self.force_list(&a[0])?;
                if l.is_empty() {
                    return Err(Decline);
                }
                Value::list(l[1..].to_vec())
            }
            P::Length => Value::Int(self.force_list(&a[0])?.len() as i64),
            P::Filter => {
                let f = self.force_function(&a[0])?;
                let lv = self.force(&a[1])?;
                let Value::List(l) = &lv else { return Err(Decline) };
                let mut out = Vec::with_capacity(l.len());
                for x in l.iter() {
                    match self.call_forced(&f, std::slice::from_ref(x))? {
                        Value::Bool(true) => out.push(x.clone()),
                        Value::Bool(false) => {}
                        _ => return Err(Decline),
                    }
                }
                if out.len() == l.len() {
                    lv.clone()
                } else {
                    Value::list(out)
                }
            }
            P::FoldlStrict => {
                let f = self.force(&a[0])?;
                let l = self.force_list(&a[2])?;
                let mut acc = a[1].clone();
                if l.is_empty() {
                    return self.force(&acc);
                }
                for x in l.iter() {
                    acc = self.call_forced(&f, &[acc, x.clone()])?;
                }
                acc
            }
            P::FunctionArgs => {
                let f = self.force(&a[0])?;
                match &f {
                    Value::Prim(_) | Value::PrimApp(_) => Value::Attrs(Rc::new(Attrs { items: Vec::new() })),
                    Value::Lambda(c) => {
                        let mut items: Vec<(Sym, Value)> = match &c.info.formals {
                            None => Vec::new(),
                            Some(fs) => fs.iter().map(|(n, d)| (*n, Value::Bool(d.is_some()))).collect(),
                        };
                        items.sort_by_key(|i| i.0);
                        Value::Attrs(Rc::new(Attrs { items }))
                    }
                    _ => return Err(Decline),
                }
            }
            P::GenList => {
                let n = self.force_int(&a[1])?;
                if !(0..=MAX_LIST as i64).contains(&n) {
                    return Err(Decline);
                }
                let out = (0..n).map(|i| Thunk::value(ThunkState::Apply1(a[0].clone(), Value::Int(i)))).collect();
                Value::list(out)
            }
            P::GenericClosure => {
                let s = self.force_attrs(&a[0])?;
                let start = s.get(self.s.start_set).cloned().ok_or(Decline)?;
                let start = self.force_list(&start)?;
                let op = s.get(self.s.operator).cloned().ok_or(Decline)?;
                let op = self.force(&op)?;
                let mut work: std::collections::VecDeque<Value> = start.iter().cloned().collect();
                let mut keys = Keys::default();
                let mut res = Vec::new();
                while let Some(e) = work.pop_front() {
                    let attrs = self.force_attrs(&e)?;
                    let key = attrs.get(self.s.key).cloned().ok_or(Decline)?;
                    let key = self.force(&key)?;
                    if !keys.insert(&key)? {
                        continue;
                    }
                    res.push(e.clone());
                    let next = self.call(op.clone(), std::slice::from_ref(&e))?;
                    let Value::List(next) = self.force(&next)? else { return Err(Decline) };
                    for x in next.iter() {
                        self.force(x)?;
                        work.push_back(x.clone());
                    }
                }
                Value::list(res)
            }
            P::GetAttr => {
                let n = self.sym_of(&a[0])?;
                let s = self.force_attrs(&a[1])?;
                let v = s.get(n).cloned().ok_or(Decline)?;
                self.force(&v)?
            }
            P::HasAttr => {
                let n = self.sym_of(&a[0])?;
                let s = self.force_attrs(&a[1])?;
                Value::Bool(s.get(n).is_some())
            }
            P::GetEnv => {
                let n = self.force_str(&a[0])?;
                if !self.env_access {
                    return Err(Decline);
                }
                use std::os::unix::ffi::{OsStrExt, OsStringExt};
                let v = std::env::var_os(std::ffi::OsStr::from_bytes(&n)).map(|v| v.into_vec()).unwrap_or_default();
                Value::Str(Rc::from(v))
            }
            P::GroupBy => {
                let f = self.force_function(&a[0])?;
                let l = self.force_list(&a[1])?;
                let mut groups: std::collections::HashMap<Sym, Vec<Value>> = std::collections::HashMap::new();
                for x in l.iter() {
                    let r = self.call_forced(&f, std::slice::from_ref(x))?;
                    let Value::Str(s) = r else { return Err(Decline) };
                    let sym = self.syms.intern(&s);
                    groups.entry(sym).or_default().push(x.clone());
                }
                let mut items: Vec<(Sym, Value)> = groups.into_iter().map(|(k, v)| (k, Value::list(v))).collect();
                items.sort_by_key(|i| i.0);
                Value::Attrs(Rc::new(Attrs { items }))
            }
            P::HashString => {
                let algo = self.force_str(&a[0])?;
                let s = self.force_str(&a[1])?;
                let algo = std::str::from_utf8(&algo).map_err(|_| Decline)?;
                let hex = crate::hash::hex_digest(algo, &s).map_err(|_| Decline)?;
                Value::str(hex.as_bytes())
            }
            P::Import => self.import(&a[0])?,
            P::IntersectAttrs => {
                let x = self.force_attrs(&a[0])?;
                let y = self.force_attrs(&a[1])?;
                // (as Nix: each name of the first set looked up in the second, which is often the large one)
                let items = x.items.iter().filter_map(|(k, _)| y.get(*k).map(|v| (*k, v.clone()))).collect();
                Value::Attrs(Rc::new(Attrs { items }))
            }
            P::IsAttrs => Value::Bool(matches!(self.force(&a[0])?, Value::Attrs(_))),
            P::IsBool => Value::Bool(matches!(self.force(&a[0])?, Value::Bool(_))),
            P::IsFloat => Value::Bool(matches!(self.force(&a[0])?, Value::Float(_))),
            P::IsFunction => Value::Bool(self.force(&a[0])?.is_function()),
            P::IsInt => Value::Bool(matches!(self.force(&a[0])?, Value::Int(_))),
            P::IsList => Value::Bool(matches!(self.force(&a[0])?, Value::List(_))),
            P::IsNull => Value::Bool(matches!(self.force(&a[0])?, Value::Null)),
            P::IsPath => Value::Bool(matches!(self.force(&a[0])?, Value::Path(_))),
            P::IsString => Value::Bool(matches!(self.force(&a[0])?, Value::Str(_))),
            P::TypeOf => Value::str(self.force(&a[0])?.type_of().as_bytes()),
            P::ListToAttrs => {
                let l = self.force_list(&a[0])?;
                let mut seen = HashSet::new();
                let mut items = Vec::with_capacity(l.len());
                for x in l.iter() {
                    let s = self.force_attrs(x)?;
                    let n = s.get(self.s.name).cloned().ok_or(Decline)?;
                    let sym = self.sym_of(&n)?;
                    if seen.insert(sym) {
                        let v = s.get(self.s.value).cloned().ok_or(Decline)?;
                        items.push((sym, v));
                    }
                }
                items.sort_by_key(|i| i.0);
                Value::Attrs(Rc::new(Attrs { items }))
            }
            P::Map => {
                let l = self.force_list(&a[1])?;
                Value::list(l.iter().map(|x| Thunk::value(ThunkState::Apply1(a[0].clone(), x.clone()))).collect())
            }
            P::MapAttrs => {
                let s = self.force_attrs(&a[1])?;
                let items = s
                    .items
                    .iter()
                    .map(|(k, v)| {
                        (
                            *k,
                            Thunk::value(ThunkState::Apply(Box::new((
                                a[0].clone(),
                                smallvec![Value::Str(self.syms.name(*k).clone()), v.clone()],
                            )))),
                        )
                    })
                    .collect();
                Value::Attrs(Rc::new(Attrs { items }))
            }
            P::Partition => {
                let f = self.force_function(&a[0])?;
                let l = self.force_list(&a[1])?;
                let (mut right, mut wrong) = (Vec::new(), Vec::new());
                for x in l.iter() {
                    match self.call_forced(&f, std::slice::from_ref(x))? {
                        Value::Bool(true) => right.push(x.clone()),
                        Value::Bool(false) => wrong.push(x.clone()),
                        _ => return Err(Decline),
                    }
                }
                let mut items = vec![(self.s.right, Value::list(right)), (self.s.wrong, Value::list(wrong))];
                items.sort_by_key(|i| i.0);
                Value::Attrs(Rc::new(Attrs { items }))
            }
            P::RemoveAttrs => {
                let s = self.force_attrs(&a[0])?;
                let l = self.force_list(&a[1])?;
                let mut drop = HashSet::new();
                for x in l.iter() {
                    drop.insert(self.sym_of(x)?);
                }
                let items = s.items.iter().filter(|(k, _)| !drop.contains(k)).cloned().collect();
                Value::Attrs(Rc::new(Attrs { items }))
            }
            P::ReplaceStrings => {
                let from = self.force_list(&a[0])?;
                let to = self.force_list(&a[1])?;
                if from.len() != to.len() {
                    return Err(Decline);
                }
                let mut fs = Vec::with_capacity(from.len());
                for x in from.iter() {
                    fs.push(self.force_str(x)?);
                }
                let mut ts = Vec::with_capacity(to.len());
                for x in to.iter() {
                    ts.push(self.force_str(x)?);
                }
                let s = self.force_str(&a[2])?;
                let mut res = Vec::with_capacity(s.len());
                let mut p = 0;
                while p <= s.len() {
                    let mut found = false;
                    for (f, t) in fs.iter().zip(ts.iter()) {
                        let end = (p + f.len()).min(s.len());
                        if s[p..end] == f[..] {
                            found = true;
                            if res.len() + t.len() > MAX_STR {
                                return Err(Decline);
                            }
                            res.extend_from_slice(t);
                            if f.is_empty() {
                                if p < s.len() {
                                    res.push(s[p]);
                                }
                                p += 1;
                            } else {
                                p += f.len();
                            }
                            break;
                        }
                    }
                    if !found {
                        if p < s.len() {
                            res.push(s[p]);
                        }
                        p += 1;
                    }
                }
                Value::Str(Rc::from(res))
            }
            P::StringLength => Value::Int(self.string_of(&a[0])?.len() as i64),
            P::Substring => {
                let start = self.force_int(&a[0])?;
                let len = self.force_int(&a[1])?;
                if i32::try_from(start).is_err() || i32::try_from(len).is_err() || start < 0 {
                    return Err(Decline);
                }
                let s = self.string_of(&a[2])?;
                let start = start as usize;
                if start >= s.len() {
                    Value::str(b"")
                } else {
                    let end = if len < 0 { s.len() } else { (start + len as usize).min(s.len()) };
                    Value::str(&s[start..end])
                }
            }
            P::ToJSON => {
                let mut out = Vec::new();
                self.to_json(&a[0], &mut out)?;
                Value::Str(Rc::from(out))
            }
            P::ToString => {
                let mut out = Vec::new();
                self.coerce_to_string(&a[0], true, false, true, &mut out)?;
                Value::Str(Rc::from(out))
            }
            P::PathExists => {
                let p = self.realise_path(&a[0])?;
                Value::Bool(std::fs::metadata(os_path(&p)).is_ok())
            }
            P::ReadFile => {
                let p = self.realise_path(&a[0])?;
                let bytes = std::fs::read(os_path(&p)).map_err(|_| Decline)?;
                // (a NUL cannot be in a Nix string: an error)
                if bytes.contains(&0) || bytes.len() > MAX_STR {
                    return Err(Decline);
                }
                Value::Str(Rc::from(bytes))
            }
            P::ReadDir => {
                let p = self.realise_path(&a[0])?;
                let mut items = Vec::new();
                for entry in std::fs::read_dir(os_path(&p)).map_err(|_| Decline)? {
                    let entry = entry.map_err(|_| Decline)?;
                    // (d_type, or lstat where the file system does not say: as Nix and Node)
                    let t = entry.file_type().map_err(|_| Decline)?;
                    let kind: &[u8] = if t.is_file() {
                        b"regular"
                    } else if t.is_dir() {
                        b"directory"
                    } else if t.is_symlink() {
                        b"symlink"
                    } else {
                        b"unknown"
                    };
                    use std::os::unix::ffi::OsStrExt;
                    let name = self.syms.intern(entry.file_name().as_bytes());
                    items.push((name, Value::str(kind)));
                }
                items.sort_by_key(|i| i.0);
                Value::Attrs(Rc::new(Attrs { items }))
            }
            P::FromJSON => {
                let s = self.force_str(&a[0])?;
                self.from_json(&s)?
            }
            P::Sort => {
                let f = self.force_function(&a[0])?;
                let l = self.force_list(&a[1])?;
                for x in l.iter() {
                    self.force(x)?;
                }
                let sorted =
                    super::sort::stable_sort(&l, &mut |x, y| match self.call_forced(&f, &[x.clone(), y.clone()])? {
                        Value::Bool(b) => Ok(b),
                        _ => Err(Decline),
                    })?;
                Value::list(sorted)
            }
            P::ZipAttrsWith => {
                let f = self.force_function(&a[0])?;
                let l = self.force_list(&a[1])?;
                let mut groups: std::collections::BTreeMap<Sym, Vec<Value>> = std::collections::BTreeMap::new();
                for x in l.iter() {
                    let s = self.force_attrs(x)?;
                    for (k, v) in s.items.iter() {
                        groups.entry(*k).or_default().push(v.clone());
                    }
                }
                let items = groups
                    .into_iter()
                    .map(|(k, vs)| {
                        (
                            k,
                            Thunk::value(ThunkState::Apply(Box::new((
                                f.clone(),
                                smallvec![Value::Str(self.syms.name(k).clone()), Value::list(vs)],
                            )))),
                        )
                    })
                    .collect();
                Value::Attrs(Rc::new(Attrs { items }))
            }
        })
    }
}
