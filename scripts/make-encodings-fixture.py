#!/usr/bin/env python3
"""Writes fixtures/encodings/: one file per form a ring key hides in (percent-encoded in a
URL, base64url in a JWKS, hex, JSON and shell escapes, HTTP Basic, a .dockerconfigjson
Secret three levels deep, a passphrase with spaces, a PGP private-key block in a SQL
dump and a JSON string, a Markdown fence, a Jupyter notebook, Python concatenation, a
YAML anchor, the hidden homes of credentials, HTML character references, a CSV field's doubled quotes, a Go byte-array
literal, keytool's colon-joined hex, Java string concatenation, a Helm release Secret's
gzip'd JSON and base64 wrapped at 76 columns), with decoys beside them. The keys are
random (python3 secrets); their ring is tests/data/encodings-ring.json and their
plaintexts tests/data/encodings-secrets.txt (ID<TAB>SECRET). Run it from the project
root, then scripts/fixture-ring.py to copy the ring into the demo ring.
"""
import base64
import gzip
import hashlib
import html
import json
import pathlib
import secrets

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "fixtures" / "encodings"
b64 = lambda b: base64.b64encode(b).decode()
b64url = lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")


def key(n=24):
    return secrets.token_urlsafe(n)


def pem_block():
    lines = ["-----BEGIN PGP PRIVATE KEY BLOCK-----", ""]
    for _ in range(8):
        lines.append(base64.b64encode(secrets.token_bytes(48)).decode())
    lines.append("=" + base64.b64encode(secrets.token_bytes(3)).decode())
    lines.append("-----END PGP PRIVATE KEY BLOCK-----")
    return "\n".join(l for l in lines if l) + "\n"


keys = {
    "enc-db/2026-11": ("db", "active", key(18) + "+/="),
    "enc-jwks/2026-11": ("jwks", "active", key()),
    "enc-hex/2026-10": ("hexkey", "fallback", key()),
    "enc-json/2026-11": ("webapp", "active", key(12) + "/" + key(12)),
    "enc-shell/2026-09": ("deploy", "retired", key()),
    "enc-basic/2026-11": ("partner", "active", key()),
    "enc-registry/2026-11": ("registry", "revoked", key()),
    "enc-phrase/2026-11": ("phrase", "active", "copper lantern " + key(6) + " orbit"),
    "enc-pgp/2026-11": ("pgp", "revoked", pem_block()),
    "enc-md/2026-11": ("docs", "active", key()),
    "enc-notebook/2026-11": ("notebook", "revoked", key()),
    "enc-concat/2026-11": ("flask-enc", "fallback", key()),
    "enc-anchor/2026-11": ("yaml-enc", "active", key()),
    "enc-npm/2026-11": ("npm-enc", "revoked", "npm_" + key(27)),
    "enc-netrc/2026-11": ("netrc-enc", "active", key()),
    "enc-aws/2026-11": ("aws-enc", "active", key(30)),
    "enc-html/2026-11": ("html", "active", key(10) + "&" + key(6) + "<" + key(4)),
    "enc-csv/2026-11": ("csv", "active", key(9) + '",' + key(9)),
    # Raw bytes (the secrets file holds them as hex:DIGITS).
    "enc-bytes/2026-12": ("cookie-cipher", "active", secrets.token_bytes(16)),
    "enc-colonhex/2026-12": ("payments-hmac", "active", secrets.token_bytes(32)),
    "enc-joined/2026-12": ("signer", "active", key()),
    "enc-helm/2026-12": ("helm-web", "active", key()),
    "enc-wrapped/2026-12": ("backup", "fallback", key(48)),
}
k = {i: v[2] for i, v in keys.items()}


def write(rel, text):
    p = OUT / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)


