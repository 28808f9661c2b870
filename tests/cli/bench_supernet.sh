#!/bin/sh
# tests/cli/bench_supernet.sh - `nastab bench supernet` (the supernet's
# training speed, bench/torch/run_supernet.sh): both modes run and print the
# supernet's parameter count, the loss hash is the same at 1 and 2 threads
# (the timed steps compute the same numbers), mixed mode reports a nonzero
# arch gradient; bad options exit 2 naming the option. When PyTorch is
# importable, bench/torch/supernet.py builds the same parameter count.
. "$(dirname "$0")/lib.sh"
A="--batch 8 --steps 2 --repeats 1 --warmup 0"
for m in mixed path; do
    # shellcheck disable=SC2086
    check 0 "" bench supernet --mode $m $A --threads 1
    cp "$tmp/out" "$tmp/$m.1"
    # shellcheck disable=SC2086
    check 0 "" bench supernet --mode $m $A --threads 2
    cp "$tmp/out" "$tmp/$m.2"
    ok_if "bench supernet $m: params=99234 at the proxy shape" grep -qx "params=99234" "$tmp/$m.1"
    ok_if "bench supernet $m: same loss hash at 1 and 2 threads" \
        sh -c "grep '^loss_fnv1a=' '$tmp/$m.1' > '$tmp/h1' && grep '^loss_fnv1a=' '$tmp/$m.2' | cmp -s - '$tmp/h1'"
done
ok_if "bench supernet mixed: nonzero arch gradient" sh -c "grep '^arch_grad_l1=' '$tmp/mixed.1' | grep -qv '=0$'"
ok_if "bench supernet path: no arch gradient line" sh -c "! grep -q '^arch_grad_l1=' '$tmp/path.1'"
check 2 "--mode must be mixed or path" bench supernet
check 2 "--mode must be mixed or path (got fast)" bench supernet --mode fast
check 2 "--steps" bench supernet --mode path --steps 0
check 2 "--channels" bench supernet --mode path --channels x
PY=/usr/bin/python3
if [ -x "$PY" ] && "$PY" -c 'import torch' 2> /dev/null; then
    for m in mixed path; do
        # shellcheck disable=SC2086
        (cd bench/torch && "$PY" supernet.py --mode $m $A) > "$tmp/t.$m" 2> "$tmp/t.err"
        ok_if "bench/torch/supernet.py $m: same parameter count as the engine" grep -qx "params=99234" "$tmp/t.$m"
    done
else
    echo "skip cli: bench/torch/supernet.py (no PyTorch for $PY)"
fi
finish
