//! SQL dumps (pg_dump plain format, psql scripts), streamed in constant memory.
//!
//! - [`lexer`]: PostgreSQL quoting, comments, dollar-quoted bodies and COPY data;
//! - [`analyze`]: statements and their context, pgcrypto calls with literal or
//!   `current_setting` keys, ciphertext per table column and its link to a trigger;
//! - [`pgp`]: recognises OpenPGP messages in stored values.
//!
//! [`extract_stream`] reads the input one line at a time (lines over [`MAX_CHUNK`] in
//! pieces), feeds the lexer, and runs the ring-token extractor on every line and the
//! regex rules on every line that is not COPY data, each with the line's position.

pub(crate) mod analyze;
mod head;
pub(crate) mod lexer;
mod link;
pub(crate) mod pgp;

use super::rules::RuleSet;
use super::tokens::{private_key_label, RingTokens};
use super::{needles, Document, Extracted, Position};
use crate::format::Format;
use std::io::{self, BufRead};

/// Lines longer than this are fed in pieces of this size.
pub(crate) const MAX_CHUNK: usize = 1 << 20;

/// Reads up to and including the next newline, at most `max` bytes. Returns the length.
fn read_chunk(reader: &mut dyn BufRead, out: &mut Vec<u8>, max: usize) -> io::Result<usize> {
    loop {
        let buf = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok(out.len());
        }
        let room = max - out.len();
        let window = &buf[..buf.len().min(room)];
        let (take, done) = match memchr::memchr(b'\n', window) {
            Some(p) => (p + 1, true),
            None => (window.len(), window.len() == room),
        };
        out.extend_from_slice(&buf[..take]);
        reader.consume(take);
        if done {
            return Ok(out.len());
        }
    }
}

/// Collects the lines of a private-key block across a dump's lines, and looks the block
/// up once it ends (bounded: a block that does not end within 16 KB is dropped).
fn pem_lines(
    tokens: &RingTokens,
    path: &str,
    chunk: &[u8],
    at: Position,
    pem: &mut Option<(Vec<u8>, Position)>,
    out: &mut Extracted,
) {
    if pem.is_none() {
        // The first private-key block that starts on this line.
        let first_private = needles::PEM_BEGIN
            .find_iter(chunk)
            .find(|&i| private_key_label(&chunk[i + b"-----BEGIN ".len()..]));
        if let Some(i) = first_private {
            let start = Position {
                line: at.line,
                column: at.column + i as u32,
            };
            *pem = Some((chunk[i..].to_vec(), start));
            if needles::PEM_END.find(&chunk[i..]).is_none() {
                return;
            }
        } else {
            return;
        }
    } else if let Some((buf, _)) = pem.as_mut() {
        buf.extend_from_slice(chunk);
    }
    let Some((buf, start)) = pem.take() else {
        return;
    };
    if needles::PEM_END.find(&buf).is_some() {
        let doc = Document::at(path, &buf, Format::Sql, start);
        tokens.pem_blocks(&doc, out);
    } else if buf.len() < 16 * 1024 {
        *pem = Some((buf, start));
    }
}

/// Bytes of lines a worker takes at once.
const BATCH: usize = 1 << 20;

/// Extracts candidates from a SQL stream; returns the number of bytes read.
///
/// The statement state (lexer and analyzer: function bodies, COPY blocks, which table a
/// row belongs to) is one pass on this thread, and cheap. What each line holds (ring
/// keys, rules) depends only on the line and on whether it is COPY data, so with
/// `threads > 1` lines go in batches to that many workers, at most `threads` batches
/// queued: a dump of any size is read in constant memory on every core.
pub(crate) fn extract_stream(
    path: &str,
    reader: &mut dyn BufRead,
    tokens: Option<&RingTokens>,
    rules: &RuleSet,
    out: &mut Extracted,
    threads: usize,
) -> u64 {
    extract_batched(path, reader, tokens, rules, out, threads, BATCH)
}