pct = k["enc-db/2026-11"].replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
write("app/.env.example", f"# copy to .env\nDATABASE_URL=postgres://app:{pct}@db.internal:5432/app\n")
write("app/jwks.json", json.dumps({"keys": [{"kty": "oct", "kid": "1", "k": b64url(k["enc-jwks/2026-11"].encode())}]}, indent=2) + "\n")
write("app/crypto.py", f"import hmac\n\nSIGNING = bytes.fromhex(\"{k['enc-hex/2026-10'].encode().hex()}\")\n")
write("app/settings.json", "{\n  \"session\": {\"secret\": \"" + k["enc-json/2026-11"].replace("/", "\\/") + "\"}\n}\n")
shell = "".join(f"\\x{ord(c):02x}" if c in "-_" else c for c in k["enc-shell/2026-09"])
write("deploy/release.sh", f"#!/bin/sh\ncurl -fsS -H $'X-Deploy-Token: {shell}' https://deploy.internal/release\n")
write("ops/partner.http", f"GET /v1/orders HTTP/1.1\nHost: partner.example.com\nAuthorization: Basic {b64(('svc:' + k['enc-basic/2026-11']).encode())}\n")
docker = json.dumps({"auths": {"registry.internal": {"auth": b64(("ci:" + k["enc-registry/2026-11"]).encode())}}})
write("k8s/pull-secret.yaml", f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: registry-pull\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: {b64(docker.encode())}\n")
write("web/motto.js", f"export const greeting = '{k['enc-phrase/2026-11']}';\n")
pgp = k["enc-pgp/2026-11"].strip()
write("db/decrypt.sql", f"CREATE VIEW v AS SELECT pgp_pub_decrypt(body, dearmor('{pgp}')) AS body FROM letters;\n")
write("conf/pgp.json", json.dumps({"private_key": k["enc-pgp/2026-11"]}) + "\n")
write("docs/setup.md", f"# Setup\n\nRun the app with:\n\n```python\nSECRET_KEY = \"{k['enc-md/2026-11']}\"\n```\n")
nb = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1,
                 "source": ["import requests\n", f"API_KEY = \"{k['enc-notebook/2026-11']}\"\n"]}],
      "metadata": {"language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}
write("notebooks/explore.ipynb", json.dumps(nb, indent=1) + "\n")
c = k["enc-concat/2026-11"]
write("flask/config.py", f"SECRET_KEY = (\n    \"{c[:16]}\"\n    \"{c[16:]}\"\n)\n")
write("helm/values.yaml", f"defaults:\n  api_token: &token \"{k['enc-anchor/2026-11']}\"\nprod:\n  api_token: *token\n")
write("home/.npmrc", f"//registry.npmjs.org/:_authToken={k['enc-npm/2026-11']}\n")
write("home/.netrc", f"machine api.example.com\n  login deploy\n  password {k['enc-netrc/2026-11']}\n")
write("home/.aws/credentials", f"[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = {k['enc-aws/2026-11']}\n")
write("web/partner.html", "<form action=\"/partner/callback\" method=\"post\">\n  <input type=\"hidden\" name=\"partner_token\" value=\"" + html.escape(k["enc-html/2026-11"], quote=True) + "\">\n</form>\n")
write("ops/partners.csv", "partner,endpoint,shared_secret\nacme,https://hooks.acme.example/v1,\"" + k["enc-csv/2026-11"].replace("\"", "\"\"") + "\"\n")
kb = k["enc-bytes/2026-12"]
write("app/aes.go", "package crypto\n\n// sessionKey encrypts the session cookie (AES-128): the cipher takes the raw bytes.\n"
      "var sessionKey = []byte{\n\t" + ", ".join("0x%02x" % b for b in kb[:8]) + ",\n\t" + ", ".join("0x%02x" % b for b in kb[8:]) + ",\n}\n\n"
      "// Not keys: the nonce prefix and the first row of the S-box.\nvar noncePrefix = []byte{0x00, 0x00, 0x00, 0x01}\n"
      "var sbox = [16]byte{0x63, 0x7c, 0x77, 0x7b, 0xf2, 0x6b, 0x6f, 0xc5, 0x30, 0x01, 0x67, 0x2b, 0xfe, 0xd7, 0xab, 0x76}\n")
write("ops/keystore.txt", "$ keytool -list -v -keystore payments.jceks -storetype JCEKS\nAlias name: payments-hmac\n"
      "Creation date: Nov 3, 2026\nEntry type: SecretKeyEntry\nKey (HmacSHA256): " + ":".join("%02X" % b for b in k["enc-colonhex/2026-12"])
      + "\n\nAlias name: payments-tls\nEntry type: trustedCertEntry\nCertificate fingerprints:\n\t SHA256: "
      + ":".join("%02X" % b for b in secrets.token_bytes(32)) + "\n")
j = k["enc-joined/2026-12"]
write("app/Signer.java", "final class Signer {\n    // Split to keep the line short.\n    private static final String KEY = \"" + j[:20] + "\" +\n        \"" + j[20:] + "\";\n"
      "    // Not a key: a message joined the same way.\n    private static final String USAGE = \"usage: signer \" +\n        \"--in FILE --out FILE\";\n}\n")
def helm_release(values_key):
    # Helm 3 keeps each release in a Secret: data.release is base64 (the Secret's) of
    # base64 of gzip'd JSON holding the chart's values.
    release = {"name": "web", "version": 3, "namespace": "prod", "info": {"status": "deployed"},
               "config": {"image": {"tag": "1.8.2"}, "auth": {"jwtSecret": values_key}},
               "manifest": "---\n# Source: web/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\n"}
    inner = base64.b64encode(gzip.compress(json.dumps(release).encode(), mtime=0))
    return ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: sh.helm.release.v1.web.v3\n  namespace: prod\n"
            "  labels:\n    owner: helm\ntype: helm.sh/release.v1\ndata:\n  release: " + b64(inner) + "\n")


