//! tsnix-native: NAR hashing and store-reference scanning for `@tsnix/nar`,
//! and a Nix parser for `@tsnix/eval` (`nixparse`, see its module docs).
//!
//! Three pieces: `nar` walks a file system object and produces its NAR
//! serialisation (Nix 2.8 src/libutil/archive.cc) in fixed-size chunks,
//! `hash` hashes them, `scan` finds candidate store hash parts in them
//! (src/libstore/references.cc semantics).
//!
//! Threads: when hashing, the walk runs on its own thread, a few chunks ahead
//! of the hashing thread, so reading the next files overlaps hashing the
//! previous ones; scanning happens on the walking thread over each chunk it
//! has just read, so the data is read once and scanning overlaps hashing. A
//! helper thread shares the per-file system calls (open, fstat, read, close)
//! of each directory with the walker.
//! Memory stays bounded: 4 chunks of 1 MiB plus at most 16 MiB of small files
//! read ahead by the helper, whatever the input size.

pub mod errors;
pub mod hash;
pub mod nar;
pub mod nixeval;
pub mod nixparse;
pub mod scan;

#[cfg(not(test))]
mod js;

/// mimalloc for the addon's own allocations: the evaluator makes and frees millions of small
/// objects, at about half glibc malloc's cost each. Its plain entry points where they give
/// the alignment asked (every block is aligned to 8, and to 16 from 16 bytes on): its aligned
/// ones take a slower path whatever the alignment.
struct Allocator;

extern "C" {
    /// mimalloc's, linked in by libmimalloc-sys.
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}
/// `mi_option_purge_delay` and `mi_option_allow_thp` in mimalloc.h (v3, as Cargo.lock pins
/// libmimalloc-sys 0.1.49).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;
const MI_OPTION_ALLOW_THP: std::ffi::c_int = 43;
static OPTIONS_SET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// mimalloc's options, before its first allocation maps memory: no transparent huge pages (the
/// kernel zeroes, and may compact memory for, 2 MiB at each first touch: 0.5 s of system time
/// in the 10 000-package set instead of 0.14 s), and memory freed is kept for the next
/// allocations instead of going back to the system after 10 ms.
#[cold]
fn set_allocator_options() {
    // SAFETY: plain setters of mimalloc's option table (no allocation); setting twice is harmless.
    unsafe {
        mi_option_set(MI_OPTION_ALLOW_THP, 0);
        mi_option_set(MI_OPTION_PURGE_DELAY, -1);
    }
    OPTIONS_SET.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Whether `mi_malloc` gives blocks aligned enough for `layout`.
fn plain(layout: std::alloc::Layout) -> bool {
    layout.align() <= 8 || (layout.align() <= 16 && layout.size() >= 16)
}

// SAFETY: each function returns blocks of at least the size and alignment asked (see `plain`),
// or null; dealloc and realloc get blocks from these functions only.
unsafe impl std::alloc::GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        if !OPTIONS_SET.load(std::sync::atomic::Ordering::Relaxed) {
            set_allocator_options();
        }
        let heap = EVAL_HEAP.with(std::cell::Cell::get);
        if !heap.is_null() {
            return if plain(layout) {
                mi_heap_malloc(heap, layout.size()) as *mut u8
            } else {
                mi_heap_malloc_aligned(heap, layout.size(), layout.align()) as *mut u8
            };
        }
        if plain(layout) {
            libmimalloc_sys::mi_malloc(layout.size()) as *mut u8
        } else {
            libmimalloc_sys::mi_malloc_aligned(layout.size(), layout.align()) as *mut u8
        }
    }
    #[inline]
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        if !OPTIONS_SET.load(std::sync::atomic::Ordering::Relaxed) {
            set_allocator_options();
        }
        let heap = EVAL_HEAP.with(std::cell::Cell::get);
        if !heap.is_null() {
            return if plain(layout) {
                mi_heap_zalloc(heap, layout.size()) as *mut u8
            } else {
                mi_heap_zalloc_aligned(heap, layout.size(), layout.align()) as *mut u8
            };
        }
        if plain(layout) {
            libmimalloc_sys::mi_zalloc(layout.size()) as *mut u8
        } else {
            libmimalloc_sys::mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8
        }
    }
    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: std::alloc::Layout) {
        libmimalloc_sys::mi_free(ptr as *mut std::ffi::c_void)
    }
    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        let new = std::alloc::Layout::from_size_align_unchecked(new_size, layout.align());
        let heap = EVAL_HEAP.with(std::cell::Cell::get);
        if !heap.is_null() {
            return if plain(new) {
                mi_heap_realloc(heap, ptr as *mut std::ffi::c_void, new_size) as *mut u8
            } else {
                mi_heap_realloc_aligned(heap, ptr as *mut std::ffi::c_void, new_size, layout.align()) as *mut u8
            };
        }
        if plain(new) {
            libmimalloc_sys::mi_realloc(ptr as *mut std::ffi::c_void, new_size) as *mut u8
        } else {
            libmimalloc_sys::mi_realloc_aligned(ptr as *mut std::ffi::c_void, new_size, layout.align()) as *mut u8
        }
    }
}

