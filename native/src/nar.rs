//! NAR serialisation of a file system object, as `nix-store --dump` writes it
//! (Nix 2.8 src/libutil/archive.cc), streamed in fixed-size chunks.
//!
//! Format: every string is a u64 little-endian length, the bytes, and zero
//! padding to a multiple of 8. The archive is `nix-archive-1` followed by a
//! node: `( type regular [executable ""] contents <bytes> )`,
//! `( type symlink target <target> )` or
//! `( type directory { entry ( name <name> node <node> ) }* )` with entries
//! sorted by the bytes of their names. Objects are examined with lstat, so
//! symlinks are never followed; a regular file is executable when its owner
//! has the execute bit (S_IXUSR). Anything else (socket, fifo, device) is an
//! error.
//!
//! The walker uses `*at` system calls relative to an open directory so the
//! kernel does not resolve the full path again for every file.

use crate::errors::{cannot_read, NarError};
use std::cell::UnsafeCell;
use std::ffi::{CStr, CString};
use std::os::raw::c_int;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

pub const NAR_MAGIC: &str = "nix-archive-1";
/// Size of the buffers the NAR stream is cut into.
pub const CHUNK: usize = 1024 * 1024;
/// Below this depth directories stay open while their children are read;
/// deeper ones fall back to full paths so open descriptors stay bounded.
const FD_DEPTH: u32 = 128;

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// Receives each full chunk and hands back an empty buffer to fill next.
pub type Emit<'a> = dyn FnMut(Box<[u8]>, usize) -> Box<[u8]> + 'a;

/// A chunked NAR byte stream.
pub struct Out<'a> {
    buf: Box<[u8]>,
    len: usize,
    total: u64,
    emit: &'a mut Emit<'a>,
}

impl<'a> Out<'a> {
    pub fn new(buf: Box<[u8]>, emit: &'a mut Emit<'a>) -> Out<'a> {
        Out { buf, len: 0, total: 0, emit }
    }

    fn flush(&mut self) {
        let full = std::mem::take(&mut self.buf);
        self.buf = (self.emit)(full, self.len);
        self.total += self.len as u64;
        self.len = 0;
    }

    /// Emits the last, partial chunk and returns the NAR size.
    pub fn finish(mut self) -> u64 {
        if self.len > 0 {
            self.flush();
        }
        self.total
    }

    fn put(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            if self.len == self.buf.len() {
                self.flush();
            }
            let n = data.len().min(self.buf.len() - self.len);
            self.buf[self.len..self.len + n].copy_from_slice(&data[..n]);
            self.len += n;
            data = &data[n..];
        }
    }

    fn put_u64(&mut self, n: u64) {
        self.put(&n.to_le_bytes());
    }

    fn pad(&mut self, len: u64) {
        let rem = (len % 8) as usize;
        if rem != 0 {
            self.put(&[0u8; 8][..8 - rem]);
        }
    }

    fn put_str(&mut self, s: &[u8]) {
        self.put_u64(s.len() as u64);
        self.put(s);
        self.pad(s.len() as u64);
    }

    /// Copies exactly `size` bytes of `fd` into the stream.
    fn put_file(&mut self, fd: c_int, size: u64, path: &[u8]) -> Result<(), NarError> {
        let mut left = size;
        while left > 0 {
            if self.len == self.buf.len() {
                self.flush();
            }
            let want = (self.buf.len() - self.len).min(left.min(usize::MAX as u64) as usize);
            let dst = &mut self.buf[self.len..self.len + want];
            // SAFETY: `dst` is a valid writable buffer of `want` bytes.
            let n = unsafe { libc::read(fd, dst.as_mut_ptr().cast(), want) };
            if n < 0 {
                let e = errno();
                if e == libc::EINTR {
                    continue;
                }
                return Err(cannot_read(path, e));
            }
            if n == 0 {
                return Err(NarError::CannotRead {
                    path: String::from_utf8_lossy(path).into_owned(),
                    why: "unexpected end of file".to_owned(),
                });
            }
            self.len += n as usize;
            left -= n as u64;
        }
        self.pad(size);
        Ok(())
    }
}

struct Fd(c_int);
impl Drop for Fd {
    fn drop(&mut self) {
        // SAFETY: we own the descriptor.
        unsafe { libc::close(self.0) };
    }
}

