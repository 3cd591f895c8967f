//! Unit tests of `extractor.rs`.

use super::*;
use crate::extract::Kind;
use crate::format::Format;
use crate::ring::Ring;

const K1: &str = "Hq7vR2mXpL9sTb4WcN8yZ3kD";
const K2: &str = "uP5xJ8nQ2wE7rT4yU1iO6aSd";

struct Found {
    line: u32,
    column: u32,
    rule: String,
    kind: Kind,
    name: Option<String>,
    context: Option<String>,
    value: Option<Vec<u8>>,
    used_at: Vec<u32>,
}

fn run(src: &str) -> (Vec<Found>, Vec<String>) {
    run_ring(src, &Ring::empty())
}

fn run_ring(src: &str, ring: &Ring) -> (Vec<Found>, Vec<String>) {
    let doc = Document::new("edge/x.conf", src.as_bytes(), Format::Nginx);
    let mut out = Extracted::default();
    Nginx::new(ring).extract(&doc, &mut out);
    let found = out
        .candidates
        .iter()
        .map(|c| Found {
            line: c.at.line,
            column: c.at.column,
            rule: c.detail.rule.clone(),
            kind: c.detail.kind,
            name: c.detail.name.clone(),
            context: c.detail.context.clone(),
            value: c.value.as_ref().map(|v| v.expose().to_vec()),
            used_at: c.detail.used_at.clone(),
        })
        .collect();
    (found, out.warnings)
}

fn one(src: &str) -> Found {
    let (mut f, w) = run(src);
    assert!(w.is_empty(), "{w:?}");
    assert_eq!(
        f.len(),
        1,
        "{src}: {:?}",
        f.iter().map(|f| &f.rule).collect::<Vec<_>>()
    );
    f.pop().unwrap()
}

#[test]
fn set_variable_with_flow_and_context() {
    let src = format!(
        "server {{\n  server_name api.example.com www.example.com;\n  location = /auth {{\n    internal;\n    set $secret \"{K1}\";\n    proxy_set_header X-Secret $secret;\n    proxy_set_header X-Other \"$secret-$host\";\n  }}\n}}\n"
    );
    let f = one(&src);
    assert_eq!((f.line, f.column), (5, 18));
    assert_eq!(f.rule, RULE_SET);
    assert_eq!(f.name.as_deref(), Some("$secret"));
    assert_eq!(
        f.context.as_deref(),
        Some("server api.example.com > location = /auth")
    );
    assert_eq!(f.value.as_deref(), Some(K1.as_bytes()));
    assert_eq!(f.used_at, vec![6, 7]);
}

#[test]
fn set_of_a_plain_variable_is_not_a_secret_unless_in_the_ring() {
    let src = format!(
        "set $backend_{} \"{K1}\";\nset $upstream \"api.internal:8080\";\n",
        "host"
    );
    assert!(run(&src).0.is_empty());
    let fp = crate::secret::Fingerprint::of(K1.as_bytes());
    let ring = Ring::parse(
        &format!(r#"{{"version":1,"keys":[{{"id":"k","service":"s","state":"active","fingerprint":"{fp}"}}]}}"#),
        "r",
    )
    .unwrap();
    let (f, _) = run_ring(&src, &ring);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].name.as_deref(), Some("$backend_host"));
}

#[test]
fn set_used_by_a_secret_header_is_a_secret() {
    let src = format!("set $upstream_hdr \"{K1}\";\nproxy_set_header X-Api-Key $upstream_hdr;\n");
    let f = one(&src);
    assert_eq!(f.used_at, vec![2]);
}

#[test]
fn bearer_and_other_authorization_headers() {
    for (d, q) in [
        ("proxy_set_header", "\""),
        ("grpc_set_header", "'"),
        ("add_header", "\""),
    ] {
        let f = one(&format!("{d} Authorization {q}Bearer {K1}{q};"));
        assert_eq!(f.rule, RULE_BEARER, "{d}");
        assert_eq!(f.column as usize, d.len() + 1 + 13 + 1 + 1 + 7 + 1, "{d}");
        assert_eq!(f.value.as_deref(), Some(K1.as_bytes()));
        assert_eq!(f.name.as_deref(), Some("Authorization"));
    }
    let f = one(&format!("proxy_set_header Authorization \"Token {K2}\";"));
    assert_eq!(f.rule, RULE_AUTHORIZATION);
    assert_eq!(f.value.as_deref(), Some(K2.as_bytes()));
    // Only the variable: nothing held here.
    assert!(run("proxy_set_header Authorization \"Bearer $jwt\";")
        .0
        .is_empty());
}