#[global_allocator]
static ALLOCATOR: Allocator = Allocator;

type MiHeap = *mut std::ffi::c_void;

extern "C" {
    fn mi_heap_new() -> MiHeap;
    fn mi_heap_destroy(heap: MiHeap);
    fn mi_heap_malloc(heap: MiHeap, size: usize) -> *mut std::ffi::c_void;
    fn mi_heap_zalloc(heap: MiHeap, size: usize) -> *mut std::ffi::c_void;
    fn mi_heap_realloc(heap: MiHeap, p: *mut std::ffi::c_void, size: usize) -> *mut std::ffi::c_void;
    fn mi_heap_malloc_aligned(heap: MiHeap, size: usize, align: usize) -> *mut std::ffi::c_void;
    fn mi_heap_zalloc_aligned(heap: MiHeap, size: usize, align: usize) -> *mut std::ffi::c_void;
    fn mi_heap_realloc_aligned(
        heap: MiHeap,
        p: *mut std::ffi::c_void,
        size: usize,
        align: usize,
    ) -> *mut std::ffi::c_void;
}

thread_local! {
    /// The heap this thread allocates from instead of mimalloc's default (see `EvalHeap`).
    static EVAL_HEAP: std::cell::Cell<MiHeap> = const { std::cell::Cell::new(std::ptr::null_mut()) };
}

/// A mimalloc heap that the current thread allocates from until `leave`, and whose blocks
/// `destroy` frees all at once (nixeval: one per evaluation).
pub(crate) struct EvalHeap {
    heap: MiHeap,
}

impl EvalHeap {
    pub(crate) fn new() -> Self {
        if !OPTIONS_SET.load(std::sync::atomic::Ordering::Relaxed) {
            set_allocator_options();
        }
        // SAFETY: a new heap of this thread's, which `leave` stops using.
        let heap = unsafe { mi_heap_new() };
        EVAL_HEAP.with(|h| h.set(heap));
        EvalHeap { heap }
    }

    /// Allocations of this thread go to mimalloc's default heap again.
    pub(crate) fn leave(&self) {
        EVAL_HEAP.with(|h| h.set(std::ptr::null_mut()));
    }

    /// Frees every block of the heap: nothing allocated in it may be used or freed afterwards.
    pub(crate) fn destroy(self) {
        if !self.heap.is_null() {
            // SAFETY: the caller forgot everything allocated in the heap, and left it.
            unsafe { mi_heap_destroy(self.heap) }
        }
    }
}

use errors::NarError;
use hash::Hasher;
use nar::{dump_path, Helper, Out, CHUNK};
use scan::Scanner;
use std::sync::mpsc::sync_channel;

/// Buffers in flight between the walking and the hashing thread (bounds memory).
const BUFFERS: usize = 4;

pub struct Outcome {
    pub digest: Option<Vec<u8>>,
    pub size: u64,
    pub references: Option<Vec<String>>,
}

fn new_buffer() -> Box<[u8]> {
    vec![0u8; CHUNK].into_boxed_slice()
}

/// Serialises `path` as a NAR once, hashing it with `algorithm` and/or
/// scanning it for `hash_parts`.
pub fn process(path: &str, algorithm: Option<&str>, hash_parts: Option<&[String]>) -> Result<Outcome, NarError> {
    let hasher = algorithm.map(Hasher::new).transpose()?;
    let helper = Helper::default();
    std::thread::scope(|s| {
        // Without a helper thread (the system refused one) the walker does all the I/O itself.
        let io = std::thread::Builder::new().name("tsnix-nar-io".into()).spawn_scoped(s, || helper.run()).ok();
        let r = walk_and_hash(path, hasher, hash_parts, io.as_ref().map(|_| &helper));
        helper.stop();
        if let Some(h) = io {
            h.join().expect("helper thread panicked");
        }
        r
    })
}

