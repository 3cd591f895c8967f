#!/usr/bin/env bash
# Regenerates the SQL dump fixtures under fixtures/db/ with a real PostgreSQL, plus the
# ring (tests/data/db-ring.json) and the planted keys (tests/data/db-secrets.txt).
# Every key is random, made here; nothing in the fixture is a real credential.
#
# Needs PostgreSQL with pgcrypto (Debian: apt-get install -y postgresql postgresql-contrib)
# and python3. Run as root (the server runs as the postgres user) or as a user who can
# run initdb. The tests never need a server: they read the files this script writes.
#
#   scripts/make-sql-fixture.sh          # then: STALEKEY_BLESS=1 cargo test --test it sql
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$PGBIN/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql postgresql-contrib)" >&2; exit 2; }

key() { python3 -c 'import secrets,sys; print(sys.argv[1] + secrets.token_urlsafe(int(sys.argv[2])), end="")' "$1" "$2"; }
KEY_PII=$(key "" 32)          # active: encrypts customers.ssn_enc (trigger), view decrypts
KEY_PII_OLD=$(key "" 24)      # retired: legacy data and a decrypt helper still use it
KEY_WEBHOOK=$(key "whk_" 30)  # fallback: HMAC signing in a column default and a function
KEY_DOCS=$(key "" 20)         # revoked: row-level security policy decrypts with it
KEY_CARD=$(key "" 32)         # active: a database setting read by current_setting('app.card_key')
KEY_MIGRATION=$(key "" 28)    # untracked: a one-off migration script
PGP_PASS=$(key "" 18)         # passphrase of the contracts secret key, in a view

WORK=$(mktemp -d)
trap 'runas "$PGBIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
runas() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$WORK"

# An RSA key pair for pgp_pub_encrypt (pgcrypto takes RSA or Elgamal keys, not ECC).
export GNUPGHOME="$WORK/gnupg"
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --pinentry-mode loopback --passphrase "$PGP_PASS" \
    --quick-gen-key "Shop Contracts <contracts@shop.example>" rsa2048 default never 2>/dev/null
PGP_FPR=$(gpg --batch --with-colons --list-keys contracts@shop.example | awk -F: '/^fpr/ {print $10; exit}')
gpg --batch --quiet --pinentry-mode loopback --passphrase "$PGP_PASS" \
    --quick-add-key "$PGP_FPR" rsa2048 encr never 2>/dev/null
PGP_PUBLIC=$(gpg --batch --armor --export contracts@shop.example)
PGP_SECRET=$(gpg --batch --armor --pinentry-mode loopback --passphrase "$PGP_PASS" \
    --export-secret-keys contracts@shop.example)
PORT=54329
runas "$PGBIN/initdb" -D "$WORK/data" -A trust -U postgres >/dev/null
runas "$PGBIN/pg_ctl" -D "$WORK/data" -o "-p $PORT -k $WORK -c listen_addresses=''" -w start >/dev/null
psql() { runas "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$WORK" -p $PORT -U postgres "$@"; }
psql -d postgres -c "CREATE DATABASE shop"
# The card key, stored as a database setting that current_setting() reads.
psql -d postgres -c "ALTER DATABASE shop SET app.card_key = '$KEY_CARD'"

psql -d shop <<SQL
CREATE EXTENSION pgcrypto;

CREATE TABLE customers (
    id integer PRIMARY KEY,
    name text NOT NULL,
    email text NOT NULL,
    ssn text,
    ssn_enc bytea
);

-- The key pasted into the trigger function, through a variable.
CREATE FUNCTION encrypt_customer() RETURNS trigger LANGUAGE plpgsql AS \$fn\$
DECLARE
    k CONSTANT text := '$KEY_PII';
BEGIN
    IF NEW.ssn IS NOT NULL THEN
        NEW.ssn_enc := pgp_sym_encrypt(NEW.ssn, k, 'cipher-algo=aes256');
        NEW.ssn := NULL;
    END IF;
    RETURN NEW;
