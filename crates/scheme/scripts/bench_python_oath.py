#!/usr/bin/env python3
"""Times python-oath on exactly the inputs of benches/ocra.rs and prints the
median nanoseconds per response for the plain and linked suites, one line
each: `name ns`. The suite is parsed once, as our crate does."""

import hashlib
import hmac
import statistics
import timeit

from oath import str2ocrasuite

KEY = hmac.new(b"MobiPass/v1/ocra-key", b"314159265358979323846264338327950288", hashlib.sha256).digest()
PLAIN = str2ocrasuite("OCRA-1:HOTP-SHA256-8:QN08")
LINKED = str2ocrasuite("OCRA-1:HOTP-SHA256-8:QN28")
LINKED_Q = "338609" + "000000150000" + "04100100"

for name, call in [
    ("python_oath_plain_response", lambda: PLAIN(KEY, Q="338609")),
    ("python_oath_linked_response", lambda: LINKED(KEY, Q=LINKED_Q)),
]:
    runs = timeit.repeat(call, number=20000, repeat=7)
    print(name, round(statistics.median(runs) / 20000 * 1e9, 1))