fn lstat_at(dirfd: c_int, name: &CStr) -> Result<libc::stat, i32> {
    // SAFETY: all-zero bytes are a valid `stat`.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `name` is NUL-terminated and `st` is writable.
    if unsafe { libc::fstatat(dirfd, name.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) } != 0 {
        return Err(errno());
    }
    Ok(st)
}

fn open_at(dirfd: c_int, name: &CStr, flags: c_int) -> Result<Fd, i32> {
    // SAFETY: plain system call on a NUL-terminated name.
    let fd = unsafe { libc::openat(dirfd, name.as_ptr(), flags | libc::O_RDONLY | libc::O_CLOEXEC | libc::O_NOFOLLOW) };
    if fd < 0 {
        Err(errno())
    } else {
        Ok(Fd(fd))
    }
}

fn read_link_at(dirfd: c_int, name: &CStr, hint: usize) -> Result<Vec<u8>, i32> {
    let mut target = vec![0u8; hint.max(64) + 1];
    loop {
        // SAFETY: `target` is writable for its length.
        let n = unsafe { libc::readlinkat(dirfd, name.as_ptr(), target.as_mut_ptr().cast(), target.len()) };
        if n < 0 {
            return Err(errno());
        }
        if (n as usize) < target.len() {
            target.truncate(n as usize);
            return Ok(target);
        }
        let grown = target.len() * 2;
        target.resize(grown, 0);
    }
}

/// Regular files up to this size are read whole by the helper thread.
const SMALL: u64 = 128 * 1024;
/// Bytes the helper may hold that the walker has not consumed yet.
const INFLIGHT_MAX: usize = 16 * 1024 * 1024;

/// What is known about a directory entry before it is serialised.
enum Probe {
    /// A small regular file, read whole.
    Small { exec: bool, data: Vec<u8> },
    /// A symlink and its target.
    Link(Vec<u8>),
    /// Anything else: the walker continues from this `lstat`.
    Stat(libc::stat),
    /// A system call failed with this errno.
    Fail(i32),
    /// The file was shorter than its size.
    Short,
}

/// Examines an entry the way the walker would, reading small files whole.
/// `regular` is the directory listing's hint that the entry is a regular
/// file: then it is opened first and `fstat`ed, one path lookup instead of two.
fn probe(dirfd: c_int, name: &CStr, regular: bool) -> Probe {
    if regular {
        // O_NOFOLLOW fails on a symlink and O_NONBLOCK keeps a fifo from blocking,
        // should the entry have changed type since it was listed.
        match open_at(dirfd, name, libc::O_NOCTTY | libc::O_NONBLOCK) {
            Ok(fd) => {
                // SAFETY: all-zero bytes are a valid `stat`.
                let mut st: libc::stat = unsafe { std::mem::zeroed() };
                // SAFETY: `fd` is open and `st` is writable.
                if unsafe { libc::fstat(fd.0, &mut st) } != 0 {
                    return Probe::Fail(errno());
                }
                if st.st_mode & libc::S_IFMT == libc::S_IFREG && (st.st_size as u64) <= SMALL {
                    return read_small(&fd, &st);
                }
                return Probe::Stat(st);
            }
            Err(libc::ELOOP) => {}
            Err(e) => return Probe::Fail(e),
        }
    }
    let st = match lstat_at(dirfd, name) {
        Ok(st) => st,
        Err(e) => return Probe::Fail(e),
    };
    match st.st_mode & libc::S_IFMT {
        libc::S_IFREG if (st.st_size as u64) <= SMALL => match open_at(dirfd, name, libc::O_NOCTTY) {
            Ok(fd) => read_small(&fd, &st),
            Err(e) => Probe::Fail(e),
        },
        libc::S_IFLNK => match read_link_at(dirfd, name, st.st_size as usize) {
            Ok(t) => Probe::Link(t),
            Err(e) => Probe::Fail(e),
        },
        _ => Probe::Stat(st),
    }
}

/// Reads exactly `st.st_size` bytes of an open regular file.
fn read_small(fd: &Fd, st: &libc::stat) -> Probe {
    let size = st.st_size as usize;
    let mut data = vec![0u8; size];
    let mut got = 0;
    while got < size {
        // SAFETY: the destination is inside `data`.
        let n = unsafe { libc::read(fd.0, data[got..].as_mut_ptr().cast(), size - got) };
        if n < 0 {
            let e = errno();
            if e == libc::EINTR {
                continue;
            }
            return Probe::Fail(e);
        }
        if n == 0 {
            return Probe::Short;
        }
        got += n as usize;
    }
    Probe::Small { exec: st.st_mode & libc::S_IXUSR != 0, data }
}

