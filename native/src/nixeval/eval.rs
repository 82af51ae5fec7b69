//! Evaluation: expressions to values in weak head normal form, forcing, calls, and the
//! operators' semantics (Nix 2.8's eval.cc).

use std::rc::Rc;

use super::compile::{Expr, LambdaInfo, Name};
use smallvec::smallvec;

use super::value::{Attrs, Closure, Env, List, Slots, Sym, Thunk, ThunkState, Value, MAX_LIST, MAX_STR, R};
use super::{canon_path, Decline, Evaluator};

impl Evaluator {
    /// Declines when the stack nears its end (the TS evaluator reports a stack overflow or
    /// goes deeper with its own).
    #[inline]
    pub fn check_stack(&self) -> R<()> {
        let here = 0u8;
        if (&here as *const u8 as usize) < self.stack_floor {
            return Err(Decline);
        }
        Ok(())
    }

    /// The value of `e` in `env`, unforced: what Nix's `maybeThunk` gives.
    pub fn thunk(&mut self, e: &Rc<Expr>, env: &Rc<Env>) -> Value {
        match &**e {
            Expr::Const(v) => v.clone(),
            Expr::Var(level, slot) => env.var(*level, *slot),
            // (`n - 1` on an evaluated integer is computed now instead of allocating a thunk:
            // integer `+ - * <` cannot fail, and under --strict nothing shows a thunk)
            Expr::PrimCall(id, args) if args.len() == 2 => {
                if let (Some(Value::Int(i)), Some(Value::Int(j))) = (self.peek(&args[0], env), self.peek(&args[1], env))
                {
                    if let Some(v) = super::builtins::int_arith(*id, i, j) {
                        return v;
                    }
                }
                Thunk::value(ThunkState::Pending(e.clone(), env.clone()))
            }
            Expr::ConcatStrings(false, parts) if parts.len() == 2 => {
                if let (Some(Value::Int(i)), Some(Value::Int(j))) =
                    (self.peek(&parts[0], env), self.peek(&parts[1], env))
                {
                    return Value::Int(i.wrapping_add(j));
                }
                Thunk::value(ThunkState::Pending(e.clone(), env.clone()))
            }
            _ => Thunk::value(ThunkState::Pending(e.clone(), env.clone())),
        }
    }

    /// The value of a constant or of a variable already evaluated, without evaluating anything.
    fn peek(&self, e: &Expr, env: &Rc<Env>) -> Option<Value> {
        let v = match e {
            Expr::Const(v) => v.clone(),
            Expr::Var(level, slot) => env.var(*level, *slot),
            _ => return None,
        };
        match v {
            Value::Thunk(t) => match &*t.state.borrow() {
                ThunkState::Done(v) => Some(v.clone()),
                _ => None,
            },
            v => Some(v),
        }
    }

    /// The value of `e` in a scope whose slots are still being filled: a variable of that
    /// scope must not be read yet.
    fn thunk_in(&mut self, e: &Rc<Expr>, scope: &Rc<Env>) -> Value {
        match &**e {
            Expr::Var(0, _) => Thunk::value(ThunkState::Pending(e.clone(), scope.clone())),
            _ => self.thunk(e, scope),
        }
    }

    #[inline]
    pub fn force(&mut self, v: &Value) -> R<Value> {
        match v {
            Value::Thunk(t) => self.force_thunk(t),
            _ => Ok(v.clone()),
        }
    }

    pub fn force_thunk(&mut self, t: &Rc<Thunk>) -> R<Value> {
        if let ThunkState::Done(v) = &*t.state.borrow() {
            return Ok(v.clone());
        }
        self.check_stack()?;
        let st = t.state.replace(ThunkState::Running);
        let v = match st {
            ThunkState::Pending(e, env) => self.eval(&e, &env)?,
            ThunkState::Apply1(f, a) => {
                let f = self.force(&f)?;
                self.call(f, std::slice::from_ref(&a))?
            }
            ThunkState::Apply(app) => {
                let (f, args) = *app;
                let f = self.force(&f)?;
                self.call(f, &args)?
            }
            // infinite recursion, or something left to the TS evaluator
            ThunkState::Running | ThunkState::Unsupported => return Err(Decline),
            ThunkState::Done(v) => v,
        };
        *t.state.borrow_mut() = ThunkState::Done(v.clone());
        Ok(v)
    }

