//! A seeded xorshift generator for the random-input tests: the same inputs on every run.

pub(crate) struct XorShift(u64);

impl XorShift {
    pub(crate) fn new(seed: u64) -> Self {
        XorShift(seed.max(1))
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `0..n`.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// `n` pieces drawn from `pieces`, joined.
    pub(crate) fn pieces(&mut self, pieces: &[&str], n: usize) -> String {
        (0..n).map(|_| pieces[self.below(pieces.len())]).collect()
    }

    /// `len` bytes drawn from `alphabet`.
    pub(crate) fn text(&mut self, alphabet: &[u8], len: usize) -> Vec<u8> {
        (0..len)
            .map(|_| alphabet[self.below(alphabet.len())])
            .collect()
    }
}