write("k8s/helm-release.yaml", helm_release(k["enc-helm/2026-12"]))
def wrapped76(text):
    # What `base64` prints: 76 columns.
    enc = base64.b64encode(text.encode()).decode()
    return "\n".join(enc[i:i + 76] for i in range(0, len(enc), 76))


write("docs/backup-key.txt", "Backup encryption key, as `base64` printed it when we generated it:\n\n"
      + wrapped76(k["enc-wrapped/2026-12"]) + "\n\nNot a key: the backup's manifest digest list, wrapped the same way:\n\n"
      + wrapped76(secrets.token_hex(40)) + "\n")
# Decoys: none of these is a key.
write("decoys/ids.txt", "request 123e4567-e89b-12d3-a456-426614174000\ncommit 9fceb02d0ae598e95dc970b74767f19372d61af8\nsha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n")
write("decoys/logo.html", "<img src=\"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==\">\n")
write("decoys/app.min.js", "!function(e){var t={};function n(r){if(t[r])return t[r].exports}n.p=\"\",n(n.s=\"x%2Fy\\u0041\")}([]);\n")
write("decoys/README.md", "Use the documented example key `AKIAIOSFODNN7EXAMPLE` and `changeme` in examples.\n")

raw = lambda v: v if isinstance(v, bytes) else v.encode()
ring = {"version": 1, "keys": [
    {"id": i, "service": svc, "state": state,
     "fingerprint": "sha256:" + hashlib.sha256(raw(v)).hexdigest(),
     "length": len(raw(v)), "created": "2026-11-01", "note": "fixtures/encodings test key"}
    for i, (svc, state, v) in sorted(keys.items())
]}
(ROOT / "tests" / "data" / "encodings-ring.json").write_text(json.dumps(ring, indent=2) + "\n")
lines = ["# Plaintexts of the random test keys planted in fixtures/encodings (python3 secrets);",
         "# id<TAB>value, the PGP block with its newlines as \\n; hex:DIGITS for a key used as raw",
         "# bytes."]
lines += [f"{i}\t{'hex:' + v.hex() if isinstance(v, bytes) else v}" for i, v in sorted(k.items())
          if isinstance(v, bytes) or "\n" not in v]
(ROOT / "tests" / "data" / "encodings-secrets.txt").write_text("\n".join(lines) + "\n")
print(f"wrote {OUT.relative_to(ROOT)}/, tests/data/encodings-ring.json, tests/data/encodings-secrets.txt")
