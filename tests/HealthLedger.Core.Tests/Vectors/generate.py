#!/usr/bin/env python3
"""Independent reference implementations that produce the known-answer vectors in this folder.

They follow the definitions in docs/architecture.md literally (recursion over the whole entry set),
sharing no code with the C# implementation. Run: python3 generate.py
"""
import hashlib
import json


def sha(b: bytes) -> bytes:
    return hashlib.sha256(b).digest()


# RFC 6962 section 2.1 Merkle tree hash
def mth(leaves):
    if not leaves:
        return sha(b"")
    if len(leaves) == 1:
        return sha(b"\x00" + leaves[0])
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return sha(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


# Compact sparse Merkle tree over SHA-256(key)
ZERO = bytes(32)


def bit(h: bytes, i: int) -> int:
    return (h[i // 8] >> (7 - i % 8)) & 1


def smt(entries, depth=0):
    if not entries:
        return ZERO
    if len(entries) == 1:
        kh, vh = entries[0]
        return sha(b"\x00" + kh + vh)
    left = [e for e in entries if bit(e[0], depth) == 0]
    right = [e for e in entries if bit(e[0], depth) == 1]
    return sha(b"\x01" + smt(left, depth + 1) + smt(right, depth + 1))


def state_root(pairs):
    return smt([(sha(k.encode()), sha(bytes.fromhex(v))) for k, v in pairs]).hex()


ct_leaves = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
merkle = [{"leaves": ct_leaves[:n], "root": mth([bytes.fromhex(x) for x in ct_leaves[:n]]).hex()} for n in range(0, 9)]

cases = []
for name, pairs in [
    ("empty", []),
    ("one", [("network", "01")]),
    ("two", [("user/alice", "0a0b"), ("user/bob", "0c")]),
    ("ten", [(f"user/u{i}", f"{i:02x}" * (i + 1)) for i in range(10)]),
    ("hundred", [(f"nonce/{i:064x}", f"{i:04x}") for i in range(100)]),
]:
    cases.append({"name": name, "entries": [{"key": k, "value": v} for k, v in pairs], "root": state_root(pairs)})

with open("merkle-rfc6962.json", "w") as f:
    json.dump(merkle, f, indent=1)
with open("state-root.json", "w") as f:
    json.dump(cases, f, indent=1)
