#!/usr/bin/env python3
"""Checks the `respond` example against an independent OCRA implementation.

Everything on the Python side is written from DESIGN.md sections 2 and 2b
alone: the Damm check digits, the key derivation and the two-channel
activated secret (Python's hmac and integers) and OCRA itself (python-oath,
PyPI `oath`). Random keys, activation codes, document codes, amounts and
payees; envelope-only and two-channel envelopes; plain and linked
signatures. Usage:

    python3 cross_check.py PATH_TO_RESPOND_BINARY [CASES]
"""

import hashlib
import hmac
import random
import subprocess
import sys

from oath import str2ocrasuite

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


def envelope_parts(data36, two_channel=False):
    """Part i checks Damm(str(i) || data), or Damm(str(i + 4) || data) on a two-channel envelope."""
    shift = 5 if two_channel else 1
    return [
        data36[9 * i:9 * i + 9] + damm(str(i + shift) + data36[9 * i:9 * i + 9])
        for i in range(4)
    ]


def activated(data36, code_data7):
    """S2 = (S + D) mod 10^36, D = HMAC-SHA256("MobiPass/v1/activation", S || a) mod 10^36."""
    tag = hmac.new(b"MobiPass/v1/activation", (data36 + code_data7).encode(), hashlib.sha256).digest()
    return f"{(int(data36) + int.from_bytes(tag, 'big')) % 10 ** 36:036d}"


def expected(data36, code, amount=None, payee=None):
    key = hmac.new(b"MobiPass/v1/ocra-key", data36.encode(), hashlib.sha256).digest()
    if amount is None:
        return str2ocrasuite("OCRA-1:HOTP-SHA256-8:QN08")(key, Q=code)
    payee_digits = "".join(c for c in payee if c.isdigit())[-8:].rjust(8, "0")
    question = code + str(amount).rjust(12, "0") + payee_digits
    return str2ocrasuite("OCRA-1:HOTP-SHA256-8:QN28")(key, Q=question)


def main():
    binary = sys.argv[1]
    cases = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    rng = random.Random(6287)
    failures = 0
    for n in range(cases):
        data36 = "".join(rng.choice("0123456789") for _ in range(36))
        code = "".join(rng.choice("0123456789") for _ in range(rng.randint(6, 8)))
        two_channel = n % 4 >= 2
        args = envelope_parts(data36, two_channel)
        secret = data36
        if two_channel:
            code_data = "".join(rng.choice("0123456789") for _ in range(7))
            args.append(code_data + damm("9" + code_data))
            secret = activated(data36, code_data)
        args.append(code)
        amount = payee = None
        if n % 2:
            amount = rng.randint(0, 10 ** rng.randint(0, 12) - 1)
            payee = "KZ" + "".join(rng.choice("0123456789 -") for _ in range(rng.randint(1, 20))) + "7"
            args += [str(amount), payee]
        ours = subprocess.run([binary] + args, capture_output=True, text=True, check=True).stdout.strip()
        theirs = expected(secret, code, amount, payee)
        if ours != theirs:
            failures += 1
            print(f"MISMATCH case {n}: ours {ours} python-oath {theirs}", file=sys.stderr)
    print(f"cross-check: {cases - failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
