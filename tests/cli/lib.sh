# tests/cli/lib.sh - sourced by the command-line test scripts (not run on its
# own; tests/run.sh runs only the scripts that source it).
#   BUILD, N (the nastab binary), T (the NB201 table), tmp (scratch, removed on
#   exit) with tmp/garbage.h5 (not HDF5); pass/fail counters;
#   check EXIT SUBSTRING ARGS...  run `nastab ARGS`, want that exit code and,
#                                 when SUBSTRING is not empty, it in stderr;
#   ok_if DESCRIPTION CMD...      pass when CMD succeeds;
#   finish                        print "N passed, N failed" and exit 1 on failure.
BUILD=${1:-build}
N="$BUILD/nastab"
T="$BUILD/nb201.h5"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'this is not an HDF5 file\n' > "$tmp/garbage.h5"
pass=0; fail=0
check() { # exit substring cmd...
    want=$1; needle=$2; shift 2
    "$N" "$@" > "$tmp/out" 2> "$tmp/err"
    got=$?
    if [ "$got" -ne "$want" ]; then
        echo "FAIL cli: nastab $* -> exit $got, want $want; stderr: $(head -c 300 "$tmp/err")"; fail=$((fail + 1)); return
    fi
    if [ -n "$needle" ] && ! grep -qF -- "$needle" "$tmp/err"; then
        echo "FAIL cli: nastab $* -> stderr lacks '$needle': $(head -c 300 "$tmp/err")"; fail=$((fail + 1)); return
    fi
    echo "ok   cli: nastab $*" | cut -c1-150; pass=$((pass + 1))
}
ok_if() { # description, then a shell condition
    d=$1; shift
    if "$@"; then echo "ok   cli: $d"; pass=$((pass + 1)); else echo "FAIL cli: $d"; fail=$((fail + 1)); fi
}
finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
    exit $?
}