const PENDING: u8 = 0;
const CLAIMED: u8 = 1;
const DONE: u8 = 2;

/// One entry to probe, taken by whichever thread gets to it first.
struct Job {
    dirfd: c_int,
    name: CString,
    /// The listing says it is a regular file.
    regular: bool,
    state: AtomicU8,
    result: UnsafeCell<Option<Probe>>,
}

// SAFETY: `result` is written only by the thread that moved `state` from
// PENDING to CLAIMED, and read only after observing DONE (release/acquire).
unsafe impl Sync for Job {}
unsafe impl Send for Job {}

impl Job {
    /// The probe result, computed here if no other thread has claimed it yet.
    fn take(&self, helper: &Helper) -> Probe {
        if self.state.compare_exchange(PENDING, CLAIMED, Ordering::AcqRel, Ordering::Acquire).is_ok() {
            self.state.store(DONE, Ordering::Relaxed);
            return probe(self.dirfd, &self.name, self.regular);
        }
        self.wait(helper);
        // SAFETY: DONE was observed with acquire ordering; nobody else reads it.
        let p = unsafe { (*self.result.get()).take() }.expect("a finished job has a result");
        if let Probe::Small { data, .. } = &p {
            helper.inflight.fetch_sub(data.len(), Ordering::Relaxed);
        }
        p
    }

    fn wait(&self, helper: &Helper) {
        // The helper needs a few microseconds per job: spin briefly, then block.
        for spins in 0..200u32 {
            if self.state.load(Ordering::Acquire) == DONE {
                return;
            }
            if spins < 100 {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
        let mut guard = helper.done_lock.lock().unwrap_or_else(|e| e.into_inner());
        helper.waiting.store(true, Ordering::SeqCst);
        while self.state.load(Ordering::SeqCst) != DONE {
            guard = helper
                .done_cv
                .wait_timeout(guard, std::time::Duration::from_millis(1))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        helper.waiting.store(false, Ordering::SeqCst);
    }

    /// Makes sure no other thread will touch this job (before its directory is closed).
    fn retire(&self, helper: &Helper) {
        if self.state.compare_exchange(PENDING, DONE, Ordering::AcqRel, Ordering::Acquire).is_err() {
            self.wait(helper);
        }
    }
}

/// A second thread that stats and reads the files of the directories being
/// walked, from the end of each listing, while the walker works from the
/// start: the per-file system calls are split across two cores.
pub struct Helper {
    queue: Mutex<Vec<Arc<Job>>>,
    cv: Condvar,
    inflight: AtomicUsize,
    stop: AtomicBool,
    /// Lets the walker sleep until the helper finishes a job it waits for.
    waiting: AtomicBool,
    done_lock: Mutex<()>,
    done_cv: Condvar,
}

impl Default for Helper {
    fn default() -> Self {
        Helper {
            queue: Mutex::new(Vec::new()),
            cv: Condvar::new(),
            inflight: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            waiting: AtomicBool::new(false),
            done_lock: Mutex::new(()),
            done_cv: Condvar::new(),
        }
    }
}

impl Helper {
    /// The helper thread's loop; returns after `stop`.
    pub fn run(&self) {
        loop {
            let job = {
                let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
                loop {
                    if self.stop.load(Ordering::Acquire) {
                        return;
                    }
                    if let Some(j) = q.pop() {
                        break j;
                    }
                    q = self.cv.wait(q).unwrap_or_else(|e| e.into_inner());
                }
            };
            if job.state.load(Ordering::Acquire) != PENDING {
                continue;
            }
            while self.inflight.load(Ordering::Relaxed) > INFLIGHT_MAX {
                if self.stop.load(Ordering::Acquire) {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_micros(50));
            }
            if job.state.compare_exchange(PENDING, CLAIMED, Ordering::AcqRel, Ordering::Acquire).is_err() {
                continue;
            }
            let p = probe(job.dirfd, &job.name, job.regular);
            if let Probe::Small { data, .. } = &p {
                self.inflight.fetch_add(data.len(), Ordering::Relaxed);
            }
            // SAFETY: we claimed the job; the walker reads only after DONE.
            unsafe { *job.result.get() = Some(p) };
            job.state.store(DONE, Ordering::SeqCst);
            if self.waiting.load(Ordering::SeqCst) {
                let _g = self.done_lock.lock().unwrap_or_else(|e| e.into_inner());
                self.done_cv.notify_all();
            }
        }
    }

    pub fn stop(&self) {
        self.stop.store(true, Ordering::Release);
        let _q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        self.cv.notify_all();
    }

    fn submit(&self, jobs: &[Option<Arc<Job>>]) {
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        q.extend(jobs.iter().flatten().cloned());
        drop(q);
        self.cv.notify_one();
    }
}

/// Retires a directory's jobs when it is left, also on errors.
struct Retire<'j>(&'j [Option<Arc<Job>>], Option<&'j Helper>);
impl Drop for Retire<'_> {
    fn drop(&mut self) {
        if let Some(h) = self.1 {
            for j in self.0.iter().flatten() {
                j.retire(h);
            }
        }
    }
}

const DT_REG: u8 = 8;
const DT_LNK: u8 = 10;

struct Walker<'o, 'a, 'h> {
    out: &'o mut Out<'a>,
    helper: Option<&'h Helper>,
    /// Full path of the object being visited (for messages and deep trees).
    path: Vec<u8>,
    dents: Vec<u8>,
}

impl Walker<'_, '_, '_> {
    fn fail(&self, e: i32) -> NarError {
        cannot_read(&self.path, e)
    }

