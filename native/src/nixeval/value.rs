//! Values, thunks and environments of the native evaluator.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use smallvec::SmallVec;

use super::compile::{Expr, LambdaInfo};
use super::Decline;

pub type Sym = u32;

/// Largest string and list the native evaluator makes (bytes, elements): beyond, it declines
/// rather than risk an allocation failure, which would abort the process (the TS evaluator
/// reports "out of memory" where it runs out).
pub const MAX_STR: usize = 1 << 28;
pub const MAX_LIST: usize = 1 << 24;
pub type R<X> = Result<X, Decline>;

/// Interned attribute names; ids grow in creation order, and sets are kept sorted by id.
#[derive(Default)]
pub struct Symbols {
    map: HashMap<Rc<[u8]>, Sym>,
    names: Vec<Rc<[u8]>>,
}

impl Symbols {
    pub fn intern(&mut self, s: &[u8]) -> Sym {
        if let Some(&id) = self.map.get(s) {
            return id;
        }
        let rc: Rc<[u8]> = Rc::from(s);
        let id = self.names.len() as Sym;
        self.names.push(rc.clone());
        self.map.insert(rc, id);
        id
    }
    pub fn name(&self, s: Sym) -> &Rc<[u8]> {
        &self.names[s as usize]
    }
}

#[derive(Clone)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<[u8]>),
    Path(Rc<[u8]>),
    Attrs(Rc<Attrs>),
    List(Rc<List>),
    Lambda(Rc<Closure>),
    Prim(u16),
    PrimApp(Rc<(u16, Vec<Value>)>),
    Thunk(Rc<Thunk>),
}

impl Value {
    pub fn str(s: &[u8]) -> Value {
        Value::Str(Rc::from(s))
    }
    pub fn list(v: Vec<Value>) -> Value {
        Value::List(Rc::new(List { items: v.into_boxed_slice() }))
    }
    pub fn is_function(&self) -> bool {
        matches!(self, Value::Lambda(_) | Value::Prim(_) | Value::PrimApp(_))
    }
    /// Nix's `showType` wording is not needed (every error declines); `typeOf`'s is.
    pub fn type_of(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "string",
            Value::Path(_) => "path",
            Value::Attrs(_) => "set",
            Value::List(_) => "list",
            Value::Lambda(_) | Value::Prim(_) | Value::PrimApp(_) => "lambda",
            Value::Thunk(_) => "thunk",
        }
    }
}

/// An attribute set: `(name, value)` sorted by name id.
pub struct Attrs {
    pub items: Vec<(Sym, Value)>,
}

pub struct List {
    pub items: Box<[Value]>,
}

impl std::ops::Deref for List {
    type Target = [Value];
    fn deref(&self) -> &[Value] {
        &self.items
    }
}

impl Attrs {
    pub fn get(&self, s: Sym) -> Option<&Value> {
        let items = &self.items;
        if items.len() <= 8 {
            return items.iter().find(|(k, _)| *k == s).map(|(_, v)| v);
        }
        items.binary_search_by_key(&s, |(k, _)| *k).ok().map(|i| &items[i].1)
    }
}

pub struct Closure {
    pub info: Rc<LambdaInfo>,
    pub env: Rc<Env>,
}

pub enum ThunkState {
    Pending(Rc<Expr>, Rc<Env>),
    /// A function applied to an argument (what `map` and `genList` leave in their results).
    Apply1(Value, Value),
    /// A function applied to arguments (what `mapAttrs` and `zipAttrsWith` leave).
    Apply(Box<(Value, SmallVec<[Value; 2]>)>),
    /// Something the native evaluator leaves to the TS one when it is forced.
    Unsupported,
    Running,
    Done(Value),
}

pub struct Thunk {
    pub state: RefCell<ThunkState>,
}

impl Thunk {
    /// A thunk in state `s`, as a value.
    pub fn value(s: ThunkState) -> Value {
        Value::Thunk(Rc::new(Thunk { state: RefCell::new(s) }))
    }
}

pub type Slots = SmallVec<[Value; 2]>;

