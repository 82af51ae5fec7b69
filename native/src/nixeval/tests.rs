//! The evaluator on its own (its comparison with the TS evaluator is in
//! packages/eval/src/native-eval.test.ts).

use super::{eval_strict, Request};

fn run(src: &str) -> Option<String> {
    let req = Request {
        src: src.as_bytes(),
        base_dir: b"/d",
        json: false,
        store_dir: b"/nix/store",
        env_access: false,
        attr_paths: &[],
    };
    eval_strict(&req).map(|out| String::from_utf8(out).expect("UTF-8 output"))
}

#[test]
fn evaluates_and_prints() {
    assert_eq!(run("let f = n: if n < 2 then n else f (n - 1) + f (n - 2); in f 20").as_deref(), Some("6765\n"));
    assert_eq!(run("rec { a = b + 1; b = 2; c = ./x + \"/y\"; }").as_deref(), Some("{ a = 3; b = 2; c = /d/x/y; }\n"));
    assert_eq!(run("with { a = 1; }; let b = 2; in with { b = 3; c = 4; }; [ a b c ]").as_deref(), Some("[ 1 2 4 ]\n"));
}

#[test]
fn follows_attribute_paths() {
    let src = b"{ x ? 1 }: { a.b = [ x { c = 2; } ]; \"d.e\" = { __functor = s: { f ? 3 }: { g = f; }; }; }";
    let run_paths = |paths: &[&[u8]]| {
        let req = Request {
            src,
            base_dir: b"/d",
            json: false,
            store_dir: b"/nix/store",
            env_access: false,
            attr_paths: paths,
        };
        eval_strict(&req).map(|out| String::from_utf8(out).expect("UTF-8 output"))
    };
    assert_eq!(run_paths(&[b"a.b.1.c", b"a.b.0", b"\"d.e\".g"]).as_deref(), Some("2\n1\n3\n"));
    assert_eq!(run_paths(&[b"a.b.2"]), None);
    assert_eq!(run_paths(&[b"a..b"]), None);
}

#[test]
fn declines_errors_and_what_it_leaves_out() {
    for src in [
        "throw \"x\"",
        "let x = x; in x",
        "1 + \"a\"",
        "builtins.trace 1 1",
        "x",
        "let f = x: f x; in f 1",
        // a list that holds itself: the recursion declines before the stack ends
        "let c = [ c 1 ]; in toString c",
        "let c = [ c ]; in c == c",
    ] {
        assert_eq!(run(src), None, "{src}");
    }
}

/// Evaluates the file named by `TSNIX_EVAL_FILE`, for profiling the evaluator without Node:
/// `TSNIX_EVAL_FILE=f.nix cargo test --release --lib eval_file -- --ignored --nocapture`.
#[test]
#[ignore]
fn eval_file() {
    let path = std::env::var("TSNIX_EVAL_FILE").expect("TSNIX_EVAL_FILE");
    let path = std::fs::canonicalize(path).expect("file");
    let src = std::fs::read(&path).expect("readable file");
    let dir = path.parent().expect("directory").as_os_str().as_encoded_bytes().to_vec();
    let req = Request {
        src: &src,
        base_dir: &dir,
        json: false,
        store_dir: b"/nix/store",
        env_access: false,
        attr_paths: &[],
    };
    let out = eval_strict(&req).expect("not declined");
    print!("{}", String::from_utf8_lossy(&out));
}