/// [`extract_stream`] with batches of `batch` bytes (small ones in tests).
fn extract_batched(
    path: &str,
    reader: &mut dyn BufRead,
    tokens: Option<&RingTokens>,
    rules: &RuleSet,
    out: &mut Extracted,
    threads: usize,
    batch_size: usize,
) -> u64 {
    if threads <= 1 {
        let mut lines = Extracted::default();
        let bytes = read_lines(path, reader, tokens, out, |line, at, data| {
            extract_line(path, line, at, data, tokens, rules, &mut lines);
        });
        out.candidates.append(&mut lines.candidates);
        return bytes;
    }
    let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(threads);
    let rx = std::sync::Mutex::new(rx);
    let done = std::sync::Mutex::new(Vec::<(usize, Extracted)>::new());
    let run = |batch: Batch| {
        let mut found = Extracted::default();
        for &(start, end, at, data) in &batch.lines {
            let line = &batch.bytes[start..end];
            extract_line(path, line, at, data, tokens, rules, &mut found);
        }
        done.lock()
            .expect("a worker panicked")
            .push((batch.index, found));
    };
    let work = || loop {
        let Ok(batch) = rx.lock().expect("a worker panicked").recv() else {
            break;
        };
        run(batch);
    };
    let bytes = std::thread::scope(|s| {
        // Workers start with the second batch: a dump smaller than one batch (most
        // migration files) is read on this thread alone, with no thread started.
        let mut started = false;
        let mut batch = Batch::new(0);
        let bytes = read_lines(path, reader, tokens, out, |line, at, data| {
            batch.push(line, at, data);
            if batch.bytes.len() >= batch_size {
                if !started {
                    for _ in 0..threads {
                        s.spawn(work);
                    }
                    started = true;
                }
                let next = Batch::new(batch.index + 1);
                // A worker that stopped has panicked: the scope reports it.
                let _ = tx.send(std::mem::replace(&mut batch, next));
            }
        });
        if !batch.lines.is_empty() {
            if started {
                let _ = tx.send(batch);
            } else {
                run(batch);
            }
        }
        drop(tx);
        bytes
    });
    // In the order of the lines, whatever the order the workers finished in.
    let mut done = done.into_inner().expect("a worker panicked");
    done.sort_by_key(|(index, _)| *index);
    for (_, mut found) in done {
        out.candidates.append(&mut found.candidates);
    }
    bytes
}

/// Lines for a worker: their bytes, and each line's (start, end, position, COPY data).
struct Batch {
    index: usize,
    bytes: Vec<u8>,
    lines: Vec<(usize, usize, Position, bool)>,
}

impl Batch {
    fn new(index: usize) -> Self {
        // Grown as lines come: a small file's one batch allocates what it holds.
        Batch {
            index,
            bytes: Vec::new(),
            lines: Vec::new(),
        }
    }

    fn push(&mut self, line: &[u8], at: Position, data: bool) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(line);
        self.lines.push((start, self.bytes.len(), at, data));
    }
}

/// What one line holds: ring keys anywhere, and the rules' findings outside COPY data.
fn extract_line(
    path: &str,
    line: &[u8],
    at: Position,
    data: bool,
    tokens: Option<&RingTokens>,
    rules: &RuleSet,
    out: &mut Extracted,
) {
    let doc = Document::at(path, line, Format::Sql, at);
    if let Some(t) = tokens {
        t.extract(&doc, out);
    }
    if !data {
        rules.extract(&doc, out);
    }
}

/// Reads the stream line by line (a line longer than [`MAX_CHUNK`] in pieces) through
/// the lexer and analyzer, collecting private-key blocks across lines, and gives each
/// line to `each` with its position and whether it is COPY data. The analyzer's
/// candidates and the stream's warnings go to `out`; returns the bytes read.
fn read_lines(
    path: &str,
    reader: &mut dyn BufRead,
    tokens: Option<&RingTokens>,
    out: &mut Extracted,
    mut each: impl FnMut(&[u8], Position, bool),
) -> u64 {
    let mut lexer = lexer::Lexer::new();
    let mut analyzer = analyze::Analyzer::new();
    let mut chunk = Vec::with_capacity(64 * 1024);
    let (mut line, mut column) = (1u32, 1u32);
    let mut bytes = 0u64;
    // The lines of a private-key block seen so far, and where it started: a block spans
    // lines, which are this loop's chunks.
    let mut pem: Option<(Vec<u8>, Position)> = None;
    loop {
        chunk.clear();
        match read_chunk(reader, &mut chunk, MAX_CHUNK) {
            Ok(0) => break,
            Ok(n) => bytes += n as u64,
            Err(e) => {
                out.warnings
                    .push(format!("{path}: line {line}: cannot read further: {e}"));
                break;
            }
        }
        if needles::INLINE_ALLOW.find(&chunk).is_some() {
            out.allowed_lines.push(line);
        }
        let data = lexer.in_copy();
        lexer.feed(&chunk, &mut analyzer);
        let at = Position { line, column };
        if let Some(t) = tokens {
            pem_lines(t, path, &chunk, at, &mut pem, out);
        }
        each(&chunk, at, data);
        if chunk.last() == Some(&b'\n') {
            line += 1;
            column = 1;
        } else {
            column = column.saturating_add(chunk.len() as u32);
        }
    }
    if let Some(u) = lexer.finish(&mut analyzer) {
        out.warnings.push(format!(
            "{path}: line {}: unterminated {} (read to the end of the file)",
            u.pos.line, u.what
        ));
    }
    analyzer.finish();
    out.candidates.append(&mut analyzer.candidates);
    bytes
}

