//! Store-reference scanning with Nix 2.8's semantics (src/libstore/references.cc).
//!
//! Nix looks at every 32-byte window of the NAR serialisation and reports a
//! candidate hash part when the window consists of Nix base-32 characters and
//! equals the candidate. Windows overlap, may sit inside longer runs of base-32
//! text and may straddle read boundaries. A window equal to a valid candidate is
//! necessarily all base-32, so the problem reduces to finding which of a set of
//! 32-byte strings occur anywhere in a byte stream; candidates that are not 32
//! base-32 characters can never be reported.
//!
//! Instead of testing every offset (what Nix does, 6–43 MB/s on base-32-dense
//! text) we sample: any 32-byte occurrence starting at `p` contains the 8-byte
//! block starting at the first multiple of `STRIDE` (25) at or after `p`, at an
//! offset `d` in `0..25` of the candidate. A table maps each of the 25 blocks
//! of every candidate to `(candidate, d)`; the text is probed once every 25
//! bytes and each hit is verified with a full 32-byte comparison. Before the
//! table (which for 10 000 candidates is larger than the caches) a probe must
//! pass a branch-free "all bytes in `0-9a-z`" test, which rejects almost all
//! of ordinary binary data, and a blocked Bloom filter of at most 256 KiB,
//! which rejects almost all base-32 text that is not a candidate.

/// Length of a store path's hash part in characters.
pub const HASH_PART_LEN: usize = 32;
/// Nix's base-32 alphabet (no e, o, t, u).
pub const NIX_BASE32_CHARS: &[u8; 32] = b"0123456789abcdfghijklmnpqrsvwxyz";

const BLOCK: usize = 8;
/// Largest stride that still puts a whole block inside every occurrence.
const STRIDE: usize = HASH_PART_LEN - BLOCK + 1;
/// Bytes kept from the end of the previous chunk to catch straddling matches.
const CARRY: usize = HASH_PART_LEN - 1;

const EMPTY: u32 = u32::MAX;

fn is_base32(c: u8) -> bool {
    NIX_BASE32_CHARS.contains(&c)
}

/// Whether all 8 bytes of `x` are in `0-9` or `a-z` (a superset of the
/// base-32 alphabet), tested on all bytes at once. Bytes below 0x80 never
/// carry into their neighbour when a constant below 0x80 is added.
#[inline(always)]
fn maybe_base32(x: u64) -> bool {
    const H: u64 = 0x8080_8080_8080_8080;
    const fn rep(b: u8) -> u64 {
        (b as u64) * 0x0101_0101_0101_0101
    }
    if x & H != 0 {
        return false;
    }
    let ge_0 = x + rep(0x80 - b'0');
    let gt_9 = x + rep(0x7f - b'9');
    let ge_a = x + rep(0x80 - b'a');
    let gt_z = x + rep(0x7f - b'z');
    let ok = (ge_0 & !gt_9) | (ge_a & !gt_z);
    ok & H == H
}

#[inline(always)]
fn load_block(data: &[u8], at: usize) -> u64 {
    let mut b = [0u8; BLOCK];
    b.copy_from_slice(&data[at..at + BLOCK]);
    u64::from_le_bytes(b)
}

#[derive(Clone, Copy)]
struct Entry {
    pattern: u32,
    offset: u32,
    next: u32,
}

/// A streaming multi-pattern scanner for 32-character hash parts.
pub struct Scanner {
    /// Valid, de-duplicated candidates.
    patterns: Vec<[u8; HASH_PART_LEN]>,
    found: Vec<bool>,
    remaining: usize,
    /// One bit per hashed block value: a small (cache-resident) prefilter
    /// that rejects almost every probe before the table is touched.
    filter: Vec<u64>,
    filter_shift: u32,
    /// Open-addressing table of blocks (key, first entry); key 0 marks an
    /// empty slot (a block of base-32 characters is never 0).
    slots: Vec<(u64, u32)>,
    entries: Vec<Entry>,
    shift: u32,
    mask: usize,
    carry: [u8; CARRY * 2],
    carry_len: usize,
}

