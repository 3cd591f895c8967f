//! The nginx configuration tree: directives with arguments and optional blocks.
//!
//! Parsing never fails: syntax problems (a `}` with no block, a block or directive cut
//! off by the end of the file, a `;` with no directive) are [`SyntaxError`]s with
//! their line, and every directive that was complete is kept.

use super::tokenizer::{self, SyntaxError, Token, TokenKind};

#[derive(Debug)]
pub(crate) struct Directive {
    /// The directive's name (its first word).
    pub name: Token,
    pub args: Vec<Token>,
    /// The directives inside `{ … }`, for a block directive (a `*_by_lua_block`'s Lua
    /// code is no directive: the rules read it from the file's bytes).
    pub block: Option<Vec<Directive>>,
}

impl Directive {
    pub(crate) fn line(&self) -> u32 {
        self.name.line
    }
}

#[derive(Debug, Default)]
pub(crate) struct Config {
    pub directives: Vec<Directive>,
    pub errors: Vec<SyntaxError>,
}

/// Blocks nested deeper than this are flattened into their parent (and reported), so
/// that no later recursion over the tree can exhaust the stack.
pub(crate) const MAX_DEPTH: usize = 100;

struct Frame {
    /// The block directive (name and args) whose body this is; `None` at top level.
    owner: Option<(Token, Vec<Token>)>,
    open_line: u32,
    children: Vec<Directive>,
}

/// Parses a whole configuration file.
pub(crate) fn parse(src: &[u8]) -> Config {
    let tokens = tokenizer::tokenize(src);
    let mut errors = tokens.errors;
    let runaway = tokens.runaway;
    let mut stack = vec![Frame {
        owner: None,
        open_line: 0,
        children: Vec::new(),
    }];
    let mut words: Vec<Token> = Vec::new();
    // `{` beyond MAX_DEPTH that were flattened and still wait for their `}`.
    let mut flattened = 0usize;
    for tok in tokens.tokens {
        match tok.kind {
            TokenKind::Comment => {}
            TokenKind::Word(_) => words.push(tok),
            TokenKind::LuaBody => {}
            TokenKind::Semicolon => {
                if words.is_empty() {
                    errors.push(SyntaxError {
                        line: tok.line,
                        message: "unexpected \";\" with no directive before it".into(),
                    });
                    continue;
                }
                let mut it = std::mem::take(&mut words).into_iter();
                let name = it.next().expect("non-empty");
                stack
                    .last_mut()
                    .expect("top frame")
                    .children
                    .push(Directive {
                        name,
                        args: it.collect(),
                        block: None,
                    });
            }
            TokenKind::BlockStart => {
                if words.is_empty() {
                    errors.push(SyntaxError {
                        line: tok.line,
                        message: "unexpected \"{\" with no directive before it".into(),
                    });
                }
                if stack.len() > MAX_DEPTH {
                    if flattened == 0 {
                        errors.push(SyntaxError {
                            line: tok.line,
                            message: format!("blocks nested deeper than {MAX_DEPTH} levels"),
                        });
                    }
                    flattened += 1;
                    words.clear();
                    continue;
                }
                let mut it = std::mem::take(&mut words).into_iter();
                let owner = it.next().map(|name| (name, it.collect()));
                stack.push(Frame {
                    owner,
                    open_line: tok.line,
                    children: Vec::new(),
                });
            }
            TokenKind::BlockEnd => {
                if !words.is_empty() {
                    errors.push(SyntaxError {
                        line: words[0].line,
                        message: "directive is not terminated by \";\" before \"}\"".into(),
                    });
                    words.clear();
                }
                if flattened > 0 {
                    flattened -= 1;
                    continue;
                }
                if stack.len() == 1 {
                    errors.push(SyntaxError {
                        line: tok.line,
                        message: "unexpected \"}\" (no block is open)".into(),
                    });
                    continue;
                }
                close(&mut stack);
            }
        }
    }
    if let Some(first) = words.first().filter(|_| !runaway) {
        errors.push(SyntaxError {
            line: first.line,
            message: "unexpected end of file: directive is not terminated by \";\"".into(),
        });
    }
    if stack.len() > 1 && !runaway {
        let open = stack.last().map_or(0, |f| f.open_line);
        let n = stack.len() - 1 + flattened;
        errors.push(SyntaxError {
            line: open,
            message: format!(
                "unexpected end of file: {n} block(s) not closed by \"}}\" (the innermost opened here)"
            ),
        });
    }
    while stack.len() > 1 {
        close(&mut stack);
    }
    let top = stack.pop().expect("top frame");
    errors.sort_by_key(|e| e.line);
    Config {
        directives: top.children,
        errors,
    }
}

