"""Runs `mobipass sign` on a fresh pseudo-terminal, presses Ctrl-C at the
hidden PIN prompt, and prints (as JSON) how the process ended and whether the
terminal's echo and line editing are on again afterwards.

Usage: ctrl_c_at_pin_prompt.py MOBIPASS_BINARY VAULT_PATH
Python drives the terminal because the Rust test suite forbids unsafe code
and opening a pty as a controlling terminal needs it.
"""
import fcntl, json, os, pty, select, subprocess, sys, termios, time

binary, vault = sys.argv[1], sys.argv[2]
master, slave = pty.openpty()


def own_terminal():
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


child = subprocess.Popen(
    [binary, "--vault", vault, "sign", "338609"],
    stdin=slave, stdout=slave, stderr=slave, preexec_fn=own_terminal,
)
seen = b""
deadline = time.time() + 20
while b"PIN: " not in seen and time.time() < deadline:
    if select.select([master], [], [], 0.1)[0]:
        seen += os.read(master, 1024)
# rpassword changes the settings right after printing the prompt.
while termios.tcgetattr(slave)[3] & termios.ECHO and time.time() < deadline:
    time.sleep(0.01)
echo_during = bool(termios.tcgetattr(slave)[3] & termios.ECHO)
os.write(master, b"39\x03")
code = child.wait(timeout=20)
flags = termios.tcgetattr(slave)[3]
print(json.dumps({
    "prompted": b"PIN: " in seen,
    "echo_during": echo_during,
    "code": code,
    "echo_after": bool(flags & termios.ECHO),
    "canonical_after": bool(flags & termios.ICANON),
}))