impl Scanner {
    pub fn new<S: AsRef<str>>(candidates: &[S]) -> Scanner {
        let mut patterns: Vec<[u8; HASH_PART_LEN]> = candidates
            .iter()
            .map(|c| c.as_ref().as_bytes())
            .filter(|c| c.len() == HASH_PART_LEN && c.iter().all(|&b| is_base32(b)))
            .map(|c| {
                let mut p = [0u8; HASH_PART_LEN];
                p.copy_from_slice(c);
                p
            })
            .collect();
        patterns.sort_unstable();
        patterns.dedup();

        let blocks = patterns.len() * STRIDE;
        let mut bits = 4;
        while (1usize << bits) < blocks * 2 {
            bits += 1;
        }
        let size = 1usize << bits;
        // About 16 filter bits per block, between 4 Ki and 2 Mi bits (256 KiB).
        let mut fbits = 12;
        while fbits < 21 && (1usize << fbits) < blocks * 16 {
            fbits += 1;
        }
        let fbits = fbits as u32;
        let mut s = Scanner {
            found: vec![false; patterns.len()],
            remaining: patterns.len(),
            filter: vec![0; (1usize << fbits) / 64],
            // Indexes words, so 6 bits fewer than bits.
            filter_shift: 64 - (fbits - 6),
            slots: vec![(0, EMPTY); size],
            entries: Vec::with_capacity(blocks),
            shift: 64 - bits,
            mask: size - 1,
            carry: [0; CARRY * 2],
            carry_len: 0,
            patterns,
        };
        for (i, p) in s.patterns.iter().enumerate() {
            for d in 0..STRIDE {
                let key = load_block(p, d);
                let (w, m) = s.filter_pos(key);
                s.filter[w] |= m;
                let mut h = s.slot(key);
                loop {
                    if s.slots[h].0 == 0 {
                        s.slots[h].0 = key;
                        break;
                    }
                    if s.slots[h].0 == key {
                        break;
                    }
                    h = (h + 1) & s.mask;
                }
                s.entries.push(Entry { pattern: i as u32, offset: d as u32, next: s.slots[h].1 });
                s.slots[h].1 = (s.entries.len() - 1) as u32;
            }
        }
        s
    }

    /// Word index and two-bit mask of `key` in the blocked Bloom filter.
    #[inline(always)]
    fn filter_pos(&self, key: u64) -> (usize, u64) {
        let h = (key ^ (key >> 29)).wrapping_mul(0xD6E8_FEB8_6659_FD93);
        let word = (h >> self.filter_shift) as usize;
        let mask = (1u64 << ((h >> 20) & 63)) | (1u64 << ((h >> 26) & 63));
        (word, mask)
    }

