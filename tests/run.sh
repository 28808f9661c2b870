#!/bin/sh
# Run every test that must pass: the unit-test binary and the command-line
# tests (tests/cli/*.sh). Prints each suite's lines, then one summary line
# "N passed, N failed"; exits non-zero on any failure.
BUILD=${1:-build}
total_p=0; total_f=0
add() { # parse the "N passed, N failed" line of a suite's output file
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$1" | tail -1)
    if [ -z "$line" ]; then total_f=$((total_f + 1)); echo "suite $2 crashed or printed no summary"; return; fi
    p=${line%% passed*}; f=${line#*, }; f=${f%% failed}
    total_p=$((total_p + p)); total_f=$((total_f + f))
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$BUILD/nastab-tests" --table "$BUILD/nb201.h5" > "$tmp/unit.out"
cat "$tmp/unit.out"; add "$tmp/unit.out" unit
for t in tests/cli/*.sh; do
    [ -f "$t" ] || continue
    [ "$(basename "$t")" = lib.sh ] && continue # sourced by the scripts, not a suite
    sh "$t" "$BUILD" > "$tmp/cli.out" 2>&1
    cat "$tmp/cli.out"; add "$tmp/cli.out" "$t"
done
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