    fn short(&self) -> NarError {
        NarError::CannotRead {
            path: String::from_utf8_lossy(&self.path).into_owned(),
            why: "unexpected end of file".to_owned(),
        }
    }

    fn regular_header(&mut self, exec: bool, size: u64) {
        self.out.put_str(b"type");
        self.out.put_str(b"regular");
        if exec {
            self.out.put_str(b"executable");
            self.out.put_str(b"");
        }
        self.out.put_str(b"contents");
        self.out.put_u64(size);
    }

    fn dump(&mut self, dirfd: c_int, name: &CStr, depth: u32, known: Option<Probe>) -> Result<(), NarError> {
        let known = match known {
            Some(p) => p,
            None => Probe::Stat(lstat_at(dirfd, name).map_err(|e| self.fail(e))?),
        };
        self.out.put_str(b"(");
        match known {
            Probe::Fail(e) => return Err(self.fail(e)),
            Probe::Short => return Err(self.short()),
            Probe::Small { exec, data } => {
                self.regular_header(exec, data.len() as u64);
                self.out.put(&data);
                self.out.pad(data.len() as u64);
            }
            Probe::Link(target) => self.symlink(&target),
            Probe::Stat(st) => match st.st_mode & libc::S_IFMT {
                libc::S_IFREG => {
                    let fd = open_at(dirfd, name, libc::O_NOCTTY).map_err(|e| self.fail(e))?;
                    let size = st.st_size as u64;
                    self.regular_header(st.st_mode & libc::S_IXUSR != 0, size);
                    self.out.put_file(fd.0, size, &self.path)?;
                }
                libc::S_IFLNK => {
                    let target = read_link_at(dirfd, name, st.st_size as usize).map_err(|e| self.fail(e))?;
                    self.symlink(&target);
                }
                libc::S_IFDIR => {
                    self.out.put_str(b"type");
                    self.out.put_str(b"directory");
                    self.dump_dir(dirfd, name, depth)?;
                }
                _ => {
                    return Err(NarError::UnsupportedType { path: String::from_utf8_lossy(&self.path).into_owned() });
                }
            },
        }
        self.out.put_str(b")");
        Ok(())
    }

    fn symlink(&mut self, target: &[u8]) {
        self.out.put_str(b"type");
        self.out.put_str(b"symlink");
        self.out.put_str(b"target");
        self.out.put_str(target);
    }

