#!/bin/sh
# test_cli.sh KEEL -- checks the keel command-line tool's documented output
# (keel --help): 'run' result lines and exit codes, 'validate', and the
# 'wast' runner's per-file lines, summary line, strict assertion semantics
# (selftest/fail.wast: every command must fail) and crash isolation.
# Registered as ctest 'tools.cli' (tests/spec/CMakeLists.txt).
KEEL=$1
DIR=$(dirname "$0")/selftest
fails=0
check() { # check NAME EXPECTED ACTUAL
    if [ "$2" != "$3" ]; then
        printf 'FAIL %s\n  expected: %s\n  got:      %s\n' "$1" "$2" "$3"
        fails=$((fails + 1))
    else
        printf 'ok   %s\n' "$1"
    fi
}
nl='
'
out=$("$KEEL" run "$DIR/run.wat" --invoke add 40 2); check "run add" "i32:42" "$out"
out=$("$KEEL" run "$DIR/run.wat" --invoke add 0xffffffff 1); check "run add hex wraps" "i32:0" "$out"
out=$("$KEEL" run "$DIR/run.wat" --invoke all -9223372036854775808 -0 0x1.8p1)
check "run all" "i64:-9223372036854775808${nl}f32:-0${nl}f64:3${nl}i32:-1" "$out"
out=$("$KEEL" run "$DIR/run.wat" --invoke nan); check "run nan" "f32:-nan:0x200000${nl}f64:nan" "$out"
out=$("$KEEL" run "$DIR/run.wat" --invoke ext 7); check "run externref" "ref.extern 7" "$out"
out=$("$KEEL" run "$DIR/run.wat" --invoke ext null); check "run null externref" "ref.null extern" "$out"
out=$("$KEEL" run "$DIR/run.wat" --invoke null); check "run null funcref" "ref.null func" "$out"
"$KEEL" run "$DIR/run.wat" --invoke trap 2>/dev/null; check "run trap exit" 2 $?
out=$("$KEEL" run "$DIR/run.wat" --invoke trap 2>&1 | head -1); check "run trap message" "trap: unreachable" "$out"
"$KEEL" run "$DIR/run.wat" --invoke add 1 >/dev/null 2>&1; check "run wrong arity exit" 1 $?
"$KEEL" run "$DIR/run.wat" --invoke add x y >/dev/null 2>&1; check "run bad argument exit" 1 $?
out=$("$KEEL" validate "$DIR/run.wat"); check "validate ok" "valid" "$out"
"$KEEL" validate "$DIR/invalid.wat" >/dev/null; check "validate invalid exit" 1 $?
"$KEEL" validate "$DIR/invalid.wat" | grep -q "invalid error" ; check "validate names the kind" 0 $?

out=$("$KEEL" wast "$DIR/pass.wast"); check "wast pass" "PASS pass.wast 27/27${nl}27 passed, 0 failed" "$out"
"$KEEL" wast --quiet "$DIR/pass.wast" >/dev/null; check "wast pass exit" 0 $?
out=$("$KEEL" wast --quiet "$DIR/pass.wast"); check "wast --quiet" "27 passed, 0 failed" "$out"
out=$("$KEEL" wast --max-failures 0 "$DIR/fail.wast" | tail -1)
check "wast fail: only the modules pass" "2 passed, 18 failed" "$out"
"$KEEL" wast "$DIR/fail.wast" >/dev/null; check "wast fail exit" 1 $?
out=$("$KEEL" wast --max-failures 2 "$DIR/fail.wast" | grep -c '^    line')
check "wast --max-failures 2" 2 "$out"
out=$(KEEL_WAST_SELFTEST_CRASH=2 "$KEEL" wast "$DIR/crash.wast")
check "wast crash isolation" "FAIL crash.wast 1/3${nl}    line 4: crashed with signal 11 (Segmentation fault)${nl}1 passed, 2 failed" "$out"
out=$("$KEEL" wast "$DIR/no-such.wast" | tail -1); check "wast missing file" "0 passed, 1 failed" "$out"

if [ $fails -ne 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "all CLI checks passed"
