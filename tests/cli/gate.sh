#!/bin/sh
# Command-line tests of `nastab check` (the regression gate) and of strategy
# plugins: verdicts and exit codes (0 pass, 1 significantly worse, 2 bad
# usage or refused comparison), refusals of mixed tables/budgets/grids that
# name both values, and the example plugin built from the installed header
# with pkg-config, run, and gated. Rows: expected-exit | stderr/stdout
# substring | command (after `nastab`).
. "$(dirname "$0")/lib.sh"

ok() { echo "ok   cli: $1" | cut -c1-150; pass=$((pass + 1)); }
bad() { echo "FAIL cli: $1"; fail=$((fail + 1)); }
check() { # lib.sh's, but the substring is searched in stderr and stdout
    want=$1; needle=$2; shift 2
    "$N" "$@" > "$tmp/out" 2> "$tmp/err"
    got=$?
    if [ "$got" -ne "$want" ]; then
        bad "nastab $* -> exit $got, want $want; stderr: $(head -c 400 "$tmp/err")"; return
    fi
    if [ -n "$needle" ] && ! grep -qF -- "$needle" "$tmp/err" "$tmp/out"; then
        bad "nastab $* -> output lacks '$needle': $(head -c 400 "$tmp/err") $(tail -3 "$tmp/out")"; return
    fi
    ok "nastab $*"
}
run() { "$N" --quiet run --table "$T" --dataset cifar10 --runs 40 "$@" > /dev/null 2> "$tmp/err" ||
        bad "nastab run $*: $(cat "$tmp/err")"; }

run --strategy rea --seed 1 -o "$tmp/rea1.h5"
run --strategy rea --seed 2 -o "$tmp/rea2.h5"
run --strategy random --seed 3 -o "$tmp/rand.h5"
run --strategy rea --seed 2 --budget 6000 -o "$tmp/rea-b6000.h5"
run --strategy rea --seed 2 --grid 21 -o "$tmp/rea-g21.h5"
run --strategy rea --seed 2 --workers 2 -o "$tmp/rea-w2.h5"

# usage
check 0 "--min-effect" check --help
check 2 "missing --baseline FILE" check --candidate "$tmp/rea2.h5"
check 2 "missing --candidate FILE" check --baseline "$tmp/rea1.h5"
check 2 "--alpha: 'often' is not a number" check --baseline "$tmp/rea1.h5" --candidate "$tmp/rea2.h5" --alpha often
check 2 "--alpha: 0.7 is out of range" check --baseline "$tmp/rea1.h5" --candidate "$tmp/rea2.h5" --alpha 0.7
check 2 "--min-effect: -1 is out of range" check --baseline "$tmp/rea1.h5" --candidate "$tmp/rea2.h5" --min-effect -1
check 2 "unknown option '--baselin'" check --baselin "$tmp/rea1.h5" --candidate "$tmp/rea2.h5"
check 2 "expected NAME or NAME:CANDIDATE_NAME" check --baseline "$tmp/rea1.h5" --candidate "$tmp/rea2.h5" --strategy rea:
check 1 "$tmp/nothere.h5" check --baseline "$tmp/nothere.h5" --candidate "$tmp/rea2.h5"
check 1 "garbage.h5: not a results file" check --baseline "$tmp/rea1.h5" --candidate "$tmp/garbage.h5"
# verdicts
check 0 "gate: PASS" check --baseline "$tmp/rea1.h5" --candidate "$tmp/rea2.h5"
check 1 "gate: FAIL" check --baseline "$tmp/rea1.h5" --candidate "$tmp/rand.h5"
check 0 "better" check --baseline "$tmp/rand.h5" --candidate "$tmp/rea1.h5"
check 0 "gate: PASS" check --baseline "$tmp/rea1.h5" --candidate "$tmp/rand.h5" --min-effect 5
# refusals name both values
check 2 "budgets differ on cifar10: baseline 12000 s vs candidate 6000 s" check --baseline "$tmp/rea1.h5" --candidate "$tmp/rea-b6000.h5"
check 2 "grids differ on cifar10: baseline 101 vs candidate 21" check --baseline "$tmp/rea1.h5" --candidate "$tmp/rea-g21.h5"
check 2 "workers differ on cifar10: baseline 1 vs candidate 2" check --baseline "$tmp/rea1.h5" --candidate "$tmp/rea-w2.h5"
check 2 "strategy 'local' is not in the baseline" check --baseline "$tmp/rea1.h5" --candidate "$tmp/rea2.h5" --strategy local
# summaries: same verdict as the results file; a summary from another table is refused
check 0 "" check --summarize "$tmp/rea1.h5" -o "$tmp/rea1.csv"
check 0 "gate: PASS" check --baseline "$tmp/rea1.csv" --candidate "$tmp/rea2.h5"
check 1 "gate: FAIL" check --baseline "$tmp/rea1.csv" --candidate "$tmp/rand.h5"
sed 's/^# table_checksum: .*/# table_checksum: 0123456789abcdef/' "$tmp/rea1.csv" > "$tmp/other-table.csv"
check 2 "content checksums differ: baseline 0123456789abcdef" check --baseline "$tmp/other-table.csv" --candidate "$tmp/rea2.h5"
sed 's/^# protocol: .*/# protocol: nb201-v0/' "$tmp/rea1.csv" > "$tmp/other-proto.csv"
check 2 "protocol versions differ: baseline nb201-v0 vs candidate nb201-v1" check --baseline "$tmp/other-proto.csv" --candidate "$tmp/rea2.h5"
check 2 "--summarize needs -o SUMMARY" check --summarize "$tmp/rea1.h5"