/// Lexes `data` cut into chunks of `data[0]` bytes and runs the extractor on the rest,
/// panicking if an invariant breaks: positions are 1-based, bodies nest and close,
/// values and COPY field prefixes stay within their bounds, every byte is read. Shared
/// by the `cargo fuzz` target (fuzz/) and the seeded random-input test.
#[doc(hidden)]
pub fn self_check(data: &[u8]) {
    struct Check {
        depth: usize,
    }
    impl lexer::Sink for Check {
        fn token(
            &mut self,
            depth: usize,
            pos: lexer::Pos,
            tok: lexer::Tok<'_>,
        ) -> Option<lexer::CopyFormat> {
            assert!(pos.line >= 1 && pos.column >= 1);
            assert!(
                depth <= self.depth,
                "token at depth {depth} inside {}",
                self.depth
            );
            if let lexer::Tok::Str { value, .. } = tok {
                assert!(value.len() <= lexer::MAX_VALUE);
            }
            // Every `;` at the top level asks for COPY data once in a while.
            (matches!(tok, lexer::Tok::Punct(b';')) && pos.column.is_multiple_of(3))
                .then(lexer::CopyFormat::default)
        }
        fn body_start(&mut self, depth: usize) {
            assert_eq!(depth, self.depth + 1);
            self.depth = depth;
        }
        fn body_end(&mut self, depth: usize) {
            assert_eq!(depth, self.depth);
            self.depth -= 1;
        }
        fn copy_field(&mut self, _index: usize, prefix: &[u8]) {
            assert!(prefix.len() <= lexer::COPY_PREFIX);
        }
    }
    static RULES: std::sync::OnceLock<RuleSet> = std::sync::OnceLock::new();
    let rules = RULES.get_or_init(|| RuleSet::embedded().expect("embedded rules"));
    let Some((&cut, text)) = data.split_first() else {
        return;
    };
    let step = usize::from(cut).max(1);
    let mut lx = lexer::Lexer::new();
    let mut check = Check { depth: 0 };
    for chunk in text.chunks(step) {
        lx.feed(chunk, &mut check);
    }
    lx.finish(&mut check);
    assert_eq!(check.depth, 0);
    let mut out = Extracted::default();
    let mut reader = text;
    let n = extract_stream("fuzz.sql", &mut reader, None, rules, &mut out, 1);
    assert_eq!(n, text.len() as u64);
    // On workers, in small batches, with a ring key taken from the data: the same
    // candidates as on one thread.
    let key = &text[text.len() / 3..(text.len() / 3 + 10).min(text.len())];
    let ring = format!(
        r#"{{"version":1,"keys":[{{"id":"k","service":"s","state":"active","fingerprint":"{}","length":{}}}]}}"#,
        crate::secret::Fingerprint::of(key),
        key.len().max(1)
    );
    let ring = crate::ring::Ring::parse(&ring, "r").expect("a valid ring");
    let tokens = RingTokens::new(&ring);
    let places = |threads: usize| {
        let mut out = Extracted::default();
        let batch = 16 + usize::from(cut) * 8;
        let n = extract_batched(
            "f.sql",
            &mut &text[..],
            Some(&tokens),
            rules,
            &mut out,
            threads,
            batch,
        );
        assert_eq!(n, text.len() as u64);
        let mut v: Vec<String> = out
            .candidates
            .iter()
            .map(|c| {
                let fp = c.value.as_ref().map(|v| v.fingerprint().to_string());
                format!("{:?} {} {:?} {:?}", c.at, c.detail.rule, c.detail.name, fp)
            })
            .collect();
        v.sort();
        (v, out.warnings, out.allowed_lines)
    };
    assert_eq!(places(1), places(2));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::{Candidate, Kind};
    use crate::secret::Fingerprint;

    fn run(sql: &str) -> Extracted {
        let rules = RuleSet::from_sources(Vec::new()).unwrap();
        let mut out = Extracted::default();
        extract_stream("db.sql", &mut sql.as_bytes(), None, &rules, &mut out, 1);
        out
    }

    /// (line, column, kind, name, context, fingerprint-of-value or rows)
    fn show(c: &Candidate) -> String {
        let what = match (&c.value, c.detail.rows) {
            (Some(v), _) => format!("fp={}", &v.fingerprint().to_string()[7..15]),
            (None, Some(rows)) => format!("rows={rows}"),
            _ => "-".into(),
        };
        format!(
            "{}:{} {} {} [{}] {}{}",
            c.at.line,
            c.at.column,
            c.detail.kind.as_str(),
            c.detail.name.as_deref().unwrap_or("-"),
            c.detail.context.as_deref().unwrap_or("-"),
            what,
            c.key_hint
                .map(|k| format!(" hint={}", &k.to_string()[7..15]))
                .unwrap_or_default()
        )
    }

    fn found(sql: &str) -> Vec<String> {
        let mut v: Vec<String> = run(sql).candidates.iter().map(show).collect();
        v.sort();
        v
    }

    fn fp8(s: &str) -> String {
        Fingerprint::of(s.as_bytes()).to_string()[7..15].to_string()
    }

    #[test]
    fn mysql_and_tsql_keys_with_their_contexts() {
        let mysql = "DELIMITER ;;\n/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`%`*/ /*!50003 TRIGGER `t_enc` BEFORE INSERT ON `c` FOR EACH ROW BEGIN\n  SET NEW.s = AES_ENCRYPT(NEW.p, 'Trig-Key-7f3a9c2e');\nEND */;;\nDELIMITER ;\nCREATE VIEW `v` AS SELECT AES_DECRYPT(s, 'View-Key-4b8e2a6c') FROM c;\n/* a comment with AES_ENCRYPT(x, 'Not-A-Key-000000') */\n";
        assert_eq!(
            found(mysql),
            [
                format!(
                    "3:35 literal aes_encrypt key [trigger t_enc] fp={}",
                    fp8("Trig-Key-7f3a9c2e")
                ),
                format!(
                    "6:43 literal aes_decrypt key [view v] fp={}",
                    fp8("View-Key-4b8e2a6c")
                ),
            ]
        );
        let tsql = "CREATE TRIGGER dbo.trg ON dbo.cards AFTER INSERT AS\nBEGIN\n  UPDATE dbo.cards SET n = ENCRYPTBYPASSPHRASE(N'Ts-Pass-5d7f9b1c', n);\nEND\nGO\nCREATE VIEW dbo.clear AS SELECT DECRYPTBYPASSPHRASE('Ts-View-2a4c6e8b', n) AS n FROM dbo.cards;\nGO\n";
        assert_eq!(
            found(tsql),
            [
                format!(
                    "3:50 literal encryptbypassphrase passphrase [trigger dbo.trg] fp={}",
                    fp8("Ts-Pass-5d7f9b1c")
                ),
                format!(
                    "6:54 literal decryptbypassphrase passphrase [view dbo.clear] fp={}",
                    fp8("Ts-View-2a4c6e8b")
                ),
            ]
        );
    }

    #[test]
    fn top_level_call_with_literal_key() {
        let f = found("SELECT pgp_sym_encrypt('data', 'k3y-Top-Level-9x');\n");
        assert_eq!(
            f,
            [format!(
                "1:33 literal pgp_sym_encrypt key [-] fp={}",
                fp8("k3y-Top-Level-9x")
            )]
        );
    }

    #[test]
    fn function_body_with_variable_and_new_column() {
        let sql = "CREATE FUNCTION public.enc() RETURNS trigger\n    LANGUAGE plpgsql\n    AS $$\nDECLARE\n  k text := 'Var-Key-123456';\nBEGIN\n  NEW.ssn_enc := public.pgp_sym_encrypt(NEW.ssn, k);\n  INSERT INTO audit VALUES (hmac(NEW.ssn, 'Audit-Key-7890', 'sha1'));\n  RETURN NEW;\nEND;\n$$;\n";
        assert_eq!(
            found(sql),
            [
                format!(
                    "5:14 literal pgp_sym_encrypt key [function public.enc()] fp={}",
                    fp8("Var-Key-123456")
                ),
                format!(
                    "8:44 literal hmac key [function public.enc()] fp={}",
                    fp8("Audit-Key-7890")
                )
            ]
        );
    }

    #[test]
    fn views_defaults_policies_do_blocks() {
        let sql = "CREATE VIEW public.v AS\n SELECT public.pgp_sym_decrypt(c.x, 'View-Key-0001'::text) AS x FROM public.c;\n\
CREATE TABLE public.t (\n    id integer,\n    s bytea DEFAULT public.pgp_sym_encrypt('x'::text, 'Default-Key-01'::text)\n);\n\
CREATE POLICY p ON public.t USING ((public.hmac(s, E'Policy\\\\Key-2'::bytea, 'sha256') IS NOT NULL));\n\
DO $do$ BEGIN PERFORM encrypt('a', 'Do-Block-Key-3', 'aes'); END $do$;\n";
        let f = found(sql);
        assert_eq!(
            f,
            [
                format!(
                    "2:38 literal pgp_sym_decrypt key [view public.v] fp={}",
                    fp8("View-Key-0001")
                ),
                format!(
                    "5:56 literal pgp_sym_encrypt key [table public.t] fp={}",
                    fp8("Default-Key-01")
                ),
                format!(
                    "7:54 literal hmac key [policy p on public.t] fp={}",
                    fp8("Policy\\Key-2")
                ),
                format!(
                    "8:37 literal encrypt key [DO block] fp={}",
                    fp8("Do-Block-Key-3")
                ),
            ]
        );
    }

    #[test]
    fn current_setting_is_a_reference() {
        let sql = "SELECT pgp_sym_decrypt(x, current_setting('app.key')), pgp_sym_decrypt(y, current_setting('app.other', true)::text) FROM t;";
        let out = run(sql);
        let refs: Vec<(String, u32)> = out
            .candidates
            .iter()
            .filter(|c| c.detail.kind == Kind::Reference)
            .map(|c| (c.detail.name.clone().unwrap(), c.at.column))
            .collect();
        assert_eq!(
            refs,
            [("app.key".to_string(), 44), ("app.other".to_string(), 92)]
        );
    }

    #[test]
    fn pub_keys_from_dearmor() {
        let sql = "SELECT pgp_pub_decrypt(m, dearmor('-----BEGIN PGP PRIVATE KEY BLOCK-----\nabc\n-----END PGP PRIVATE KEY BLOCK-----'), 'Key-Password-77') FROM t;";
        let f = found(sql);
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(
            f[0].starts_with("1:36 literal pgp_pub_decrypt key"),
            "{f:?}"
        );
        assert!(f[1].contains("pgp_pub_decrypt password"), "{f:?}");
    }

    #[test]
    fn ciphertext_in_copy_linked_by_trigger_defined_after_data() {
        let sql = "\
CREATE TABLE public.c (id integer, ssn text, ssn_enc bytea);
CREATE FUNCTION public.enc() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.ssn_enc := pgp_sym_encrypt(NEW.ssn, 'Trigger-Key-42'); RETURN NEW; END $$;
COPY public.c (id, ssn, ssn_enc) FROM stdin;
1\t\\N\t\\\\xc30d04070302aa
2\t\\N\t\\\\xc30d04070302bb
3\t\\N\t\\N
\\.
CREATE TRIGGER enc_trg BEFORE INSERT OR UPDATE ON public.c FOR EACH ROW EXECUTE FUNCTION public.enc();
";
        let f = found(sql);
        assert_eq!(
            f,
            [
                format!(
                    "3:48 literal pgp_sym_encrypt key [function public.enc()] fp={}",
                    fp8("Trigger-Key-42")
                ),
                format!(
                    "4:25 ciphertext public.c.ssn_enc [trigger enc_trg on public.c] rows=2 hint={}",
                    fp8("Trigger-Key-42")
                ),
            ]
        );
    }

    #[test]
    fn ciphertext_in_inserts_without_column_list() {
        let sql = "\
CREATE TABLE public.n (id integer, note text);
INSERT INTO public.n VALUES (1, '-----BEGIN PGP MESSAGE-----

ww0E
-----END PGP MESSAGE-----');
INSERT INTO public.n VALUES (2, E'\\\\xc30d04070302'), (3, 'plain');
";
        assert_eq!(found(sql), ["2:34 ciphertext public.n.note [-] rows=2"]);
    }

    #[test]
    fn setting_key_link_names_the_setting() {
        let sql = "\
CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN NEW.b := pgp_sym_encrypt(NEW.a, current_setting('app.k')); RETURN NEW; END $$ LANGUAGE plpgsql;
INSERT INTO t (a, b) VALUES ('x', '\\xc30d04070302');
CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE PROCEDURE f();
";
        let f = found(sql);
        assert!(
            f.contains(
                &"2:19 ciphertext t.b [trigger tr on t (key from current_setting('app.k'))] rows=1"
                    .to_string()
            ),
            "{f:?}"
        );
    }

    #[test]
    fn ciphertext_linked_by_a_view_that_decrypts_the_column() {
        let sql = "\
COPY public.c (id, x) FROM stdin;
1\t\\\\xc30d04070302aa
\\.
CREATE VIEW public.v AS SELECT public.pgp_sym_decrypt(c.x, 'View-Link-Key-1'::text) AS x FROM public.c;
";
        let f = found(sql);
        assert!(
            f.contains(&format!(
                "1:20 ciphertext public.c.x [view public.v] rows=1 hint={}",
                fp8("View-Link-Key-1")
            )),
            "{f:?}"
        );
    }

    #[test]
    fn each_ciphertext_column_points_at_its_name() {
        let sql = "COPY public.n (id, a, b) FROM stdin;\n1\t\\\\xc30d04070302\t-----BEGIN PGP MESSAGE-----\\n\n\\.\n";
        assert_eq!(
            found(sql),
            [
                "1:20 ciphertext public.n.a [-] rows=1",
                "1:23 ciphertext public.n.b [-] rows=1"
            ]
        );
    }

    #[test]
    fn deep_nesting_is_bounded_and_calls_after_it_are_found() {
        let sql = format!(
            "SELECT {}1{};\nSELECT hmac('d', 'After-Deep-Key-77', 'sha1');\n",
            "(".repeat(100_000),
            ")".repeat(100_000)
        );
        assert_eq!(
            found(&sql),
            [format!(
                "2:19 literal hmac key [-] fp={}",
                fp8("After-Deep-Key-77")
            )]
        );
    }

    #[test]
    fn begin_atomic_bodies_keep_their_function_and_dollar_keys_count() {
        // pg_dump's form of a SQL-standard body (PostgreSQL 14+): `;` inside it.
        let sql = "CREATE FUNCTION public.tag(t text) RETURNS bytea\n    LANGUAGE sql\n    BEGIN ATOMIC\n SELECT 1;\n SELECT public.hmac(t, 'Atomic-Key-555'::text, 'sha256'::text) AS hmac;\nEND;\nSELECT pgp_sym_decrypt(x, $k$Dollar-Key-666$k$) FROM t;\n";
        assert_eq!(
            found(sql),
            [
                format!(
                    "5:25 literal hmac key [function public.tag()] fp={}",
                    fp8("Atomic-Key-555")
                ),
                format!(
                    "7:30 literal pgp_sym_decrypt key [-] fp={}",
                    fp8("Dollar-Key-666")
                ),
            ]
        );
    }

    #[test]
    fn settings_with_literal_values_hold_keys_and_resolve_current_setting() {
        let sql = "\
ALTER DATABASE shop SET \"app.card_key\" TO 'Card-Setting-Key-1';
SET search_path = 'public, extensions';
SET LOCAL app.api_token = 'Token-Setting-2x';
SELECT pg_catalog.set_config('app.signing_secret', 'Signing-Secret-3y', false);
CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN NEW.b := pgp_sym_encrypt(NEW.a, current_setting('app.card_key')); RETURN NEW; END $$ LANGUAGE plpgsql;
INSERT INTO t (a, b) VALUES ('x', '\\xc30d04070302');
CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();
";
        let f = found(sql);
        let want = [
            format!(
                "1:44 literal setting app.card_key [database shop] fp={}",
                fp8("Card-Setting-Key-1")
            ),
            format!("3:28 literal setting app.api_token [-] fp={}", fp8("Token-Setting-2x")),
            format!(
                "4:53 literal setting app.signing_secret [-] fp={}",
                fp8("Signing-Secret-3y")
            ),
            "5:98 reference app.card_key [function f()] -".to_string(),
            format!(
                "6:19 ciphertext t.b [trigger tr on t (key from current_setting('app.card_key'))] rows=1 hint={}",
                fp8("Card-Setting-Key-1")
            ),
        ];
        let mut want = want.to_vec();
        want.sort();
        assert_eq!(f, want);
    }

    #[test]
    fn unterminated_body_is_a_warning_naming_the_line() {
        let out = run("SELECT 1;\nCREATE FUNCTION f() AS $$ BEGIN\n");
        assert_eq!(
            out.warnings,
            ["db.sql: line 2: unterminated dollar-quoted body (read to the end of the file)"]
        );
    }

    #[test]
    fn strings_that_are_not_keys_are_ignored() {
        let sql = "INSERT INTO t VALUES ('not-a-key-but-long');\nSELECT encode(digest('x', 'sha256'), 'hex');\nCOMMENT ON TABLE t IS 'pgp_sym_encrypt(x, ''Comment-Key'')';\n";
        assert!(found(sql).is_empty());
    }

    /// Bounded, deterministic random inputs built from the fragments that change the
    /// lexer's state (and raw random bytes): no panic, no hang, every byte read. The
    /// cargo-fuzz target `sql_lexer` does the same at length.
    #[test]
    fn random_inputs_never_panic_or_hang() {
        const FRAGMENTS: &[&str] = &[
            "'",
            "''",
            "E'",
            "e'\\",
            "U&'",
            "\\",
            "\\x",
            "$$",
            "$a$",
            "$b$",
            "$1",
            "--",
            "/*",
            "*/",
            "/*!50003 ",
            "/*!",
            "GO\n",
            "`",
            "[",
            "]",
            "AES_ENCRYPT(",
            "ENCRYPTBYPASSPHRASE(N'",
            "DEFINER=",
            "\n",
            "\"",
            "(",
            ")",
            ",",
            ";",
            "::",
            ":=",
            "=",
            ".",
            "COPY t (a, b) FROM stdin;\n",
            "COPY t FROM stdin WITH (FORMAT csv);\n",
            "\\.\n",
            "\t",
            "pgp_sym_encrypt(",
            "current_setting(",
            "dearmor(",
            "'Key-abcdef-123'",
            "NEW.x := ",
            "NEW . y = ",
            "CREATE FUNCTION f() RETURNS trigger AS ",
            "CREATE TABLE t (a int, b bytea",
            "CREATE TRIGGER tr BEFORE INSERT ON t EXECUTE FUNCTION f();",
            "\\\\xc30d04070302",
            "-----BEGIN PGP MESSAGE-----",
            "DECLARE k text := ",
            "INSERT INTO t VALUES (",
            "BEGIN ATOMIC ",
            "END",
            "DO ",
            "x",
            " ",
            "\r\n",
            "\u{e9}",
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let rules = RuleSet::from_sources(Vec::new()).unwrap();
        for _ in 0..3000 {
            let mut input = Vec::new();
            for _ in 0..next() % 80 {
                let r = next();
                if r % 7 == 0 {
                    input.push((r >> 8) as u8);
                } else {
                    input.extend_from_slice(
                        FRAGMENTS[(r >> 8) as usize % FRAGMENTS.len()].as_bytes(),
                    );
                }
            }
            let mut out = Extracted::default();
            let n = extract_stream("r.sql", &mut input.as_slice(), None, &rules, &mut out, 1);
            assert_eq!(n, input.len() as u64);
            // The lexer alone, cut into random chunks.
            struct Null;
            impl lexer::Sink for Null {
                fn token(
                    &mut self,
                    _: usize,
                    _: lexer::Pos,
                    _: lexer::Tok<'_>,
                ) -> Option<lexer::CopyFormat> {
                    None
                }
            }
            let mut lx = lexer::Lexer::new();
            let step = (next() % 17 + 1) as usize;
            for chunk in input.chunks(step) {
                lx.feed(chunk, &mut Null);
            }
            lx.finish(&mut Null);
        }
    }
}
