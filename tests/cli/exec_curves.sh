#!/bin/sh
# tests/cli/exec_curves.sh - the per-epoch part of the external-strategy
# protocol (fidelity, epoch, from_epoch asks; `run --strategy-curves`):
# python/examples/lcstop.py, a Python port of the built-in lcstop, passes
# `nastab check` against it (100 runs each on the shipped table's 200 cells
# with curves, seed 0: a fixed outcome); a child asking a fixed sequence
# (tests/fixtures/exec/curve_fixed.py) is charged on the simulated clock
# exactly as strategies/PROTOCOL.md "Per-epoch budgets" says, computed here
# from the table's costs; asks the loop must refuse fail naming the child.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
if [ ! -x "$PY" ] || ! "$PY" -c "import h5py, numpy" 2>/dev/null; then
    echo "FAIL cli: /usr/bin/python3 with h5py and numpy missing (apt-get install python3-h5py; make setup does)"
    fail=1
    finish
fi
F=tests/fixtures/exec
R="run --table $T --dataset cifar10 --restrict-to-curves"

check 2 "--strategy-curves is for --strategy-plugin or --strategy-exec" $R --runs 2 --strategy random --strategy-curves -o "$tmp/x.h5"
check 1 "empty range" $R --runs 2 -o "$tmp/x.h5" --strategy-exec "$PY python/examples/lcstop.py"
ok_if "without --strategy-curves the child gets no curves (curve_archs empty) and says so" test ! -e "$tmp/x.h5"

# Python lcstop against C lcstop
check 0 "" $R --runs 100 --strategy lcstop -o "$tmp/c.h5"
check 0 "" $R --runs 100 --strategy-curves --strategy-exec "$PY python/examples/lcstop.py" -o "$tmp/p.h5"
check 0 "" check --baseline "$tmp/c.h5" --candidate "$tmp/p.h5" --json
ok_if "Python lcstop (per-epoch asks continuing checkpoints): no significant difference from C lcstop" \
    "$PY" -c "
import json, sys
d = json.load(open('$tmp/out'))
sys.exit(0 if d['gate'] == 'PASS' and all(r['verdict'] == 'same' for r in d['rows']) and len(d['rows']) == 2 else 1)"
check 0 "" $R --runs 20 --workers 3 --threads 2 --strategy-curves --strategy-exec "$PY python/examples/lcstop.py" -o "$tmp/w.h5"

# The clock, by hand: cell c = curve_archs[0] trained to 100 epochs (cost
# 100 t + e), continued to 200 (again 100 t + e), and so on; t, e the
# cifar10-valid train_time_per_epoch and eval_time of c. With one worker the
# k-th result finishes at k (100 t + e); the run counts those finishing
# within the budget; the incumbent from the first one on is c, reported by
# its 200-epoch test accuracy on cifar10. (Were every ask charged from
# scratch, the second of each pair would cost 200 t + e.)
check 0 "" $R --runs 3 --strategy-curves --strategy-exec "$PY $F/curve_fixed.py" -o "$tmp/f.h5"
ok_if "fixed per-epoch asks: n_evals, first result time and the trajectory as the clock says" env PYTHONPATH=python "$PY" -c "
import math, sys, numpy as np, nastab
t = nastab.Table('$T')
s = nastab.Results('$tmp/f.h5')['cifar10', 'exec-curve_fixed']
c = int(s['final_arch'][0])  # the cell it asked (the table's index), the incumbent of every run
ep, cv = t.curve('cifar10-valid', 200, 'valid_acc')
ok = np.all(s['final_arch'] == c) and not np.isnan(cv[c]).any() and ep[-1] == 200
tpe = float(t.cost('cifar10-valid', 'train_time_per_epoch')[c])
ev = float(t.cost('cifar10-valid', 'eval_time')[c])
test = float(t.column('cifar10', 200, 'test_acc')[c])
B = float(s['budget'])
cost = 100 * tpe + ev
n = int(B // cost)
ok = ok and B == 12000 and np.all(s['n_evals'] == n)
tg = np.asarray(s['time'])
tr = np.asarray(s['test'])
before = tg < cost * (1 - 1e-6)
after = tg >= cost * (1 + 1e-6)
ok = ok and np.all(np.isnan(tr[:, before])) and np.allclose(tr[:, after], test, atol=1e-4)
print('cell', c, 'cost', cost, 'n', n, 'n_evals', s['n_evals'], file=sys.stderr)
sys.exit(0 if ok else 1)"
check 1 "from_epoch" $R --runs 2 --strategy-curves --strategy-exec "$PY $F/curve_fixed.py nockpt" -o "$tmp/x.h5"
ok_if "continuing a checkpoint never made: the message names the strategy and the run" grep -qF "strategy 'exec-nockpt' (run 0)" "$tmp/err"
check 1 "epoch" $R --runs 2 --strategy-curves --strategy-exec "$PY $F/curve_fixed.py badepoch" -o "$tmp/x.h5"
ok_if "no results file after a refused per-epoch ask" test ! -e "$tmp/x.h5"
finish
