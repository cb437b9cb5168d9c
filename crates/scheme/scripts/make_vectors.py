#!/usr/bin/env python3
"""Writes tests/data/mobipass_v1.json: the scheme's own vectors, computed
independently of the Rust code (python-oath for OCRA, argon2-cffi for
Argon2id, Python integers for the mod 10^36 arithmetic). The Rust test
tests/mobipass_vectors.rs checks the crate against this file, and
docs/SCHEME.md prints the same values for banks.

    pip install oath argon2-cffi && python3 make_vectors.py > ../tests/data/mobipass_v1.json
"""

import hashlib
import hmac
import json

from argon2.low_level import Type, hash_secret_raw

from cross_check import envelope_parts, expected

MOD = 10 ** 36

keys = [
    "000000000000000000000000000000000001",
    "314159265358979323846264338327950288",
    "271828182845904523536028747135266249",
]
plain_codes = ["338609", "000000", "12345678"]
linked = [
    ("338609", 150000, "KZ86 125K ZT50 0410 0100"),
    ("338609", 150001, "KZ86 125K ZT50 0410 0100"),
    ("338609", 150000, "KZ86 125K ZT50 0410 0101"),
    ("00112233", 0, "7"),
    ("999999", 999999999999, "40817-810-0999-1000-4312"),
]

out = {"title": "MobiPass scheme v1 vectors", "keys": [], "mask_examples": []}
for data in keys:
    k = hmac.new(b"MobiPass/v1/ocra-key", data.encode(), hashlib.sha256).hexdigest()
    entry = {
        "data_digits": data,
        "parts": envelope_parts(data),
        "ocra_key_hex": k,
        "plain": [{"code": c, "response": expected(data, c)} for c in plain_codes],
        "linked": [
            {
                "code": c,
                "amount_minor": a,
                "payee": p,
                "question": c + str(a).rjust(12, "0") + "".join(ch for ch in p if ch.isdigit())[-8:].rjust(8, "0"),
                "response": expected(data, c, a, p),
            }
            for c, a, p in linked
        ],
    }
    out["keys"].append(entry)

salt = bytes(range(16))
params = {"memory_kib": 1024, "iterations": 1, "parallelism": 1}
secret = keys[1]


def offset(pin):
    raw = hash_secret_raw(pin.encode(), salt, params["iterations"], params["memory_kib"],
                          params["parallelism"], 32, Type.ID)
    return int.from_bytes(raw, "big") % MOD, raw.hex()


p_right, raw_right = offset("3907")
mask = (int(secret) + p_right) % MOD
p_wrong, raw_wrong = offset("3908")
s_wrong = f"{(mask - p_wrong) % MOD:036d}"
out["mask_examples"].append({
    "note": "Argon2id parameters far below the floor, so the example is quick to check; the app refuses them for new vaults.",
    "data_digits": secret,
    "pin": "3907",
    "salt_hex": salt.hex(),
    "kdf": params,
    "argon2_output_hex": raw_right,
    "pin_offset_p": f"{p_right:036d}",
    "mask": f"{mask:036d}",
    "wrong_pin": "3908",
    "wrong_pin_argon2_output_hex": raw_wrong,
    "wrong_pin_unmasked_digits": s_wrong,
    "code": "338609",
    "response_right_pin": expected(secret, "338609"),
    "response_wrong_pin": expected(s_wrong, "338609"),
})
print(json.dumps(out, indent=1))
