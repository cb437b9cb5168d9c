"""Runs `mobipass` on a fresh pseudo-terminal and holds a dialogue with it:
for each [prompt, answer] step, waits until the prompt has been printed
since the previous answer, then types the answer and Enter. Prints (as JSON)
the whole transcript, the step whose prompt never came (if any) and the exit
code.

Usage: pty_dialogue.py MOBIPASS_BINARY STEPS_JSON ARG...
Python drives the terminal because the Rust test suite forbids unsafe code
and opening a pty as a controlling terminal needs it.
"""
import fcntl, json, os, pty, select, subprocess, sys, termios, time

binary, steps, args = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3:]
master, slave = pty.openpty()


def own_terminal():
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


# A shell leads the session and lingers a moment after mobipass exits: when
# a session leader exits, Linux hangs its terminal up and may drop output
# not yet read (the last line, "... is deleted", went missing that way).
LINGER = '"$0" "$@"; status=$?; sleep 0.5; exit $status'
child = subprocess.Popen(
    ["/bin/sh", "-c", LINGER, binary, *args], stdin=slave, stdout=slave,
    stderr=slave, preexec_fn=own_terminal,
)
transcript, fresh, missing = b"", b"", None


def read_some(timeout):
    global transcript, fresh
    if select.select([master], [], [], timeout)[0]:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            return
        transcript += chunk
        fresh += chunk


for prompt, answer in steps:
    deadline = time.time() + 20
    while prompt.encode() not in fresh and time.time() < deadline:
        if child.poll() is not None:
            read_some(0.1)
            break
        read_some(0.1)
    if prompt.encode() not in fresh:
        missing = prompt
        break
    fresh = b""
    # A hidden prompt turns echo off right after printing itself.
    time.sleep(0.05)
    os.write(master, answer.encode() + b"\r")

# Read while it runs, so nothing waits in the terminal's buffer at the end.
deadline = time.time() + 20
while child.poll() is None and time.time() < deadline:
    read_some(0.1)
if child.poll() is None:
    child.kill()
code = child.wait()
read_some(0.2)
print(json.dumps({
    "transcript": transcript.decode(errors="replace"),
    "missing": missing,
    "code": code,
}))
