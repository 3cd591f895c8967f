#!/usr/bin/env python3
"""Generates a synthetic tree of mixed-language files for benchmarking stalekey.

Usage: gen-bench-tree.py OUT_DIR [--mb 512] [--keys 1000] [--seed 7]

Writes OUT_DIR/tree/ (source, config and doc files of many languages, with secret-like
decoys and a few planted ring keys) and OUT_DIR/ring.json (a ring of --keys keys, the
planted ones among them). Deterministic for a given seed. All keys are random.
"""
import argparse
import hashlib
import json
import os
import random
import string

ALNUM = string.ascii_letters + string.digits


def rand_key(rng, n):
    return "".join(rng.choice(ALNUM + "-_") for _ in range(n))


def words(rng, n):
    vocab = ["user", "order", "items", "config", "handler", "request", "response", "value",
             "result", "client", "server", "session", "cache", "query", "parse", "render",
             "index", "count", "total", "data", "error", "logger", "status", "payload",
             "account", "price", "amount", "customer", "invoice", "event", "message"]
    return [rng.choice(vocab) for _ in range(n)]


def py_block(rng):
    a, b, c = words(rng, 3)
    return (f"def {a}_{b}(self, {c}, timeout=30):\n"
            f"    \"\"\"Return the {b} for a {c}.\"\"\"\n"
            f"    if not {c}:\n        raise ValueError(\"missing {c}\")\n"
            f"    result = self.{a}.get({c}, {{}})\n"
            f"    logger.info(\"loaded %s\", {c})\n"
            f"    return [x for x in result if x.{b} > {rng.randint(0, 999)}]\n\n")


def js_block(rng):
    a, b, c = words(rng, 3)
    return (f"export async function {a}{b.title()}({c}) {{\n"
            f"  const res = await fetch(`/api/{a}/${{{c}.id}}`, {{ method: 'GET' }});\n"
            f"  if (!res.ok) throw new Error('failed to load {b}');\n"
            f"  const {{ {b}, total }} = await res.json();\n"
            f"  return {b}.filter((x) => x.{c} !== null).slice(0, {rng.randint(1, 99)});\n}}\n\n")


def go_block(rng):
    a, b, c = words(rng, 3)
    return (f"func (s *Service) {a.title()}{b.title()}(ctx context.Context, {c} string) (*{b.title()}, error) {{\n"
            f"\tif {c} == \"\" {{\n\t\treturn nil, fmt.Errorf(\"empty {c}\")\n\t}}\n"
            f"\trow := s.db.QueryRowContext(ctx, \"SELECT id, {b} FROM {a} WHERE id = $1\", {c})\n"
            f"\treturn scan{b.title()}(row)\n}}\n\n")


def yaml_block(rng):
    a, b, c = words(rng, 3)
    return (f"{a}:\n  {b}: {rng.randint(1, 9999)}\n  {c}_url: https://{a}.internal.example/{b}\n"
            f"  enabled: true\n  tags: [{b}, {c}]\n")


def md_block(rng):
    return " ".join(words(rng, 60)).capitalize() + ".\n\n"


def decoy(rng):
    kind = rng.randrange(6)
    if kind == 0:
        return 'API_KEY = os.environ["API_KEY"]\n'
    if kind == 1:
        return 'SECRET_KEY = "changeme"\n'
    if kind == 2:
        return f'request_id = "{rng.getrandbits(128):032x}"\n'
    if kind == 3:
        return f'token = "{rand_key(rng, 32)}"\n'  # untracked secret-looking literal
    if kind == 4:
        return "password: ${DB_PASSWORD}\n"
    return f'commit = "{rng.getrandbits(160):040x}"\n'


KINDS = [("py", py_block), ("js", js_block), ("go", go_block), ("yaml", yaml_block), ("md", md_block)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--mb", type=int, default=512)
    ap.add_argument("--keys", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    tree = os.path.join(args.out, "tree")
    os.makedirs(tree, exist_ok=True)

    lengths = [32, 40, 43, 44, 48, 50, 64]
    planted = [rand_key(rng, rng.choice(lengths)) for _ in range(5)]
    keys = []
    states = ["active", "fallback", "retired", "revoked", "pending"]
    for i in range(args.keys):
        value = planted[i] if i < len(planted) else rand_key(rng, rng.choice(lengths))
        keys.append({
            "id": f"svc{i % 97}/key{i}", "service": f"svc{i % 97}", "state": states[i % 5],
            "fingerprint": "sha256:" + hashlib.sha256(value.encode()).hexdigest(),
            "length": len(value),
        })
    with open(os.path.join(args.out, "ring.json"), "w") as f:
        json.dump({"version": 1, "keys": keys}, f, indent=2)

    # Pre-build a pool of blocks per kind, then assemble files from the pool (fast).
    pools = {ext: [fn(rng) for _ in range(400)] for ext, fn in KINDS}
    target = args.mb * 1024 * 1024
    written, n = 0, 0
    while written < target:
        ext, _ = KINDS[n % len(KINDS)]
        parts, size = [], 0
        goal = rng.randint(20_000, 200_000)
        while size < goal:
            block = rng.choice(pools[ext]) if rng.random() > 0.01 else decoy(rng)
            parts.append(block)
            size += len(block)
        if n % 997 == 0 and n // 997 < len(planted):
            parts.insert(len(parts) // 2, f'SECRET = "{planted[n // 997]}"\n')
        d = os.path.join(tree, f"pkg{n // 100:03d}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, f"file{n:05d}.{ext}"), "w") as f:
            f.write("".join(parts))
        written += size
        n += 1
    print(f"wrote {n} files, {written / 1e6:.0f} MB, ring of {len(keys)} keys, {len(planted)} planted")


if __name__ == "__main__":
    main()