#[test]
fn basic_credentials_are_decoded() {
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("edge:{K1}"));
    let (f, _) = run(&format!("proxy_set_header Authorization \"Basic {b64}\";"));
    assert_eq!(f.len(), 3);
    assert!(f
        .iter()
        .all(|f| (f.line, f.column) == (1, 39) && f.rule == RULE_BASIC));
    let values: Vec<&[u8]> = f.iter().map(|f| f.value.as_deref().unwrap()).collect();
    assert_eq!(values[0], K1.as_bytes());
    assert_eq!(values[1], format!("edge:{K1}").as_bytes());
    assert_eq!(values[2], b64.as_bytes());
}

#[test]
fn secret_named_headers_and_params() {
    for (src, rule, name) in [
        (
            format!("proxy_set_header X-Api-Key {K1};"),
            RULE_HEADER,
            "X-Api-Key",
        ),
        (
            format!("proxy_set_header X-Auth-Token '{K1}';"),
            RULE_HEADER,
            "X-Auth-Token",
        ),
        (
            format!("add_header X-Signing-Secret \"{K1}\" always;"),
            RULE_HEADER,
            "X-Signing-Secret",
        ),
        (
            format!("fastcgi_param APP_SECRET \"{K1}\";"),
            RULE_PARAM,
            "APP_SECRET",
        ),
        (
            format!("uwsgi_param API_TOKEN {K1};"),
            RULE_PARAM,
            "API_TOKEN",
        ),
        (
            format!("scgi_param DB_PASSWORD {K1};"),
            RULE_PARAM,
            "DB_PASSWORD",
        ),
        (
            format!("fastcgi_param HTTP_AUTHORIZATION \"Bearer {K1}\";"),
            RULE_BEARER,
            "HTTP_AUTHORIZATION",
        ),
    ] {
        let f = one(&src);
        assert_eq!(
            (f.rule.as_str(), f.name.as_deref()),
            (rule, Some(name)),
            "{src}"
        );
        assert_eq!(f.value.as_deref(), Some(K1.as_bytes()), "{src}");
    }
    assert!(run(&format!("proxy_set_header X-Request-Id {K1};"))
        .0
        .is_empty());
    for plain in [
        "proxy_set_header X-Api-Key changeme-please;",
        "add_header X-Auth-Mode internal-only;",
        "add_header X-Token-Policy \"rotate-weekly\";",
    ] {
        assert!(run(plain).0.is_empty(), "{plain}");
    }
}

#[test]
fn more_set_headers_pairs() {
    let (f, _) = run(&format!(
        "more_set_headers -s 200 'X-Api-Key: {K1}' \"Authorization: Bearer {K2}\" 'Server: edge';"
    ));
    assert_eq!(f.len(), 2);
    assert_eq!(f[0].value.as_deref(), Some(K1.as_bytes()));
    assert_eq!(f[0].column, 37);
    assert_eq!(f[1].rule, RULE_BEARER);
    assert_eq!(f[1].value.as_deref(), Some(K2.as_bytes()));
}

#[test]
fn secure_link_md5_takes_the_literal_part() {
    let f = one(&format!(
        "location /dl/ {{\n secure_link $arg_md5,$arg_expires;\n secure_link_md5 \"$secure_link_expires$uri$remote_addr {K1}\";\n}}"
    ));
    assert_eq!(f.rule, RULE_SECURE_LINK);
    assert_eq!(f.value.as_deref(), Some(K1.as_bytes()));
    assert_eq!((f.line, f.column), (3, 56));
    assert_eq!(f.context.as_deref(), Some("location /dl/"));
    let f = one(&format!("secure_link_secret {K2};"));
    assert_eq!(f.rule, RULE_SECURE_LINK_SECRET);
}

#[test]
fn map_values_are_named_after_the_target() {
    let src = format!(
        "map $http_x_client $upstream_key {{\n  default \"\";\n  hostnames;\n  mobile \"{K1}\";\n  web {K2};\n  legacy $http_x_legacy;\n}}\nserver {{ location / {{ proxy_set_header X-Upstream-Key $upstream_key; }} }}\n"
    );
    let (f, w) = run(&src);
    assert!(w.is_empty());
    assert_eq!(f.len(), 2);
    assert_eq!(f[0].name.as_deref(), Some("$upstream_key"));
    assert_eq!((f[0].line, f[0].column), (4, 11));
    assert_eq!(f[1].value.as_deref(), Some(K2.as_bytes()));
    assert_eq!(f[0].used_at, vec![8]);
    assert_eq!(
        f[0].context.as_deref(),
        Some("map $http_x_client $upstream_key")
    );
}