/// A scope's values: a `let`, `rec` set or function call's slots, or a `with`'s set.
pub struct Env {
    pub up: Option<Rc<Env>>,
    /// A `with`'s one slot is its set (a thunk until first looked into).
    pub slots: RefCell<Slots>,
    /// For a `with`: 1 + how many levels up the next enclosing `with` is (1: none); else 0.
    pub with: u32,
}

// Values are dropped without recursion: a long chain (a list of lists, sets nested a million
// deep by a fold, thunks whose values hold the next) would otherwise overflow the stack when
// freed. What a dropped set, list, scope or thunk held alone goes to a list of values to
// drop, emptied by a loop at the outermost drop.
thread_local! {
    static GRAVE: RefCell<Vec<Value>> = const { RefCell::new(Vec::new()) };
    static DRAINING: Cell<bool> = const { Cell::new(false) };
}

/// Whether dropping `v` would free a container (and so recurse).
#[inline]
fn owns_container(v: &Value) -> bool {
    match v {
        Value::Attrs(r) => Rc::strong_count(r) == 1,
        Value::List(r) => Rc::strong_count(r) == 1,
        Value::Thunk(r) => Rc::strong_count(r) == 1,
        Value::Lambda(r) => Rc::strong_count(r) == 1,
        Value::PrimApp(r) => Rc::strong_count(r) == 1,
        _ => false,
    }
}

/// Keeps `v` for `drain` when dropping it would free a container; true then.
#[inline]
fn bury(v: Value) -> bool {
    if owns_container(&v) {
        GRAVE.with(|g| g.borrow_mut().push(v));
        return true;
    }
    false
}

fn drain() {
    if DRAINING.with(|d| d.replace(true)) {
        return;
    }
    while let Some(v) = GRAVE.with(|g| g.borrow_mut().pop()) {
        drop(v);
    }
    DRAINING.with(|d| d.set(false));
}

impl Env {
    /// The variable `level` scopes up at `slot` (compiled variables always exist).
    #[inline(always)]
    pub fn var(&self, level: u32, slot: u32) -> Value {
        let mut env = self;
        for _ in 0..level {
            env = env.up.as_deref().expect("scope depth");
        }
        let v = env.slots.borrow()[slot as usize].clone();
        v
    }
}

impl Drop for Attrs {
    fn drop(&mut self) {
        // (the usual case: nothing held alone, so dropping the fields only counts references down)
        if !self.items.iter().any(|(_, v)| owns_container(v)) {
            return;
        }
        let mut buried = false;
        for (_, v) in self.items.drain(..) {
            buried |= bury(v);
        }
        if buried {
            drain();
        }
    }
}

impl Drop for List {
    fn drop(&mut self) {
        if !self.items.iter().any(owns_container) {
            return;
        }
        let mut buried = false;
        for v in std::mem::take(&mut self.items).into_vec() {
            buried |= bury(v);
        }
        if buried {
            drain();
        }
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        if !self.slots.get_mut().iter().any(owns_container) {
            return;
        }
        let mut buried = false;
        for v in self.slots.get_mut().drain(..) {
            buried |= bury(v);
        }
        if buried {
            drain();
        }
    }
}

impl Drop for Thunk {
    fn drop(&mut self) {
        let buried = match std::mem::replace(self.state.get_mut(), ThunkState::Running) {
            ThunkState::Done(v) => bury(v),
            ThunkState::Apply1(f, a) => bury(f) | bury(a),
            ThunkState::Apply(app) => {
                let (f, args) = *app;
                let mut buried = bury(f);
                for a in args {
                    buried |= bury(a);
                }
                buried
            }
            _ => false,
        };
        if buried {
            drain();
        }
    }
}

/// Makes this thread's drop list (and its destructor's registration) before the evaluation's
/// heap is entered.
pub fn prepare_thread() {
    GRAVE.with(|g| g.borrow_mut().reserve(64));
}

/// Forgets the drop list's buffer (in the evaluation's heap, about to be destroyed).
pub fn forget_thread_buffers() {
    GRAVE.with(|g| std::mem::forget(std::mem::take(&mut *g.borrow_mut())));
}
