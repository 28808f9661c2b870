#!/bin/sh
# tests/cli/trust_run.sh - issue 11 on the search side: no result from
# silently partial data, no crash on a damaged table or results file, the
# right exit code (1: data, I/O, format; 2: usage).
. "$(dirname "$0")/lib.sh"

# Item 1: the shipped table's curves cover 200 of 15625 cells.
check 1 "per-epoch curves for 200 of 15625 cells" run --table "$T" --dataset cifar10 \
    --strategy bohb-epochs --runs 2 -o "$tmp/c.h5"
ok_if "a refused curve run writes no results file" test ! -e "$tmp/c.h5"
check 0 "" --quiet run --table "$T" --dataset cifar10 --strategy lcstop,rea --runs 4 \
    --restrict-to-curves -o "$tmp/restricted.h5"
ok_if "the report says the run was restricted" grep -q "searched only the 200 cells" "$tmp/out"
check 0 "" --quiet run --table "$T" --dataset cifar10 --strategy rea --runs 4 -o "$tmp/full.h5"
check 2 "baseline unrestricted (protocol nb201-v1" check --baseline "$tmp/full.h5" \
    --candidate "$tmp/restricted.h5"
check 2 "candidate unrestricted" check --baseline "$tmp/restricted.h5" --candidate "$tmp/full.h5"

# Item 11: a damaged table is a data error (1), not a usage error; the
# columns a table can serve are listed.
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import h5py' 2>/dev/null; then
    cp "$T" "$tmp/bad.h5"
    /usr/bin/python3 - "$tmp/bad.h5" <<'PY'
import h5py, sys
p = sys.argv[1]
with h5py.File(p, "r") as f:
    ci = f["datasets/cifar10-valid/12/valid_acc/final_mean"].id.get_chunk_info(0)
b = bytearray(open(p, "rb").read())
for k in range(100): b[ci.byte_offset + 100 + k] ^= 0x5a
open(p, "wb").write(b)
PY
    check 1 "Fletcher32" run --table "$tmp/bad.h5" --dataset cifar10 --strategy random --runs 2 -o "$tmp/x.h5"
    ok_if "a damaged table is not reported as a --dataset usage error" sh -c "! grep -q -- '--dataset:' '$tmp/err'"
    check 1 "Fletcher32" mo --table "$tmp/bad.h5" --dataset cifar10 --device edgegpu --strategy random --runs 2 -o "$tmp/x.h5"
else
    echo "skip cli: damaged-table cases need /usr/bin/python3 with h5py (make setup)"
fi
check 2 "columns it can serve: fashion-mnist" run --table tables/fmnist.h5 --dataset cifar10 \
    --strategy random -o "$tmp/x.h5"

# Item 10: a plugin that calls exit(0) inside ask is a failure, not a run
# that silently wrote nothing.
cat > "$tmp/exit_plugin.c" <<'C'
#include <stdlib.h>
#include "strategies/strat.h"
static void *c_(const strat_env *e, nb_rng *r) { (void)e; (void)r; return malloc(1); }
static int a_(void *s, nb_rng *r, strat_ask *o) { (void)s; (void)r; (void)o; exit(0); }
static void t_(void *s, const strat_ask *a, const float *v, nb_rng *r) { (void)s; (void)a; (void)v; (void)r; }
static void d_(void *s) { free(s); }
static const strat_vtable vt = {"exits", "calls exit(0) in ask", c_, a_, t_, d_, 0};
STRAT_PLUGIN(vt)
C
if ${CC:-cc} -shared -fPIC -O1 -I. -I/usr/include/hdf5/serial "$tmp/exit_plugin.c" -o "$tmp/exit_plugin.so" 2> "$tmp/cc.log"; then
    check 1 "called exit() inside its ask" run --table "$T" --dataset cifar10 \
        --strategy-plugin "$tmp/exit_plugin.so" --runs 2 --threads 1 -o "$tmp/exit.h5"
    ok_if "a plugin's exit writes no results file" test ! -e "$tmp/exit.h5"
else
    echo "FAIL cli: cannot build the test plugin: $(head -c 300 "$tmp/cc.log")"; fail=$((fail + 1))
fi

finish
