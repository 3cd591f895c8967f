#!/usr/bin/env python3
"""Recomputes the fingerprints (and lengths) of fixtures/ring.json from the plaintext
fixture secrets in tests/data/planted-secrets.txt.

planted-secrets.txt has one planted secret per line: `LABEL SECRET`, where LABEL is
  ring:ID          a ring key, planted in a scanned fixture file
  ring-ignored:ID  a ring key planted only in a .gitignore'd fixture file
  untracked:WHERE  a secret that is not in the ring (an `untracked` finding)
Ring entries keep their id, service, state and dates; `length` is rewritten only for
entries that have one (at least one entry deliberately has none).

The nginx and SQL fixtures have focused rings of their own (tests/data/edge-ring.json,
tests/data/db-ring.json, with plaintexts in tests/data/edge-secrets.txt and
db-secrets.txt as `ID<TAB>SECRET`); their keys are copied into the demo ring as they
are, so that `stalekey scan fixtures --ring fixtures/ring.json` shows every consumer.

    scripts/fixture-ring.py          rewrite fixtures/ring.json
    scripts/fixture-ring.py --check  exit 1 if fixtures/ring.json is out of date
"""
import hashlib
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
PLANTED = ROOT / "tests" / "data" / "planted-secrets.txt"
RING = ROOT / "fixtures" / "ring.json"


def planted():
    out = {}
    for n, line in enumerate(PLANTED.read_text().splitlines(), 1):
        label, _, secret = line.partition(" ")
        if not secret or " " in secret:
            sys.exit(f"{PLANTED}:{n}: expected `LABEL SECRET`")
        kind, _, name = label.partition(":")
        if kind in ("ring", "ring-ignored"):
            out[name] = secret.encode()
        elif kind != "untracked":
            sys.exit(f"{PLANTED}:{n}: unknown label kind {kind!r}")
    return out


def main():
    check = "--check" in sys.argv[1:]
    keys = planted()
    old = RING.read_text()
    ring = json.loads(old)
    focused = []
    for path in sorted((ROOT / "tests" / "data").glob("*-ring.json")):
        focused.extend(json.loads(path.read_text())["keys"])
    focused_ids = {k["id"] for k in focused}
    ring["keys"] = [k for k in ring["keys"] if k["id"] not in focused_ids]
    seen = set()
    for entry in ring["keys"]:
        secret = keys.get(entry["id"])
        if secret is None:
            sys.exit(f"{RING}: {entry['id']}: no planted secret with this id")
        seen.add(entry["id"])
        entry["fingerprint"] = "sha256:" + hashlib.sha256(secret).hexdigest()
        if "length" in entry:
            entry["length"] = len(secret)
    missing = sorted(set(keys) - seen)
    if missing:
        sys.exit(f"{RING}: planted ring keys missing from the ring: {', '.join(missing)}")
    ring["keys"].extend(focused)
    new = json.dumps(ring, indent=2) + "\n"
    if check:
        if new != old:
            sys.exit(f"{RING} is out of date: run scripts/fixture-ring.py")
        return
    RING.write_text(new)


if __name__ == "__main__":
    main()