#[test]
fn url_user_info() {
    let f = one(&format!(
        "location / {{ proxy_pass http://edge:{K1}@backend:8080/api; }}"
    ));
    assert_eq!(f.rule, RULE_URL);
    assert_eq!(f.name.as_deref(), Some("proxy_pass"));
    assert_eq!(f.value.as_deref(), Some(K1.as_bytes()));
    assert!(run("proxy_pass http://backend:8080/;").0.is_empty());
}

#[test]
fn files_env_and_includes_are_references() {
    let (f, _) = run(
        "auth_basic_user_file /etc/nginx/.htpasswd;\nssl_password_file /etc/nginx/tls/global.pass;\nauth_jwt_key_file conf/jwt.jwk;\nenv API_TOKEN;\ninclude /etc/nginx/secrets/*.conf;\nssl_certificate_key data:$pem;\nssl_certificate_key /etc/nginx/tls/api.key;\nssl_session_ticket_key tls/ticket.key;\n",
    );
    let got: Vec<(u32, &str, &str, Kind)> = f
        .iter()
        .map(|f| (f.line, f.rule.as_str(), f.name.as_deref().unwrap(), f.kind))
        .collect();
    assert_eq!(
        got,
        vec![
            (1, RULE_FILE, "/etc/nginx/.htpasswd", Kind::Reference),
            (
                2,
                RULE_FILE,
                "ssl_password_file /etc/nginx/tls/global.pass",
                Kind::Reference
            ),
            (
                3,
                RULE_FILE,
                "auth_jwt_key_file conf/jwt.jwk",
                Kind::Reference
            ),
            (4, RULE_ENV, "API_TOKEN", Kind::Reference),
            (
                5,
                RULE_INCLUDE,
                "/etc/nginx/secrets/*.conf",
                Kind::Reference
            ),
            (7, RULE_FILE, "/etc/nginx/tls/api.key", Kind::Reference),
            (8, RULE_FILE, "tls/ticket.key", Kind::Reference),
        ]
    );
    let f = one(&format!("env SIGNING_KEY={K1};"));
    assert_eq!((f.rule.as_str(), f.column), (RULE_ENV, 17));
}

#[test]
fn lua_bodies_are_not_parsed_as_directives() {
    let src = format!("location / {{\n content_by_lua_block {{\n  local set = {{ }}\n  ngx.say(\"set $secret {K1};\")\n }}\n}}\n");
    let (f, w) = run(&src);
    assert!(w.is_empty(), "{w:?}");
    assert!(f.is_empty());
}

#[test]
fn malformed_files_warn_and_keep_complete_directives() {
    // A runaway quote swallows the rest of the file: one warning, not three.
    let src = format!(
        "server {{\n  proxy_set_header X-Api-Key \"{K1}\";\n  location / {{\n    set $token \"{K2}\n"
    );
    let (f, w) = run(&src);
    assert_eq!(f.len(), 1);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].starts_with("edge/x.conf:4: nginx: unterminated quoted string"));
    // Unclosed blocks: the innermost one is named; complete directives are kept.
    let src = format!(
        "server {{\n  location / {{\n    set $token \"{K2}\";\n    proxy_set_header X-Api-Key {K1}"
    );
    let (f, w) = run(&src);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].context.as_deref(), Some("server > location /"));
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(w[0].starts_with("edge/x.conf:2: nginx: unexpected end of file: 2 block(s)"));
    assert!(w[1].starts_with("edge/x.conf:4: nginx: unexpected end of file: directive"));
    assert!(w.iter().all(|w| !w.contains(K1) && !w.contains(K2)));
}

#[test]
fn context_shows_block_arguments_as_written() {
    let f = one(&format!(
        "server {{\n server_name \"a.example.com\";\n if ($secure_link = \"\") {{ set $api_token {K1}; }}\n}}"
    ));
    assert_eq!(
        f.context.as_deref(),
        Some("server a.example.com > if ($secure_link = \"\")")
    );
}

#[test]
fn secrets_in_block_arguments_are_not_shown_in_context() {
    let f = one(&format!(
        "location /hook/{K2} {{ set $api_secret \"{K1}\"; }}"
    ));
    assert_eq!(f.context.as_deref(), Some("location /hook/…"));
    let f = one(&format!(
        "location ~* ^/api/v[0-9]+/(users|orders)/ {{ set $api_secret \"{K1}\"; }}"
    ));
    assert_eq!(
        f.context.as_deref(),
        Some("location ~* ^/api/v[0-9]+/(users|orders)/")
    );
}