    fn lookup_with(&mut self, env: &Rc<Env>, level: u32, name: Sym) -> R<Value> {
        let mut env = env.clone();
        for _ in 0..level {
            env = env.up.clone().ok_or(Decline)?;
        }
        loop {
            if env.with == 0 {
                return Err(Decline);
            }
            let cur = env.slots.borrow()[0].clone();
            let attrs = match cur {
                Value::Attrs(a) => a,
                other => {
                    let forced = self.force(&other)?;
                    let Value::Attrs(a) = forced else { return Err(Decline) };
                    env.slots.borrow_mut()[0] = Value::Attrs(a.clone());
                    a
                }
            };
            if let Some(v) = attrs.get(name) {
                return Ok(v.clone());
            }
            let prev = env.with - 1;
            if prev == 0 {
                return Err(Decline);
            }
            for _ in 0..prev {
                env = env.up.clone().ok_or(Decline)?;
            }
        }
    }

    pub fn force_attrs(&mut self, v: &Value) -> R<Rc<Attrs>> {
        match self.force(v)? {
            Value::Attrs(a) => Ok(a),
            _ => Err(Decline),
        }
    }
    pub fn force_list(&mut self, v: &Value) -> R<Rc<List>> {
        match self.force(v)? {
            Value::List(l) => Ok(l),
            _ => Err(Decline),
        }
    }
    pub fn force_int(&mut self, v: &Value) -> R<i64> {
        match self.force(v)? {
            Value::Int(i) => Ok(i),
            _ => Err(Decline),
        }
    }
    pub fn force_bool(&mut self, v: &Value) -> R<bool> {
        match self.force(v)? {
            Value::Bool(b) => Ok(b),
            _ => Err(Decline),
        }
    }
    /// `forceString`/`forceStringNoCtx`: a string (never with context here).
    pub fn force_str(&mut self, v: &Value) -> R<Rc<[u8]>> {
        match self.force(v)? {
            Value::Str(s) => Ok(s),
            _ => Err(Decline),
        }
    }

    fn attr_name(&mut self, n: &Name, env: &Rc<Env>) -> R<Sym> {
        match n {
            Name::Static(s) => Ok(*s),
            Name::Dyn(e) => {
                let v = self.eval(e, env)?;
                let Value::Str(s) = v else { return Err(Decline) };
                Ok(self.syms.intern(&s))
            }
        }
    }