END
\$fn\$;
CREATE TRIGGER customers_encrypt BEFORE INSERT OR UPDATE ON customers
    FOR EACH ROW EXECUTE FUNCTION encrypt_customer();

CREATE VIEW customers_clear AS
    SELECT id, name, pgp_sym_decrypt(ssn_enc, '$KEY_PII') AS ssn FROM customers;

-- Card numbers: the key comes from a setting, never from the SQL.
CREATE TABLE payments (
    id integer PRIMARY KEY,
    customer_id integer REFERENCES customers(id),
    amount numeric(10,2) NOT NULL,
    card_enc bytea
);
CREATE FUNCTION encrypt_card() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
    NEW.card_enc = pgp_sym_encrypt(convert_from(NEW.card_enc, 'UTF8'), current_setting('app.card_key'));
    RETURN NEW;
END
\$\$;
CREATE TRIGGER payments_encrypt BEFORE INSERT ON payments
    FOR EACH ROW EXECUTE FUNCTION encrypt_card();

-- Webhook signatures: HMAC with a literal key in a default and in a SQL function.
CREATE TABLE webhooks (
    id integer PRIMARY KEY,
    url text NOT NULL,
    secret_hash text DEFAULT encode(hmac(gen_random_uuid()::text, '$KEY_WEBHOOK', 'sha256'), 'hex')
);
CREATE FUNCTION sign_payload(payload text) RETURNS text LANGUAGE sql IMMUTABLE AS \$\$
    SELECT encode(hmac(payload, '$KEY_WEBHOOK', 'sha256'), 'hex')
\$\$;

-- Documents: row-level security decrypts the owner with a (now revoked) key.
CREATE TABLE documents (
    id integer PRIMARY KEY,
    title text NOT NULL,
    owner_enc bytea
);
ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
CREATE POLICY documents_owner ON documents
    USING (pgp_sym_decrypt(owner_enc, '$KEY_DOCS') = current_user);

-- Legacy notes: armored, encrypted with the retired key, no trigger.
CREATE TABLE legacy_notes (
    id integer PRIMARY KEY,
    note text
);
CREATE FUNCTION legacy_decrypt(b bytea) RETURNS text LANGUAGE sql AS \$legacy\$
    SELECT pgp_sym_decrypt(b, E'$KEY_PII_OLD')
\$legacy\$;

-- Contracts: encrypted to a public key; a view decrypts with the secret key.
CREATE TABLE contracts (
    id integer PRIMARY KEY,
    title text NOT NULL,
    body text,
    body_enc bytea
);
CREATE FUNCTION encrypt_contract() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
    NEW.body_enc := pgp_pub_encrypt(NEW.body, dearmor('$PGP_PUBLIC'));
    NEW.body := NULL;
    RETURN NEW;
END
\$\$;
CREATE TRIGGER contracts_encrypt BEFORE INSERT OR UPDATE ON contracts
    FOR EACH ROW EXECUTE FUNCTION encrypt_contract();
CREATE VIEW contracts_clear AS
    SELECT id, title, pgp_pub_decrypt(body_enc, dearmor('$PGP_SECRET'), '$PGP_PASS') AS body
    FROM contracts;

INSERT INTO customers (id, name, email, ssn) VALUES
    (1, 'Ada Park', 'ada@example.com', '078-05-1120'),
    (2, 'Bo Lind', 'bo@example.com', '219-09-9999'),
    (3, 'Cy Moreau', 'cy@example.com', NULL),
    (4, 'Di Okafor', 'di@example.com', '457-55-5462');

INSERT INTO payments (id, customer_id, amount, card_enc) VALUES
    (1, 1, 12.50, convert_to('4111111111111111', 'UTF8')),
    (2, 2, 99.00, convert_to('5500005555555559', 'UTF8')),
    (3, 4, 7.25, convert_to('340000000000009', 'UTF8'));

INSERT INTO contracts (id, title, body) VALUES
    (1, 'Supplier agreement', 'Net 30, renewal each January.'),
    (2, 'Lease', 'Unit 4B, five years.');