# plugins: install, build the example against the installed header with
# pkg-config, run it, gate it; then the load errors.
P="$tmp/prefix"
if make --no-print-directory -s install BUILD="$BUILD" PREFIX="$P" > "$tmp/install.log" 2>&1; then
    ok "make install PREFIX=$P"
else
    bad "make install: $(tail -5 "$tmp/install.log")"
fi
for f in bin/nastab lib/libnastab.a lib/pkgconfig/nastab.pc include/nastab/strategies/strat.h; do
    [ -f "$P/$f" ] && ok "installed $f" || bad "not installed: $f"
done
export PKG_CONFIG_PATH="$P/lib/pkgconfig"
mkdir -p "$tmp/ex"
if make --no-print-directory -s -C examples/strategy-plugin OUT="$tmp/ex" > "$tmp/ex.log" 2>&1 && [ -f "$tmp/ex/my_strategy.so" ]; then
    ok "example plugin builds with pkg-config --cflags nastab"
else
    bad "example plugin build: $(tail -5 "$tmp/ex.log")"
fi
check 0 "" --quiet run --table "$T" --dataset cifar10 --strategy-plugin "$tmp/ex/my_strategy.so" --runs 40 --seed 4 -o "$tmp/hill.h5"
check 0 "random->hill" check --baseline "$tmp/rand.h5" --candidate "$tmp/hill.h5"
CF=$(pkg-config --cflags nastab)
cat > "$tmp/nosym.c" <<'C'
#include "strategies/strat.h"
int unrelated(void);
int unrelated(void) { return 1; }
C
cat > "$tmp/oldabi.c" <<'C'
#include "strategies/strat.h"
__attribute__((visibility("default"))) const int nastab_strategy_abi = 999;
C
sed 's/"hill", /"random", /' examples/strategy-plugin/my_strategy.c > "$tmp/renamed.c"
for p in nosym oldabi; do cc -std=c11 -fPIC -shared $CF "$tmp/$p.c" -o "$tmp/$p.so" || bad "cc $p.so"; done
cc -std=c11 -fPIC -shared $CF -Iexamples/strategy-plugin "$tmp/renamed.c" -o "$tmp/renamed.so" || bad "cc renamed.so"
check 1 "$tmp/nothere.so: cannot load" run --table "$T" --dataset cifar10 --strategy-plugin "$tmp/nothere.so" -o "$tmp/x.h5"
check 1 "garbage.h5: cannot load" run --table "$T" --dataset cifar10 --strategy-plugin "$tmp/garbage.h5" -o "$tmp/x.h5"
check 1 "missing symbol 'nastab_strategy_abi'" run --table "$T" --dataset cifar10 --strategy-plugin "$tmp/nosym.so" -o "$tmp/x.h5"
check 1 "built against strategy interface version 999, this nastab has version" run --table "$T" --dataset cifar10 --strategy-plugin "$tmp/oldabi.so" -o "$tmp/x.h5"
check 2 "name 'random' is a built-in strategy's" run --table "$T" --dataset cifar10 --strategy-plugin "$tmp/renamed.so" -o "$tmp/x.h5"
finish