    pub fn eval(&mut self, e: &Rc<Expr>, env: &Rc<Env>) -> R<Value> {
        match &**e {
            Expr::Const(v) => self.force(v),
            Expr::Var(level, slot) => match env.var(*level, *slot) {
                Value::Thunk(t) => self.force_thunk(&t),
                v => Ok(v),
            },
            Expr::ConcatStrings(false, parts) if parts.len() == 2 => {
                // `a + b`: both operands, then integers added at once
                let a = self.eval(&parts[0], env)?;
                let b = self.eval(&parts[1], env)?;
                match (&a, &b) {
                    (Value::Int(i), Value::Int(j)) => Ok(Value::Int(i.wrapping_add(*j))),
                    _ => self.concat_values(false, vec![a, b]),
                }
            }
            Expr::Select(e, path, def) => {
                let mut v = self.eval(e, env)?;
                for n in path {
                    let s = self.attr_name(n, env)?;
                    let found = match &v {
                        Value::Attrs(a) => a.get(s).cloned(),
                        _ => None,
                    };
                    match found {
                        Some(x) => v = self.force(&x)?,
                        None => {
                            return match def {
                                Some(d) => self.eval(d, env),
                                None => Err(Decline),
                            }
                        }
                    }
                }
                Ok(v)
            }
            Expr::PrimCall(id, args) => match &args[..] {
                [x] => {
                    let x = self.eval(x, env)?;
                    self.call_prim(*id, &[x])
                }
                [x, y] => {
                    let x = self.eval(x, env)?;
                    let y = self.eval(y, env)?;
                    if let (Value::Int(i), Value::Int(j)) = (&x, &y) {
                        if let Some(v) = super::builtins::int_arith(*id, *i, *j) {
                            return Ok(v);
                        }
                    }
                    self.call_prim(*id, &[x, y])
                }
                _ => {
                    let mut vals = Vec::with_capacity(args.len());
                    for a in args {
                        vals.push(self.eval(a, env)?);
                    }
                    self.call_prim(*id, &vals)
                }
            },
            Expr::Lambda(info) => Ok(Value::Lambda(Rc::new(Closure { info: info.clone(), env: env.clone() }))),
            Expr::Call(f, args) => {
                self.check_stack()?;
                let fv = self.eval(f, env)?;
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.thunk(a, env));
                }
                self.call(fv, &vals)
            }
            Expr::Let(binds, body) => {
                let scope = self.new_env(Some(env.clone()), Slots::from_elem(Value::Null, binds.len()), 0);
                let vals: Vec<Value> = binds
                    .iter()
                    .map(|(x, inherited)| if *inherited { self.thunk(x, env) } else { self.thunk_in(x, &scope) })
                    .collect();
                *scope.slots.borrow_mut() = Slots::from_vec(vals);
                self.eval(body, &scope)
            }
            Expr::If(c, t, f) => {
                if self.eval_bool(c, env)? {
                    self.eval(t, env)
                } else {
                    self.eval(f, env)
                }
            }
            Expr::Not(x) => Ok(Value::Bool(!self.eval_bool(x, env)?)),
            Expr::And(a, b) => Ok(Value::Bool(self.eval_bool(a, env)? && self.eval_bool(b, env)?)),
            Expr::Or(a, b) => Ok(Value::Bool(self.eval_bool(a, env)? || self.eval_bool(b, env)?)),
            _ => self.eval_more(e, env),
        }
    }

    /// The less frequent forms, out of `eval` so that its frame stays small (it is on the stack
    /// once per nested evaluation).
    #[inline(never)]
    fn eval_more(&mut self, e: &Rc<Expr>, env: &Rc<Env>) -> R<Value> {
        match &**e {
            Expr::WithVar(level, name) => {
                let v = self.lookup_with(env, *level, *name)?;
                self.force(&v)
            }
            Expr::Has(e, path) => {
                let mut v = self.eval(e, env)?;
                for (k, n) in path.iter().enumerate() {
                    let s = self.attr_name(n, env)?;
                    let found = match &v {
                        Value::Attrs(a) => a.get(s).cloned(),
                        _ => None,
                    };
                    match found {
                        Some(x) if k + 1 == path.len() => {
                            let _ = x;
                            return Ok(Value::Bool(true));
                        }
                        Some(x) => v = self.force(&x)?,
                        None => return Ok(Value::Bool(false)),
                    }
                }
                Ok(Value::Bool(true))
            }
            Expr::Attrs(statics, dyns) => {
                let mut items = Vec::with_capacity(statics.len() + dyns.len());
                for (s, x) in statics {
                    let v = self.thunk(x, env);
                    items.push((*s, v));
                }
                self.add_dyns(&mut items, dyns, env)?;
                Ok(Value::Attrs(Rc::new(Attrs { items })))
            }
            Expr::RecAttrs(all, dyns) => {
                let scope = self.new_env(Some(env.clone()), Slots::from_elem(Value::Null, all.len()), 0);
                let mut items = Vec::with_capacity(all.len() + dyns.len());
                for (s, x, inherited) in all {
                    let v = if *inherited { self.thunk(x, env) } else { self.thunk_in(x, &scope) };
                    items.push((*s, v));
                }
                {
                    let mut slots = scope.slots.borrow_mut();
                    for (k, (_, v)) in items.iter().enumerate() {
                        slots[k] = v.clone();
                    }
                }
                self.add_dyns(&mut items, dyns, &scope)?;
                Ok(Value::Attrs(Rc::new(Attrs { items })))
            }
            Expr::List(xs) => {
                let mut out = Vec::with_capacity(xs.len());
                for x in xs {
                    out.push(self.thunk(x, env));
                }
                Ok(Value::list(out))
            }
            Expr::With(attrs, body, prev) => {
                let a = self.thunk(attrs, env);
                let scope = self.new_env(Some(env.clone()), smallvec![a], *prev + 1);
                self.eval(body, &scope)
            }
            Expr::Assert(c, body) => {
                if !self.eval_bool(c, env)? {
                    return Err(Decline);
                }
                self.eval(body, env)
            }
            Expr::Eq(a, b) => {
                let (a, b) = (self.eval(a, env)?, self.eval(b, env)?);
                Ok(Value::Bool(self.equal(&a, &b)?))
            }
            Expr::Neq(a, b) => {
                let (a, b) = (self.eval(a, env)?, self.eval(b, env)?);
                Ok(Value::Bool(!self.equal(&a, &b)?))
            }
            Expr::Impl(a, b) => Ok(Value::Bool(!self.eval_bool(a, env)? || self.eval_bool(b, env)?)),
            Expr::Update(a, b) => {
                let a = self.eval(a, env)?;
                let b = self.eval(b, env)?;
                let (Value::Attrs(x), Value::Attrs(y)) = (&a, &b) else { return Err(Decline) };
                Ok(self.update(x, y))
            }
            Expr::Concat(a, b) => {
                let a = self.eval(a, env)?;
                let b = self.eval(b, env)?;
                let (Value::List(x), Value::List(y)) = (&a, &b) else { return Err(Decline) };
                if x.len() + y.len() > MAX_LIST {
                    return Err(Decline);
                }
                Ok(concat_two(x, y, &a, &b))
            }
            Expr::ConcatStrings(force_string, parts) => self.concat_strings(*force_string, parts, env),
            _ => unreachable!("handled by eval"),
        }
    }

    fn eval_bool(&mut self, e: &Rc<Expr>, env: &Rc<Env>) -> R<bool> {
        match self.eval(e, env)? {
            Value::Bool(b) => Ok(b),
            _ => Err(Decline),
        }
    }

    fn add_dyns(&mut self, items: &mut Vec<(Sym, Value)>, dyns: &[(Rc<Expr>, Rc<Expr>)], env: &Rc<Env>) -> R<()> {
        for (n, x) in dyns {
            let name = self.eval(n, env)?;
            let s = match name {
                Value::Null => continue,
                Value::Str(s) => self.syms.intern(&s),
                _ => return Err(Decline),
            };
            let v = self.thunk(x, env);
            match items.binary_search_by_key(&s, |(k, _)| *k) {
                Ok(_) => return Err(Decline),
                Err(i) => items.insert(i, (s, v)),
            }
        }
        Ok(())
    }

    /// `a // b`: the other operand itself when one is empty, as Nix.
    pub fn update(&mut self, a: &Rc<Attrs>, b: &Rc<Attrs>) -> Value {
        if b.items.is_empty() {
            return Value::Attrs(a.clone());
        }
        if a.items.is_empty() {
            return Value::Attrs(b.clone());
        }
        let (x, y) = (&a.items, &b.items);
        let mut out = Vec::with_capacity(x.len() + y.len());
        let (mut i, mut j) = (0, 0);
        while i < x.len() && j < y.len() {
            if x[i].0 < y[j].0 {
                out.push(x[i].clone());
                i += 1;
            } else {
                if x[i].0 == y[j].0 {
                    i += 1;
                }
                out.push(y[j].clone());
                j += 1;
            }
        }
        out.extend_from_slice(&x[i..]);
        out.extend_from_slice(&y[j..]);
        Value::Attrs(Rc::new(Attrs { items: out }))
    }

    pub fn call(&mut self, mut f: Value, args: &[Value]) -> R<Value> {
        let mut k = 0;
        while k < args.len() {
            match f {
                Value::Lambda(c) if c.info.formals.is_none() => {
                    // `a: b: …` given several arguments binds them in turn, without making the
                    // closure each intermediate call would return
                    self.check_stack()?;
                    let mut info = c.info.clone();
                    let mut scope = self.new_env(Some(c.env.clone()), smallvec![args[k].clone()], 0);
                    k += 1;
                    loop {
                        match &*info.body {
                            Expr::Lambda(inner) if inner.formals.is_none() && k < args.len() => {
                                info = inner.clone();
                                scope = self.new_env(Some(scope), smallvec![args[k].clone()], 0);
                                k += 1;
                            }
                            _ => break,
                        }
                    }
                    f = self.eval(&info.body, &scope)?;
                }
                Value::Lambda(c) => {
                    f = self.call_lambda(&c, &args[k])?;
                    k += 1;
                }
                Value::Prim(id) => {
                    let arity = self.prim_arity(id);
                    if args.len() - k >= arity {
                        f = self.call_prim(id, &args[k..k + arity])?;
                        k += arity;
                    } else {
                        return Ok(Value::PrimApp(Rc::new((id, args[k..].to_vec()))));
                    }
                }
                Value::PrimApp(app) => {
                    let (id, have) = (&app.0, &app.1);
                    let arity = self.prim_arity(*id);
                    let need = arity - have.len();
                    if args.len() - k >= need {
                        let mut all = have.clone();
                        all.extend_from_slice(&args[k..k + need]);
                        f = self.call_prim(*id, &all)?;
                        k += need;
                    } else {
                        let mut all = have.clone();
                        all.extend_from_slice(&args[k..]);
                        return Ok(Value::PrimApp(Rc::new((*id, all))));
                    }
                }
                Value::Attrs(ref a) => {
                    let Some(functor) = a.get(self.s.functor).cloned() else { return Err(Decline) };
                    let fv = self.force(&functor)?;
                    let me = f.clone();
                    f = self.call(fv, &[me, args[k].clone()])?;
                    k += 1;
                }
                _ => return Err(Decline),
            }
        }
        Ok(f)
    }

    fn call_lambda(&mut self, c: &Rc<Closure>, arg: &Value) -> R<Value> {
        self.check_stack()?;
        let info: &LambdaInfo = &c.info;
        let Some(formals) = &info.formals else {
            let scope = self.new_env(Some(c.env.clone()), smallvec![arg.clone()], 0);
            return self.eval(&info.body, &scope);
        };
        let a = self.force_attrs(arg)?;
        let scope = self.new_env(Some(c.env.clone()), Slots::from_elem(Value::Null, info.slots as usize), 0);
        let mut used = 0;
        {
            let mut vals = Slots::with_capacity(info.slots as usize);
            for (name, def) in formals {
                match a.get(*name) {
                    Some(v) => {
                        used += 1;
                        vals.push(v.clone());
                    }
                    None => match def {
                        Some(d) => vals.push(self.thunk_in(d, &scope)),
                        None => return Err(Decline),
                    },
                }
            }
            if info.arg_slot.is_some() {
                vals.push(arg.clone());
            }
            *scope.slots.borrow_mut() = vals;
        }
        if !info.ellipsis && used != a.items.len() {
            return Err(Decline);
        }
        self.eval(&info.body, &scope)
    }

    /// `==` (eqValues): functions anywhere make the TS evaluator decide.
    pub fn equal(&mut self, a: &Value, b: &Value) -> R<bool> {
        self.check_stack()?;
        let a = self.force(a)?;
        let b = self.force(b)?;
        Ok(match (&a, &b) {
            (Value::Int(x), Value::Int(y)) => x == y,
            (Value::Int(x), Value::Float(y)) => (*x as f64) == *y,
            (Value::Float(x), Value::Int(y)) => *x == (*y as f64),
            (Value::Float(x), Value::Float(y)) => x == y,
            (Value::Bool(x), Value::Bool(y)) => x == y,
            (Value::Null, Value::Null) => true,
            (Value::Str(x), Value::Str(y)) => x == y,
            (Value::Path(x), Value::Path(y)) => x == y,
            (Value::List(x), Value::List(y)) => {
                if x.len() != y.len() {
                    return Ok(false);
                }
                for (p, q) in x.iter().zip(y.iter()) {
                    if !self.equal(p, q)? {
                        return Ok(false);
                    }
                }
                true
            }
            (Value::Attrs(x), Value::Attrs(y)) => {
                if self.is_derivation(x)? && self.is_derivation(y)? {
                    if let (Some(p), Some(q)) = (x.get(self.s.out_path).cloned(), y.get(self.s.out_path).cloned()) {
                        return self.equal(&p, &q);
                    }
                }
                if x.items.len() != y.items.len() {
                    return Ok(false);
                }
                for (p, q) in x.items.iter().zip(y.items.iter()) {
                    if p.0 != q.0 {
                        return Ok(false);
                    }
                    if !self.equal(&p.1, &q.1)? {
                        return Ok(false);
                    }
                }
                true
            }
            _ if a.is_function() || b.is_function() => return Err(Decline),
            _ => false,
        })
    }

    pub fn is_derivation(&mut self, a: &Attrs) -> R<bool> {
        match a.get(self.s.type_).cloned() {
            None => Ok(false),
            Some(t) => Ok(matches!(self.force(&t)?, Value::Str(s) if &*s == b"derivation")),
        }
    }

    fn concat_strings(&mut self, force_string: bool, parts: &[Rc<Expr>], env: &Rc<Env>) -> R<Value> {
        // (each part is checked after it is evaluated, before the next; evaluating them all
        // first differs only when one fails, and then the TS evaluator decides)
        let mut vals = Vec::with_capacity(parts.len());
        for part in parts {
            vals.push(self.eval(part, env)?);
        }
        self.concat_values(force_string, vals)
    }

    /// ExprConcatStrings on the evaluated parts: the first decides between a sum, a path and a string.
    fn concat_values(&mut self, force_string: bool, vals: Vec<Value>) -> R<Value> {
        #[derive(PartialEq, Clone, Copy)]
        enum T {
            Int,
            Float,
            Path,
            Str,
        }
        let mut first = !force_string;
        let mut ty = T::Str;
        let (mut n, mut nf) = (0i64, 0f64);
        let mut s: Vec<u8> = Vec::new();
        for v in vals {
            if first {
                ty = match v {
                    Value::Int(_) => T::Int,
                    Value::Float(_) => T::Float,
                    Value::Path(_) => T::Path,
                    _ => T::Str,
                };
            }
            match ty {
                T::Int => match v {
                    Value::Int(i) => n = n.wrapping_add(i),
                    Value::Float(f) => {
                        ty = T::Float;
                        nf = n as f64 + f;
                    }
                    _ => return Err(Decline),
                },
                T::Float => match v {
                    Value::Int(i) => nf += i as f64,
                    Value::Float(f) => nf += f,
                    _ => return Err(Decline),
                },
                _ => self.coerce_to_string(&v, false, ty == T::Str, !first, &mut s)?,
            }
            first = false;
        }
        Ok(match ty {
            T::Int => Value::Int(n),
            T::Float => Value::Float(nf),
            T::Path => Value::Path(Rc::from(canon_path(&s))),
            T::Str => {
                // a string built by appending to itself copies all of it each time (as in Nix):
                // past a budget, the TS evaluator's ropes do it in linear time
                self.concat_budget = self.concat_budget.checked_sub(s.len()).ok_or(Decline)?;
                Value::Str(Rc::from(s))
            }
        })
    }

    /// `coerceToString`, appending to `out`. Paths copied to the store and string context
    /// are left to the TS evaluator.
    pub fn coerce_to_string(
        &mut self,
        v: &Value,
        more: bool,
        copy_to_store: bool,
        canonicalize: bool,
        out: &mut Vec<u8>,
    ) -> R<()> {
        // (a list can hold itself: `let c = [ c ]; in toString c` recurses until the stack ends)
        self.check_stack()?;
        let v = self.force(v)?;
        match &v {
            Value::Str(s) => {
                if out.len() + s.len() > MAX_STR {
                    return Err(Decline);
                }
                out.extend_from_slice(s)
            }
            Value::Path(p) => {
                if copy_to_store {
                    return Err(Decline);
                }
                if canonicalize {
                    out.extend_from_slice(&canon_path(p));
                } else {
                    out.extend_from_slice(p);
                }
            }
            Value::Attrs(a) => {
                if let Some(f) = a.get(self.s.to_string).cloned() {
                    let f = self.force(&f)?;
                    let r = self.call(f, std::slice::from_ref(&v))?;
                    return self.coerce_to_string(&r, more, copy_to_store, true, out);
                }
                match a.get(self.s.out_path).cloned() {
                    Some(p) => return self.coerce_to_string(&p, more, copy_to_store, true, out),
                    None => return Err(Decline),
                }
            }
            Value::Int(i) if more => out.extend_from_slice(i.to_string().as_bytes()),
            Value::Float(f) if more => out.extend_from_slice(&super::print::c_format(b"%f\0", *f)),
            Value::Bool(true) if more => out.push(b'1'),
            Value::Bool(false) | Value::Null if more => {}
            Value::List(l) if more => {
                for (k, x) in l.iter().enumerate() {
                    self.coerce_to_string(x, more, copy_to_store, true, out)?;
                    if k + 1 < l.len() {
                        let x = self.force(x)?;
                        if !matches!(&x, Value::List(y) if y.is_empty()) {
                            out.push(b' ');
                        }
                    }
                }
            }
            _ => return Err(Decline),
        }
        Ok(())
    }
}

/// `a ++ b`: a list itself when the other is empty, as Nix's concatLists.
pub fn concat_two(x: &Rc<List>, y: &Rc<List>, a: &Value, b: &Value) -> Value {
    if x.is_empty() {
        return b.clone();
    }
    if y.is_empty() {
        return a.clone();
    }
    let mut out = Vec::with_capacity(x.len() + y.len());
    out.extend_from_slice(x);
    out.extend_from_slice(y);
    Value::list(out)
}