/// Walks on the current thread, hashing and scanning each chunk in turn.
fn walk_inline(
    path: &str,
    mut hasher: Option<&mut Hasher>,
    mut scanner: Option<&mut Scanner>,
    helper: Option<&Helper>,
) -> Result<u64, NarError> {
    let mut emit = |buf: Box<[u8]>, len: usize| {
        if let Some(s) = scanner.as_deref_mut() {
            s.feed(&buf[..len]);
        }
        if let Some(h) = hasher.as_deref_mut() {
            h.update(&buf[..len]);
        }
        buf
    };
    let mut out = Out::new(new_buffer(), &mut emit);
    dump_path(path, &mut out, helper)?;
    Ok(out.finish())
}

fn walk_and_hash(
    path: &str,
    hasher: Option<Hasher>,
    hash_parts: Option<&[String]>,
    helper: Option<&Helper>,
) -> Result<Outcome, NarError> {
    let Some(mut hasher) = hasher else {
        // Scan only: the walker scans as it goes.
        let mut scanner = hash_parts.map(Scanner::new);
        let size = walk_inline(path, None, scanner.as_mut(), helper)?;
        return Ok(Outcome { digest: None, size, references: scanner.map(|s| s.found()) });
    };

    let (full_tx, full_rx) = sync_channel::<(Box<[u8]>, usize)>(BUFFERS);
    let (empty_tx, empty_rx) = sync_channel::<Box<[u8]>>(BUFFERS);
    for _ in 1..BUFFERS {
        empty_tx.send(new_buffer()).expect("channel has room");
    }
    let piped = std::thread::scope(|s| {
        let walker = std::thread::Builder::new().name("tsnix-nar-walk".into()).spawn_scoped(s, move || {
            // Scanning here, over the chunk just read, keeps it off the hashing thread.
            let mut scanner = hash_parts.map(Scanner::new);
            let mut emit = |buf: Box<[u8]>, len: usize| {
                if let Some(s) = scanner.as_mut() {
                    s.feed(&buf[..len]);
                }
                // The hashing thread only stops receiving once we are gone.
                let _ = full_tx.send((buf, len));
                empty_rx.recv().unwrap_or_else(|_| new_buffer())
            };
            let mut out = Out::new(new_buffer(), &mut emit);
            let r = dump_path(path, &mut out, helper);
            let size = out.finish();
            (r.map(|()| scanner), size)
        });
        let Ok(walker) = walker else { return None };
        for (buf, len) in full_rx {
            hasher.update(&buf[..len]);
            let _ = empty_tx.send(buf);
        }
        Some(walker.join().expect("walker thread panicked"))
    });
    let (scanner, size) = match piped {
        Some((walked, size)) => (walked?, size),
        None => {
            // No second thread available: hash on this one.
            let mut scanner = hash_parts.map(Scanner::new);
            let size = walk_inline(path, Some(&mut hasher), scanner.as_mut(), helper)?;
            (scanner, size)
        }
    };
    Ok(Outcome { digest: Some(hasher.finish()), size, references: scanner.map(|s| s.found()) })
}

/// Hash parts from `hash_parts` that occur in `data`, sorted.
pub fn scan_bytes(data: &[u8], hash_parts: &[String]) -> Vec<String> {
    let mut s = Scanner::new(hash_parts);
    s.feed(data);
    s.found()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn inline_and_threaded_walks_agree() {
        let root = std::env::temp_dir().join(format!("tsnix-native-lib-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(root.join("a/b")).unwrap();
        for i in 0..200 {
            fs::write(root.join(format!("a/f{i}")), vec![b'x'; i * 37]).unwrap();
        }
        fs::write(root.join("a/b/big"), vec![7u8; 3 * CHUNK + 5]).unwrap();
        std::os::unix::fs::symlink("a/f1", root.join("link")).unwrap();
        let path = root.to_str().unwrap();
        let parts = vec!["x".repeat(32), "0".repeat(32)];

        let threaded = process(path, Some("sha256"), Some(&parts)).unwrap();
        for helper in [None, Some(Helper::default())] {
            let mut h = Hasher::new("sha256").unwrap();
            let mut s = Scanner::new(&parts);
            // A helper whose thread is not running: the walker claims every job itself.
            let size = walk_inline(path, Some(&mut h), Some(&mut s), helper.as_ref()).unwrap();
            assert_eq!(size, threaded.size);
            assert_eq!(Some(h.finish()), threaded.digest);
            assert_eq!(Some(s.found()), threaded.references);
        }
        assert_eq!(threaded.references, Some(vec!["x".repeat(32)]));
        fs::remove_dir_all(&root).unwrap();
    }
}
