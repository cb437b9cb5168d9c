#!/usr/bin/env python3
"""Writes tests/data/mobipass_v1_two_channel.json: vectors for two-channel
activation (DESIGN.md section 2b), computed independently of the Rust code
from the design text alone: the Damm table and Python's hmac/hashlib for the
check digits and both derivations, Python integers for the mod 10^36
arithmetic, python-oath (PyPI `oath`) for OCRA. The Rust test
tests/two_channel_vectors.rs checks the crate against this file, and
docs/SCHEME.md prints the same values for banks.

    pip install oath==1.4.5 && python3 make_two_channel_vectors.py > ../tests/data/mobipass_v1_two_channel.json
"""

import hashlib
import hmac
import json

from oath import str2ocrasuite

MOD = 10 ** 36

DAMM = [
    [0, 3, 1, 7, 5, 9, 8, 6, 4, 2], [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
    [4, 2, 0, 6, 8, 7, 1, 3, 5, 9], [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
    [6, 1, 2, 3, 0, 4, 5, 9, 7, 8], [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
    [5, 8, 6, 9, 7, 2, 0, 1, 3, 4], [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
    [9, 4, 3, 8, 6, 1, 7, 2, 0, 5], [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
]


def damm(digits):
    interim = 0
    for d in digits:
        interim = DAMM[interim][int(d)]
    return str(interim)


def parts(data36, first_prefix):
    """Part i (1..4) checks Damm(str(i + first_prefix - 1) || data)."""
    return [
        data36[9 * i:9 * i + 9] + damm(str(i + first_prefix) + data36[9 * i:9 * i + 9])
        for i in range(4)
    ]


def activation_code(data7):
    return data7 + damm("9" + data7)


def ocra_key(data36):
    return hmac.new(b"MobiPass/v1/ocra-key", data36.encode(), hashlib.sha256).digest()


def payee_digits(payee):
    return "".join(c for c in payee if c.isdigit())[-8:].rjust(8, "0")


PLAIN = str2ocrasuite("OCRA-1:HOTP-SHA256-8:QN08")
LINKED = str2ocrasuite("OCRA-1:HOTP-SHA256-8:QN28")

secrets = [
    "314159265358979323846264338327950288",
    "000000000000000000000000000000000001",
    "999999999999999999999999999999999999",
]
codes = ["1234567", "0000000", "9999999", "1234568"]
plain_codes = ["338609", "12345678"]
linked = [
    ("338609", 150000, "KZ86 125K ZT50 0410 0100"),
    ("00112233", 0, "7"),
]

out = {
    "title": "MobiPass scheme v1 two-channel activation vectors (DESIGN.md section 2b)",
    "source": "crates/scheme/scripts/make_two_channel_vectors.py (Python hmac/hashlib, python-oath 1.4.5)",
    "envelopes": [],
}
for s in secrets:
    entry = {
        "data_digits": s,
        "two_channel_parts": parts(s, 5),
        "envelope_only_parts": parts(s, 1),
        "activations": [],
    }
    for a in codes:
        tag = hmac.new(b"MobiPass/v1/activation", (s + a).encode(), hashlib.sha256).digest()
        d = int.from_bytes(tag, "big") % MOD
        s2 = f"{(int(s) + d) % MOD:036d}"
        key = ocra_key(s2)
        code = activation_code(a)
        entry["activations"].append({
            "code_data_digits": a,
            "code": code,
            "code_grouped": code[:4] + " " + code[4:],
            "hmac_hex": tag.hex(),
            "d": f"{d:036d}",
            "s2": s2,
            "ocra_key_hex": key.hex(),
            "plain": [{"code": c, "response": PLAIN(key, Q=c)} for c in plain_codes],
            "linked": [
                {
                    "code": c,
                    "amount_minor": amount,
                    "payee": payee,
                    "question": c + str(amount).rjust(12, "0") + payee_digits(payee),
                    "response": LINKED(key, Q=c + str(amount).rjust(12, "0") + payee_digits(payee)),
                }
                for c, amount, payee in linked
            ],
        })
    out["envelopes"].append(entry)
print(json.dumps(out, indent=1))
