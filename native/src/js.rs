//! The N-API surface. Async functions run in a libuv worker thread
//! (napi `AsyncTask`), never on the JS thread.

use crate::errors::NarError;
use crate::{nixparse, process, scan_bytes as scan_bytes_impl, Outcome};
use napi::bindgen_prelude::{AsyncTask, Buffer, Int32Array};
use napi::{Env, Error, JsString, Result, Status, Task};
use napi_derive::napi;

fn to_js(e: NarError) -> Error {
    Error::new(Status::GenericFailure, e.to_string())
}

#[napi(object)]
pub struct NarHashResult {
    pub digest: Buffer,
    pub size: i64,
}

#[napi(object)]
pub struct NarHashAndScanResult {
    pub digest: Buffer,
    pub size: i64,
    pub references: Vec<String>,
}

pub struct Job {
    path: String,
    algorithm: Option<String>,
    hash_parts: Option<Vec<String>>,
}

impl Job {
    fn run(&self) -> Result<Outcome> {
        process(&self.path, self.algorithm.as_deref(), self.hash_parts.as_deref()).map_err(to_js)
    }
}

pub struct HashTask(Job);
pub struct ScanTask(Job);
pub struct HashAndScanTask(Job);

impl Task for HashTask {
    type Output = Outcome;
    type JsValue = NarHashResult;
    fn compute(&mut self) -> Result<Outcome> {
        self.0.run()
    }
    fn resolve(&mut self, _env: Env, o: Outcome) -> Result<NarHashResult> {
        Ok(NarHashResult { digest: o.digest.unwrap_or_default().into(), size: o.size as i64 })
    }
}

impl Task for ScanTask {
    type Output = Outcome;
    type JsValue = Vec<String>;
    fn compute(&mut self) -> Result<Outcome> {
        self.0.run()
    }
    fn resolve(&mut self, _env: Env, o: Outcome) -> Result<Vec<String>> {
        Ok(o.references.unwrap_or_default())
    }
}

impl Task for HashAndScanTask {
    type Output = Outcome;
    type JsValue = NarHashAndScanResult;
    fn compute(&mut self) -> Result<Outcome> {
        self.0.run()
    }
    fn resolve(&mut self, _env: Env, o: Outcome) -> Result<NarHashAndScanResult> {
        Ok(NarHashAndScanResult {
            digest: o.digest.unwrap_or_default().into(),
            size: o.size as i64,
            references: o.references.unwrap_or_default(),
        })
    }
}

/// NAR hash of `path` with `algorithm` (md5, sha1, sha256, sha512) and the NAR size in bytes.
#[napi(ts_return_type = "Promise<NarHashResult>")]
pub fn nar_hash_path(path: String, algorithm: String) -> AsyncTask<HashTask> {
    AsyncTask::new(HashTask(Job { path, algorithm: Some(algorithm), hash_parts: None }))
}

/// The `hash_parts` found in the NAR serialisation of `path`, sorted and de-duplicated.
#[napi(ts_return_type = "Promise<Array<string>>")]
pub fn scan_references(path: String, hash_parts: Vec<String>) -> AsyncTask<ScanTask> {
    AsyncTask::new(ScanTask(Job { path, algorithm: None, hash_parts: Some(hash_parts) }))
}

/// NAR hash, NAR size and found references of `path`, reading the data once.
#[napi(ts_return_type = "Promise<NarHashAndScanResult>")]
pub fn nar_hash_and_scan(path: String, algorithm: String, hash_parts: Vec<String>) -> AsyncTask<HashAndScanTask> {
    AsyncTask::new(HashAndScanTask(Job { path, algorithm: Some(algorithm), hash_parts: Some(hash_parts) }))
}

/// The `hash_parts` occurring in `data`, sorted and de-duplicated (synchronous).
#[napi]
pub fn scan_bytes(data: &[u8], hash_parts: Vec<String>) -> Vec<String> {
    scan_bytes_impl(data, &hash_parts)
}

/// The syntax tree of a Nix source (its bytes) in the flat encoding `@tsnix/eval` decodes
/// (src/nixparse/mod.rs), or null when the source has an error or a construct left to the
/// TS parser (synchronous).
#[napi]
pub fn parse_nix(src: &[u8]) -> Option<Int32Array> {
    nixparse::parse(src).map(Int32Array::new)
}

/// The base-16 `algorithm` digest of a string's Latin-1 bytes (`@tsnix/eval` keeps Nix's byte
/// strings as JS strings of code units 0–255), synchronous: `builtins.hashString` without
/// node:crypto, whose loading and per-call digest lookup cost more than the hashing.
#[napi]
pub fn hash_latin1(algorithm: String, text: JsString) -> Result<String> {
    let bytes = text.into_latin1()?;
    crate::hash::hex_digest(&algorithm, bytes.as_slice()).map_err(to_js)
}

/// `instantiate --eval --strict [-A path …]` of a Nix source by the native evaluator
/// (src/nixeval): what it prints on stdout (the `--json` form with `json`), or null when the
/// TS evaluator must run instead (an error, or something the native one leaves out). Synchronous.
#[napi]
pub fn eval_nix(
    src: &[u8],
    base_dir: &[u8],
    json: bool,
    store_dir: &[u8],
    env_access: bool,
    attr_paths: Option<Vec<Buffer>>,
) -> Option<Buffer> {
    let paths: Vec<&[u8]> = attr_paths.iter().flatten().map(|p| &p[..]).collect();
    let req = crate::nixeval::Request { src, base_dir, json, store_dir, env_access, attr_paths: &paths };
    crate::nixeval::eval_strict(&req).map(Buffer::from)
}