    #[inline(always)]
    fn slot(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// True once every candidate has been found (further input is ignored).
    pub fn done(&self) -> bool {
        self.remaining == 0
    }

    /// Scans a self-contained buffer: matches lying entirely inside `data`.
    fn scan_within(&mut self, data: &[u8]) {
        let n = data.len();
        if n < HASH_PART_LEN || self.remaining == 0 {
            return;
        }
        let mut q = 0;
        while q + BLOCK <= n {
            let key = load_block(data, q);
            if maybe_base32(key) {
                let (w, m) = self.filter_pos(key);
                if self.filter[w] & m == m {
                    self.lookup(data, q, key);
                }
            }
            q += STRIDE;
        }
    }

    #[inline(never)]
    fn lookup(&mut self, data: &[u8], q: usize, key: u64) {
        let mut h = self.slot(key);
        loop {
            let (k, head) = self.slots[h];
            if k == key {
                self.verify(data, q, head);
                return;
            }
            if k == 0 {
                return;
            }
            h = (h + 1) & self.mask;
        }
    }

    #[cold]
    #[inline(never)]
    fn verify(&mut self, data: &[u8], q: usize, mut e: u32) {
        while e != EMPTY {
            let Entry { pattern, offset, next } = self.entries[e as usize];
            let (p, d) = (pattern as usize, offset as usize);
            if !self.found[p]
                && q >= d
                && q - d + HASH_PART_LEN <= data.len()
                && data[q - d..q - d + HASH_PART_LEN] == self.patterns[p]
            {
                self.found[p] = true;
                self.remaining -= 1;
            }
            e = next;
        }
    }

    /// Feeds the next piece of the stream.
    pub fn feed(&mut self, data: &[u8]) {
        if self.remaining == 0 || data.is_empty() {
            return;
        }
        // Windows that start in the previous data and end in this piece.
        let head = data.len().min(CARRY);
        if self.carry_len > 0 {
            let mut joined = [0u8; CARRY * 2];
            joined[..self.carry_len].copy_from_slice(&self.carry[..self.carry_len]);
            joined[self.carry_len..self.carry_len + head].copy_from_slice(&data[..head]);
            let len = self.carry_len + head;
            self.scan_within(&joined[..len]);
        }
        self.scan_within(data);
        // Keep the last CARRY bytes of the stream.
        if data.len() >= CARRY {
            self.carry[..CARRY].copy_from_slice(&data[data.len() - CARRY..]);
            self.carry_len = CARRY;
        } else {
            let total = self.carry_len + data.len();
            let keep_old = self.carry_len.min(CARRY - data.len());
            let drop_old = self.carry_len - keep_old;
            self.carry.copy_within(drop_old..self.carry_len, 0);
            self.carry[keep_old..keep_old + data.len()].copy_from_slice(data);
            self.carry_len = keep_old + data.len();
            debug_assert!(self.carry_len <= CARRY && self.carry_len <= total);
        }
    }

    /// The candidates found so far, sorted.
    pub fn found(&self) -> Vec<String> {
        // `patterns` is sorted, so the result is too.
        self.patterns
            .iter()
            .zip(&self.found)
            .filter(|(_, &f)| f)
            .map(|(p, _)| String::from_utf8(p.to_vec()).expect("base-32 is ASCII"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A direct transcription of the specification: every window of the
    /// whole stream that is all base-32 and equal to a candidate.
    fn reference(stream: &[u8], candidates: &[String]) -> Vec<String> {
        let mut out: Vec<String> = candidates
            .iter()
            .filter(|c| {
                let c = c.as_bytes();
                c.len() == HASH_PART_LEN
                    && stream.windows(HASH_PART_LEN).any(|w| w == c && w.iter().all(|&b| is_base32(b)))
            })
            .cloned()
            .collect();
        out.sort();
        out.dedup();
        out
    }

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn matches_reference_on_random_streams_and_splits() {
        let mut rng = Rng(0x1234_5678_9abc_def1);
        for round in 0..400 {
            // A tiny alphabet makes overlaps and near-misses common.
            let alphabet: &[u8] = if round % 2 == 0 { b"01" } else { NIX_BASE32_CHARS };
            let len = rng.below(300);
            let mut stream: Vec<u8> =
                (0..len).map(|_| if rng.below(40) == 0 { b'-' } else { alphabet[rng.below(alphabet.len())] }).collect();
            let mut candidates: Vec<String> = Vec::new();
            for _ in 0..rng.below(8) {
                if stream.len() >= 32 && rng.below(3) > 0 {
                    let at = rng.below(stream.len() - 31);
                    candidates.push(String::from_utf8(stream[at..at + 32].to_vec()).unwrap());
                } else {
                    candidates.push((0..32).map(|_| alphabet[rng.below(alphabet.len())] as char).collect());
                }
            }
            if rng.below(5) == 0 && !stream.is_empty() {
                let at = rng.below(stream.len());
                stream[at] = b'e';
            }
            let expected = reference(&stream, &candidates);
            // Whole buffer.
            let mut s = Scanner::new(&candidates);
            s.feed(&stream);
            assert_eq!(s.found(), expected, "round {round} whole");
            // Random splits, including empty and 1-byte pieces.
            let mut s = Scanner::new(&candidates);
            let mut at = 0;
            while at < stream.len() {
                let n = rng.below(40).min(stream.len() - at);
                s.feed(&stream[at..at + n]);
                at += n;
            }
            assert_eq!(s.found(), expected, "round {round} split");
        }
    }

    #[test]
    fn maybe_base32_accepts_exactly_digits_and_lower_case() {
        for b in 0..=255u8 {
            let expected = b.is_ascii_digit() || b.is_ascii_lowercase();
            for pos in 0..8 {
                let mut block = *b"00000000";
                block[pos] = b;
                assert_eq!(maybe_base32(u64::from_le_bytes(block)), expected, "byte {b} at {pos}");
            }
        }
    }

    #[test]
    fn ignores_invalid_candidates() {
        let stream = format!("xx{}yy{}-", "e".repeat(32), "0".repeat(32));
        let c = vec!["e".repeat(32), "0".repeat(31), "0".repeat(33), "0".repeat(32), "0".repeat(32)];
        let mut s = Scanner::new(&c);
        s.feed(stream.as_bytes());
        assert_eq!(s.found(), vec!["0".repeat(32)]);
    }
}
