#!/bin/sh
# Usage: expect_one_line_error.sh REGEX COMMAND [ARGS...]
# Passes when COMMAND exits non-zero and prints exactly one line (stdout + stderr) matching the
# extended regular expression REGEX. ctest's PASS_REGULAR_EXPRESSION alone would ignore the exit code.
regex=$1
shift
out=$("$@" 2>&1)
rc=$?
printf '%s\n' "$out"
[ "$rc" -ne 0 ] || { echo "expected a non-zero exit, got 0"; exit 1; }
[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || { echo "expected one line of output"; exit 1; }
printf '%s\n' "$out" | grep -Eq -- "$regex" || { echo "output does not match: $regex"; exit 1; }
