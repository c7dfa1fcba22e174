"""counts.py — the Python suites' pass/fail counters and last line, as
tests/cli/lib/common.sh has them for the shell suites."""
import sys

passed = failed = 0


def ok():
    global passed
    passed += 1


def bad(msg):
    global failed
    failed += 1
    print("FAIL: " + msg)


def check(cond, msg):
    ok() if cond else bad(msg)


def summary(name):
    print("%s: %d passed, %d failed" % (name, passed, failed))
    sys.exit(1 if failed else 0)
