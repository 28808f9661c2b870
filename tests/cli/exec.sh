#!/bin/sh
# tests/cli/exec.sh - external strategies (`nastab run --strategy-exec`,
# strategies/EXEC_PROTOCOL.md): children that die at hello, write junk to
# stdout, hang, speak another protocol version, ask for an invalid
# architecture or raise inside tell each fail clearly (exit 1, the message
# names the child, no results file); --threads never changes the results of
# a deterministic child.
. "$(dirname "$0")/lib.sh"
F=tests/fixtures/exec
PY=/usr/bin/python3
R="run --table $T --dataset cifar10 --runs 3"

check 1 "exited with status 3" $R -o "$tmp/x.h5" --strategy-exec "sh $F/dies_at_hello.sh"
ok_if "a dying child leaves no results file" test ! -e "$tmp/x.h5"
ok_if "its stderr tail is quoted" grep -qF "about to fail" "$tmp/err"
check 1 "answered hello with 'debug: starting up', not a protocol message" $R -o "$tmp/x.h5" --strategy-exec "sh $F/junk.sh"
check 1 "no answer to ask within 1 s" $R -o "$tmp/x.h5" --strategy-exec "sh $F/hangs.sh" --strategy-timeout 1
check 1 "speaks external-strategy protocol 99" $R -o "$tmp/x.h5" --strategy-exec "sh $F/old_protocol.sh"
ok_if "no results file after any bad child" test ! -e "$tmp/x.h5"
if [ -x "$PY" ]; then
    check 1 "asked for '|conv_9x9~0|" $R -o "$tmp/x.h5" --strategy-exec "$PY $F/bad_arch.py"
    ok_if "an invalid architecture is NB_EINVAL naming the child" grep -qF "strategy child 'exec-bad_arch'" "$tmp/err"
    check 1 "ValueError: tell failed on purpose" $R -o "$tmp/x.h5" --strategy-exec "$PY $F/raises.py"
    ok_if "print() inside a strategy goes to stderr, not the protocol" grep -qF "printed to stdout by the strategy" "$tmp/err"
    check 2 "is a built-in strategy's" $R -o "$tmp/x.h5" --strategy-exec "$PY python/examples/rea.py" --strategy-name rea
    X="run --table $T --dataset cifar10 --runs 40 --strategy-exec"
    check 0 "" $X "$PY python/examples/rea.py" --threads 1 -o "$tmp/t1.h5"
    check 0 "" $X "$PY python/examples/rea.py" --threads 3 --workers 2 -o "$tmp/w2.h5"
    check 0 "" $X "$PY python/examples/rea.py" --threads 3 -o "$tmp/t3.h5"
    ok_if "an external strategy's results do not depend on --threads" \
        "$PY" -c "
import sys, h5py, numpy as np
a, b = h5py.File('$tmp/t1.h5', 'r'), h5py.File('$tmp/t3.h5', 'r')
g = 'series/cifar10/exec-rea'
sys.exit(0 if all(np.array_equal(a[g][k][:], b[g][k][:], equal_nan=True) for k in a[g]) else 1)"
    ok_if "the results file records the command and protocol version" \
        "$PY" -c "
import sys, h5py
s = h5py.File('$tmp/t1.h5', 'r')['series/cifar10/exec-rea'].attrs
sys.exit(0 if s['external_protocol'] == 1 and 'rea.py' in str(s['external_command']) else 1)"
    check 0 "" run --table "$T" --dataset cifar10 --runs 2 --strategy random --json -o "$tmp/j.h5" --strategy-exec "$PY python/examples/random_search.py"
    ok_if "run --json is one JSON object with a series per strategy" \
        "$PY" -c "
import json, sys
d = json.load(open('$tmp/out'))
s = {x['strategy']: x for x in d['series']}
sys.exit(0 if d['command'] == 'run' and s['random']['external'] is None and s['exec-random_search']['external'] else 1)"
    check 0 "" mo --table "$T" --dataset cifar10 --device edgegpu --runs 3 --json -o "$tmp/mo.h5" --strategy-exec "$PY python/examples/rea.py"
    ok_if "mo --strategy-exec: the external series is recorded" grep -qF '"strategy":"exec-rea","external":true' "$tmp/out"
else
    echo "skip cli: /usr/bin/python3 missing: the Python children are not run"
fi
finish
