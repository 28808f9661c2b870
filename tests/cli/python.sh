#!/bin/sh
# tests/cli/python.sh - the Python package (python/nastab) with Debian's
# /usr/bin/python3: the example strategies run through `nastab run
# --strategy-exec`, their results pass `nastab check` against the built-in C
# strategies (100 runs, alpha 0.05, seed 0: a fixed outcome, since both
# sides are deterministic), and nastab.Table / nastab.Results read the
# files as the CLI does.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
if [ ! -x "$PY" ] || ! "$PY" -c "import h5py, numpy" 2>/dev/null; then
    echo "skip cli: /usr/bin/python3 with h5py and numpy missing (apt-get install python3-h5py)"
    finish
fi
R="run --table $T --dataset cifar10 --runs 100"
check 0 "" $R --strategy random,rea -o "$tmp/c.h5"
check 0 "" $R --strategy-exec "$PY python/examples/random_search.py" -o "$tmp/prs.h5"
check 0 "" $R --strategy-exec "$PY python/examples/rea.py" -o "$tmp/prea.h5"
check 0 "" check --baseline "$tmp/c.h5" --candidate "$tmp/prs.h5" --strategy random:exec-random_search --alpha 0.05
ok_if "Python random search: no significant difference from C random" grep -q "gate: PASS" "$tmp/out"
check 0 "" check --baseline "$tmp/c.h5" --candidate "$tmp/prea.h5" --strategy rea:exec-rea --alpha 0.05
ok_if "Python REA: no significant difference from C rea" grep -q "gate: PASS" "$tmp/out"
ok_if "nastab.Results reads the external series" env PYTHONPATH=python "$PY" -c "
import sys, nastab, numpy as np
r = nastab.Results('$tmp/prea.h5')
s = r['cifar10', 'exec-rea']
ok = s['final_test'].shape == (100,) and s['external_protocol'] == 1 and 'rea.py' in s['external_command']
ok = ok and np.all(s['n_evals'] > 50) and 'strategy-exec' in r.attrs['command']
sys.exit(0 if ok else 1)"
"$N" tables query "$T" --index 6111 --json > "$tmp/q.json"
ok_if "nastab.Table answers as 'nastab tables query --json'" env PYTHONPATH=python "$PY" -c "
import json, sys, nastab
q = json.load(open('$tmp/q.json'))
t = nastab.Table('$T')
a = str(t.archs[6111])
ok = t.index(a) == 6111 and len(t) == 15625 and t.column('cifar10-valid', 200, 'valid_acc').argmax() == 6111
p = t.query(a)
ok = ok and p['index'] == 6111 and json.dumps(q).find(a) >= 0
sys.exit(0 if ok else 1)"
finish
