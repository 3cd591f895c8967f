//! Configuration formats and untracked-secret precision, through the binary.

use crate::harness::{findings, json, sk, Tree};

fn scan(tree: &Tree) -> Vec<(String, u64, String, String)> {
    let out = sk(&["scan", tree.path().to_str().unwrap(), "--format", "json"]).run();
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    findings(&json(&out))
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["rule"].as_str().unwrap().to_string(),
                f["name"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn each_config_format_names_its_settings() {
    let tree = Tree::new();
    tree.write(
        "airflow/airflow.cfg",
        "[core]\nfernet_key = Zq8WL2mX9kC4vB7nR1tY5uE3oP6aS0dF=, Hk7Jd3Ns8Wq1Ez5Rt2Yu9Io4Pa6Sd0Fg=\nexecutor = LocalExecutor\n",
    );
    tree.write(
        "home/.netrc",
        "machine api.internal.example\n  login deploy\n  password Qv7Lm2zX9tRk\n",
    );
    tree.write("home/.pgpass", "db.internal:5432:*:app:Wp3Kx8Ln2Zq7\n");
    tree.write(
        "home/.git-credentials",
        "https://ci:Tg5Hy8Uj2Ik4Ol7P@git.internal.example\n",
    );
    tree.write(
        "deploy/app.service",
        "[Service]\nEnvironment=PORT=8080 API_TOKEN=Mn4Bv7Cx2Zl9Kj5H\n",
    );
    tree.write(
        "infra/main.tf",
        "variable \"db_password\" {\n  default = \"Rt6Yu1Io8Pa3Sd5F\"\n}\n",
    );
    tree.write(
        "web/web.config",
        "<configuration><appSettings><add key=\"PaymentsApiKey\" value=\"Lk9Jh4Gf7Ds2Aq6W\"/></appSettings>\n<connectionStrings><add name=\"Db\" connectionString=\"Server=db;Database=app;User Id=app;Password=Xc3Vb8Nm1Qw6Er4T;\"/></connectionStrings></configuration>\n",
    );
    let got = scan(&tree);
    let has = |path: &str, rule: &str, name: &str| {
        got.iter()
            .any(|(p, _, r, n)| p.ends_with(path) && r == rule && n == name)
    };
    assert!(
        has("airflow.cfg", "ini-setting", "fernet_key[0]"),
        "{got:?}"
    );
    assert!(
        has("airflow.cfg", "ini-setting", "fernet_key[1]"),
        "{got:?}"
    );
    assert!(has(".netrc", "netrc-password", "password"), "{got:?}");
    assert!(has(".pgpass", "pgpass-password", "password"), "{got:?}");
    assert!(
        has(".git-credentials", "git-credentials-password", "password"),
        "{got:?}"
    );
    assert!(
        has("app.service", "systemd-environment", "API_TOKEN"),
        "{got:?}"
    );
    assert!(
        has("main.tf", "terraform-variable-default", "db_password"),
        "{got:?}"
    );
    assert!(
        has("web.config", "xml-setting", "PaymentsApiKey"),
        "{got:?}"
    );
    assert!(
        has(
            "web.config",
            "connection-string-password",
            "connectionString"
        ),
        "{got:?}"
    );
    // Plain settings (`executor`, `PORT`) are not findings.
    assert!(
        !got.iter()
            .any(|(_, _, _, n)| n == "executor" || n == "PORT"),
        "{got:?}"
    );
}

#[test]
fn password_hashes_defaults_and_identifiers_are_not_findings() {
    let tree = Tree::new();
    tree.write(
        "fixtures/users.json",
        r#"[{"model": "auth.user", "fields": {"password": "pbkdf2_sha256$600000$Zk3PqLw9xR2vQp$Q2hmN0t4Yk1wUjdWc0w5ZmE4QmNkRWZnSGlqS2xtbm8="}},
 {"model": "auth.user", "fields": {"password": "argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdHNhbHQ$Qm9uZVhZWjEyMzQ1Njc4OQ"}}]
"#,
    );
    tree.write(
        "conf/htpasswd.yaml",
        "users:\n  admin_password: \"$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/\"\n  ldap_password: \"{SSHA}bW9ja3NhbHRlZGhhc2h2YWx1ZTEyMzQ=\"\n",
    );
    // A Secret holding a username, an e-mail and the default `postgres` password.
    tree.write(
        "k8s/db.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  username: YXBwLXNlcnZpY2UtdXNlci0yMDI2\n  email: b3BzQGV4YW1wbGUuaW50ZXJuYWw=\n  password: cG9zdGdyZXM=\n",
    );
    let got = scan(&tree);
    assert!(got.is_empty(), "{got:?}");
}