SELECT id, title, body FROM contracts_clear ORDER BY id;
INSERT INTO webhooks (id, url) VALUES (1, 'https://hooks.example.com/a'), (2, 'https://hooks.example.com/b');
INSERT INTO documents VALUES
    (1, 'Q3 plan', pgp_sym_encrypt('alice', '$KEY_DOCS')),
    (2, 'Payroll', pgp_sym_encrypt('bob', '$KEY_DOCS'));
INSERT INTO legacy_notes VALUES
    (1, armor(pgp_sym_encrypt('call back on monday', '$KEY_PII_OLD'))),
    (2, armor(pgp_sym_encrypt('prefers email', '$KEY_PII_OLD'))),
    (3, 'not encrypted');
SQL

mkdir -p fixtures/db/migrations tests/data
dump() { runas "$PGBIN/pg_dump" -h "$WORK" -p $PORT -U postgres --no-owner --no-privileges "$@"; }
# The whole database, plain format, data as COPY (the default), with CREATE DATABASE
# and its settings.
dump --create shop > fixtures/db/shop.sql
# Two tables as INSERT statements with column names.
dump --data-only --column-inserts -t documents -t legacy_notes shop > fixtures/db/shop-inserts.sql

# A psql migration script: a DO block with a literal key, and a key from a setting.
cat > fixtures/db/migrations/0007_reencrypt_notes.psql <<MIG
-- One-off: re-encrypt legacy notes under the migration key.
\\set ON_ERROR_STOP on
BEGIN;
DO \$\$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT id, note FROM legacy_notes WHERE note LIKE '-----BEGIN PGP MESSAGE-----%' LOOP
        UPDATE legacy_notes
           SET note = armor(pgp_sym_encrypt(legacy_decrypt(dearmor(r.note)), '$KEY_MIGRATION'))
         WHERE id = r.id;
    END LOOP;
END
\$\$;
SELECT count(*) FROM legacy_notes
 WHERE pgp_sym_decrypt(dearmor(note), current_setting('app.notes_key', true)) IS NOT NULL;
COMMIT;
MIG

fp() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
entry() { printf '    {"id": "%s", "service": "%s", "state": "%s", "fingerprint": "sha256:%s", "length": %d, "created": "%s"}' "$1" "$2" "$3" "$(fp "$4")" "${#4}" "$5"; }
{
  echo '{'
  echo '  "version": 1,'
  echo '  "keys": ['
  entry "db-pii/2026-09" db-pii active "$KEY_PII" 2026-09-01; echo ,
  entry "db-pii/2025-03" db-pii retired "$KEY_PII_OLD" 2025-03-01; echo ,
  entry "db-webhook/2026-06" db-webhook fallback "$KEY_WEBHOOK" 2026-06-01; echo ,
  entry "db-documents/2026-01" db-documents revoked "$KEY_DOCS" 2026-01-15; echo ,
  entry "db-cards/2026-10" db-cards active "$KEY_CARD" 2026-10-01; echo ,
  entry "db-contracts/2026-05" db-contracts active "$PGP_SECRET" 2026-05-01; echo ,
  entry "db-contracts/2026-05-public" db-contracts active "$PGP_PUBLIC" 2026-05-01; echo ,
  entry "db-contracts/2026-05-passphrase" db-contracts active "$PGP_PASS" 2026-05-01; echo
  echo '  ]'
  echo '}'
} > tests/data/db-ring.json
{
  printf '%s\n' "$KEY_PII" "$KEY_PII_OLD" "$KEY_WEBHOOK" "$KEY_DOCS" "$KEY_CARD" "$KEY_MIGRATION" "$PGP_PASS"
  # The secret key's base64 lines: none may show up in a report.
  printf '%s\n' "$PGP_SECRET" | awk 'length($0) >= 40 && $0 !~ /^-----/'
} > tests/data/db-secrets.txt
echo "wrote fixtures/db/shop.sql, fixtures/db/shop-inserts.sql, fixtures/db/migrations/0007_reencrypt_notes.psql, tests/data/db-ring.json, tests/data/db-secrets.txt"
