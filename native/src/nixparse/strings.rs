//! The string table of a parse: every distinct string once, either a slice of
//! the source or bytes the parser built (unescaped or indentation-stripped),
//! plus the names whose symbols the TS parser would create, in its order.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A fast non-cryptographic hasher (FxHash's mixing) for the parser's small integer keys.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.add(b as u64);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.add(n as u64);
    }
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Hash of a byte string, 8 bytes at a time.
fn hash(s: &[u8]) -> u32 {
    let mut h = FxHasher(s.len() as u64);
    let mut chunks = s.chunks_exact(8);
    for c in &mut chunks {
        h.add(u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]));
    }
    let mut last = 0u64;
    for (i, &b) in chunks.remainder().iter().enumerate() {
        last |= (b as u64) << (8 * i);
    }
    h.add(last);
    (h.0 >> 32) as u32
}

const EMPTY: u32 = u32::MAX;

/// Index of a string in the table. Equal contents have equal ids.
pub type Sym = u32;

pub struct Strings<'a> {
    src: &'a [u8],
    /// Open-addressing table of ids (a power of two in size, at most half full).
    table: Vec<u32>,
    hashes: Vec<u32>,
    /// `[start, end)` in the source, or `[-1 - start, end)` in `side`.
    pub entries: Vec<(i32, i32)>,
    pub side: Vec<u8>,
    /// Names to pass to `symbolId`, first occurrence only, in call order.
    pub symbols: Vec<Sym>,
    named: Vec<bool>,
}

/// Whether two short byte strings are equal (a loop beats a `memcmp` call for names).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

impl<'a> Strings<'a> {
    pub fn new(src: &'a [u8]) -> Self {
        // (about one distinct string per 100 bytes of Nix)
        let size = (src.len() / 50).next_power_of_two().max(1024);
        Strings {
            src,
            table: vec![EMPTY; size],
            hashes: Vec::with_capacity(size / 2),
            entries: Vec::with_capacity(size / 2),
            side: Vec::new(),
            symbols: Vec::new(),
            named: Vec::new(),
        }
    }

    /// The id of `s`, or the table slot where it goes.
    fn find(&self, s: &[u8], h: u32) -> Result<Sym, usize> {
        let mask = self.table.len() - 1;
        let mut i = h as usize & mask;
        loop {
            let id = self.table[i];
            if id == EMPTY {
                return Err(i);
            }
            if self.hashes[id as usize] == h && same(self.bytes(id), s) {
                return Ok(id);
            }
            i = (i + 1) & mask;
        }
    }

    fn add(&mut self, slot: usize, h: u32, entry: (i32, i32)) -> Sym {
        let id = self.entries.len() as Sym;
        self.entries.push(entry);
        self.hashes.push(h);
        self.table[slot] = id;
        if self.entries.len() * 2 > self.table.len() {
            let size = self.table.len() * 2;
            self.table = vec![EMPTY; size];
            for (id, &h) in self.hashes.iter().enumerate() {
                let mut i = h as usize & (size - 1);
                while self.table[i] != EMPTY {
                    i = (i + 1) & (size - 1);
                }
                self.table[i] = id as u32;
            }
        }
        id
    }

    /// The id of the source bytes `[a, b)`.
    pub fn of_src(&mut self, a: usize, b: usize) -> Sym {
        let s = &self.src[a..b];
        let h = hash(s);
        match self.find(s, h) {
            Ok(id) => id,
            Err(slot) => self.add(slot, h, (a as i32, b as i32)),
        }
    }

    /// The id of built bytes.
    pub fn of_bytes(&mut self, s: &[u8]) -> Sym {
        let h = hash(s);
        match self.find(s, h) {
            Ok(id) => id,
            Err(slot) => {
                let start = self.side.len();
                self.side.extend_from_slice(s);
                self.add(slot, h, (-1 - start as i32, self.side.len() as i32))
            }
        }
    }

    pub fn bytes(&self, id: Sym) -> &[u8] {
        let (a, b) = self.entries[id as usize];
        if a >= 0 {
            &self.src[a as usize..b as usize]
        } else {
            &self.side[(-1 - a) as usize..b as usize]
        }
    }

    /// Records that the TS parser calls `symbolId` on this name here (only the first call of
    /// a name can create a symbol).
    pub fn symbol(&mut self, id: Sym) {
        let i = id as usize;
        if i >= self.named.len() {
            self.named.resize(self.entries.len().max(i + 1), false);
        }
        if !self.named[i] {
            self.named[i] = true;
            self.symbols.push(id);
        }
    }
}
