"""Runs a command on a pseudo-terminal and answers its questions, as a user at a terminal would.

usage: pty-answer.py PROMPT ANSWERS_JSON -- COMMAND...
Each time the output shows PROMPT (again), the next answer is typed followed by Enter. The
whole transcript goes to stdout; the exit code is the command's (128+N for a signal). There is
no node-pty here: python3's pty module gives the child a real terminal (isatty() is true).
"""
import json
import os
import pty
import sys

prompt = sys.argv[1].encode()
answers = json.loads(sys.argv[2])
cmd = sys.argv[sys.argv.index('--') + 1:]

pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)

seen = b''
asked = 0
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:  # EIO: the child closed the terminal
        break
    if not chunk:
        break
    seen += chunk
    sys.stdout.buffer.write(chunk)
    sys.stdout.flush()
    while seen.count(prompt) > asked:
        answer = answers[asked] if asked < len(answers) else ''
        asked += 1
        os.write(fd, answer.encode() + b'\n')

_, status = os.waitpid(pid, 0)
sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