fn close(stack: &mut Vec<Frame>) {
    let frame = stack.pop().expect("open block");
    let parent = stack.last_mut().expect("parent frame");
    if let Some((name, args)) = frame.owner {
        parent.children.push(Directive {
            name,
            args,
            block: Some(frame.children),
        });
    } else {
        // A block with no directive: keep what it holds.
        parent.children.extend(frame.children);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(src: &[u8], ds: &[Directive]) -> Vec<String> {
        ds.iter()
            .map(|d| String::from_utf8_lossy(&src[d.name.start..d.name.end]).into_owned())
            .collect()
    }

    #[test]
    fn nested_blocks() {
        let src =
            b"events {}\nhttp {\n server {\n  listen 80;\n  location / { return 204; }\n }\n}\n";
        let c = parse(src);
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        assert_eq!(names(src, &c.directives), ["events", "http"]);
        let http = c.directives[1].block.as_ref().unwrap();
        let server = http[0].block.as_ref().unwrap();
        assert_eq!(names(src, server), ["listen", "location"]);
        assert_eq!(server[1].args.len(), 1);
        assert_eq!(server[1].line(), 5);
    }

    #[test]
    fn lua_body_braces_do_not_close_blocks() {
        let src = b"location / {\n access_by_lua_block {\n  ngx.say('}')\n }\n}\n";
        let c = parse(src);
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        let loc = c.directives[0].block.as_ref().unwrap();
        assert_eq!(loc[0].block.as_ref().unwrap().len(), 0);
    }

    #[test]
    fn unbalanced_braces_are_errors_with_lines() {
        let c = parse(b"server {\n listen 80;\n location / {\n  return 200;\n");
        let lines: Vec<u32> = c.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [3]);
        assert!(c.errors[0].message.contains("2 block(s) not closed"));
        // Complete directives are kept.
        let server = c.directives[0].block.as_ref().unwrap();
        assert_eq!(server.len(), 2);

        let c = parse(b"a 1;\n}\nb 2;\n");
        assert_eq!(c.errors.len(), 1);
        assert_eq!(c.errors[0].line, 2);
        assert_eq!(c.directives.len(), 2);
    }

    #[test]
    fn truncated_directive_and_stray_semicolon() {
        let c = parse(b"a 1;\n;\nproxy_set_header X-Key");
        let lines: Vec<u32> = c.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 3]);
        assert!(c.errors[1].message.contains("end of file"));
    }

    #[test]
    fn deep_nesting_is_flattened() {
        let depth = MAX_DEPTH * 50;
        let src = format!("{}x 1;{}", "a {".repeat(depth), "}".repeat(depth));
        let c = parse(src.as_bytes());
        assert_eq!(c.errors.len(), 1, "{:?}", c.errors);
        assert!(c.errors[0].message.contains("nested deeper"));
        let src = "a {".repeat(depth);
        let c = parse(src.as_bytes());
        assert_eq!(c.errors.len(), 2, "{:?}", c.errors);
    }

    #[test]
    fn an_unterminated_string_is_one_error() {
        let c = parse(b"server {\n location / {\n  set $a \"x;\n }\n}\n");
        assert_eq!(c.errors.len(), 1, "{:?}", c.errors);
        assert_eq!(c.errors[0].line, 3);
    }

    #[test]
    fn missing_semicolon_before_brace() {
        let c = parse(b"server {\n listen 80\n}\n");
        assert_eq!(c.errors.len(), 1);
        assert_eq!(c.errors[0].line, 2);
    }
}
