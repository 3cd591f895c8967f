//! Bounded random-input test: over two thousand inputs mutated from the edge fixtures and
//! from nginx-ish fragments, with a fixed seed, through [`super::self_check`]. The
//! open-ended search is the `cargo fuzz` target in fuzz/.

use std::path::Path;

/// xorshift64*: deterministic and dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const FRAGMENTS: &[&[u8]] = &[
    b"{",
    b"}",
    b";",
    b"\"",
    b"'",
    b"\\",
    b"$",
    b"${",
    b"#",
    b"\n",
    b" ",
    b"[[",
    b"]]",
    b"--",
    b"[==[",
    b"location / {",
    b"server {",
    b"map $a $b {",
    b"set $s \"x\";",
    b"include conf.d/*.conf;",
    b"_by_lua_block {",
    b"content_by_lua_block {",
    b"proxy_set_header Authorization \"Basic ",
    b"Bearer ",
    b"secure_link_md5 \"",
    b"proxy_pass http://u:p@h/;",
    b"env A=",
    b"more_set_headers -s ",
    b"\xff\xfe",
];

fn seeds() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut out = Vec::new();
    let mut stack = vec![root.join("edge"), root.join("edge-malformed")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(b) = std::fs::read(&p) {
                out.push(b);
            }
        }
    }
    out.sort();
    out.push(b"http { server { location = /auth { set $secret \"k\"; } } }".to_vec());
    out
}

fn mutate(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut data = seeds[rng.below(seeds.len())].clone();
    for _ in 0..1 + rng.below(8) {
        let at = rng.below(data.len() + 1);
        match rng.below(6) {
            0 => {
                let f = FRAGMENTS[rng.below(FRAGMENTS.len())];
                data.splice(at..at, f.iter().copied());
            }
            1 if !data.is_empty() => {
                let end = (at + 1 + rng.below(16)).min(data.len());
                data.drain(at.min(end)..end);
            }
            2 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] = rng.next() as u8;
            }
            3 => data.truncate(at),
            4 => {
                let other = &seeds[rng.below(seeds.len())];
                let from = rng.below(other.len());
                let to = (from + rng.below(256)).min(other.len());
                data.splice(at..at, other[from..to].iter().copied());
            }
            _ => {
                // Nest: many opening braces, a classic stack breaker.
                let n = rng.below(400);
                data.splice(at..at, b"a {".repeat(n));
            }
        }
    }
    data
}

#[test]
fn random_and_mutated_inputs_never_panic() {
    let seeds = seeds();
    assert!(seeds.len() >= 10, "fixtures/edge not found");
    let mut rng = Rng(0x005E_ED0F_E09E);
    for s in &seeds {
        super::self_check(s);
    }
    for _ in 0..2000 {
        let data = mutate(&mut rng, &seeds);
        super::self_check(&data);
    }
    // Pure noise, short and long.
    for _ in 0..200 {
        let len = rng.below(2048);
        let data: Vec<u8> = (0..len)
            .map(|_| FRAGMENTS[rng.below(FRAGMENTS.len())][0] ^ (rng.next() as u8 & 1))
            .collect();
        super::self_check(&data);
    }
}