    fn dump_dir(&mut self, dirfd: c_int, name: &CStr, depth: u32) -> Result<(), NarError> {
        let dir = open_at(dirfd, name, libc::O_DIRECTORY).map_err(|e| self.fail(e))?;
        // Names, NUL-terminated, back to back; `spans` index them (start, length, d_type).
        let mut names: Vec<u8> = Vec::new();
        let mut spans: Vec<(u32, u32, u8)> = Vec::new();
        loop {
            // SAFETY: `dents` is writable for its length.
            let n = unsafe { libc::syscall(libc::SYS_getdents64, dir.0, self.dents.as_mut_ptr(), self.dents.len()) };
            if n < 0 {
                return Err(self.fail(errno()));
            }
            if n == 0 {
                break;
            }
            let mut at = 0usize;
            while at < n as usize {
                // struct linux_dirent64: u64 ino, i64 off, u16 reclen, u8 type, name NUL-terminated.
                let reclen = u16::from_ne_bytes([self.dents[at + 16], self.dents[at + 17]]) as usize;
                let d_type = self.dents[at + 18];
                let raw = &self.dents[at + 19..at + reclen];
                let len = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
                let entry = &raw[..len];
                if entry != b"." && entry != b".." {
                    spans.push((names.len() as u32, len as u32, d_type));
                    names.extend_from_slice(entry);
                    names.push(0);
                }
                at += reclen;
            }
        }
        let key = |s: &(u32, u32, u8)| &names[s.0 as usize..(s.0 + s.1) as usize];
        spans.sort_unstable_by(|a, b| key(a).cmp(key(b)));
        let cname = |s: &(u32, u32, u8)| {
            // SAFETY: the span plus its NUL terminator, and names contain no NUL.
            unsafe { CStr::from_bytes_with_nul_unchecked(&names[s.0 as usize..(s.0 + s.1 + 1) as usize]) }
        };

        // Deep trees: stop holding descriptors and use full paths instead.
        let by_path = depth >= FD_DEPTH;
        let parent = if by_path {
            drop(dir);
            None
        } else {
            Some(dir)
        };
        let jobs: Vec<Option<Arc<Job>>> = match (&parent, self.helper) {
            (Some(d), Some(h)) if spans.len() > 1 => {
                let jobs: Vec<Option<Arc<Job>>> = spans
                    .iter()
                    .map(|s| {
                        (s.2 == DT_REG || s.2 == DT_LNK).then(|| {
                            Arc::new(Job {
                                dirfd: d.0,
                                name: cname(s).to_owned(),
                                regular: s.2 == DT_REG,
                                state: AtomicU8::new(PENDING),
                                result: UnsafeCell::new(None),
                            })
                        })
                    })
                    .collect();
                h.submit(&jobs);
                jobs
            }
            _ => Vec::new(),
        };
        let _retire = Retire(&jobs, self.helper);

        let base = self.path.len();
        for (i, s) in spans.iter().enumerate() {
            let entry = key(s);
            if !self.path.ends_with(b"/") {
                self.path.push(b'/');
            }
            self.path.extend_from_slice(entry);
            self.out.put_str(b"entry");
            self.out.put_str(b"(");
            self.out.put_str(b"name");
            self.out.put_str(entry);
            self.out.put_str(b"node");
            match &parent {
                Some(d) => {
                    let known = match (jobs.get(i), self.helper) {
                        (Some(Some(j)), Some(h)) => Some(j.take(h)),
                        _ => None,
                    };
                    self.dump(d.0, cname(s), depth + 1, known)?;
                }
                None => {
                    let full = CString::new(self.path.clone()).map_err(|_| self.fail(libc::EINVAL))?;
                    self.dump(libc::AT_FDCWD, &full, depth + 1, None)?;
                }
            }
            self.out.put_str(b")");
            self.path.truncate(base);
        }
        Ok(())
    }
}

/// Writes the NAR serialisation of `path` to `out`. With a `helper` (whose
/// `run` loop is running on another thread) file system calls are shared.
pub fn dump_path(path: &str, out: &mut Out<'_>, helper: Option<&Helper>) -> Result<(), NarError> {
    let c = CString::new(path).map_err(|_| NarError::CannotRead {
        path: path.to_owned(),
        why: crate::errors::describe_errno(libc::EINVAL),
    })?;
    out.put_str(NAR_MAGIC.as_bytes());
    // Messages join entry names with '/': drop trailing slashes of the root ("/" stays).
    let mut shown = path.as_bytes();
    while shown.len() > 1 && shown.ends_with(b"/") {
        shown = &shown[..shown.len() - 1];
    }
    let mut w = Walker { out, helper, path: shown.to_vec(), dents: vec![0u8; 64 * 1024] };
    w.dump(libc::AT_FDCWD, &c, 0, None)
}
