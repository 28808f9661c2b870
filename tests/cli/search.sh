#!/bin/sh
# tests/cli/search.sh - `nastab search` (weight-sharing NAS): every method at
# the tiny preset writes a results file with the /ws series; a run killed
# with -9 and resumed gives the same numbers as an uninterrupted one; bad
# input: unknown method, a table without the dataset, --epochs 0, a missing
# data dir, a corrupt checkpoint. Uses tables/fmnist.h5 (the Fashion-MNIST
# table) and the Debian Fashion-MNIST files; skipped without them.
. "$(dirname "$0")/lib.sh"
F=tables/fmnist.h5
D=/usr/share/datasets/fashion-mnist
if [ ! -f "$F" ] || [ ! -d "$D" ]; then echo "skip cli: search ($F or $D missing)"; finish; fi

check 0 "" search --method darts-v1,darts-v2,gdas,rsps,spos,enas --table "$F" --preset tiny --runs 1 -o "$tmp/all.h5"
ok_if "search wrote /ws for every method" sh -c "h5ls -r '$tmp/all.h5' | grep -c '/ws/fashion-mnist/[a-z0-9-]*/probs' | grep -qx 6"
ok_if "search left no checkpoint" test ! -e "$tmp/all.h5.ckpt"
check 0 "" report "$tmp/all.h5" --format csv -o "$tmp/rep.csv"

# kill -9 mid-run, resume, compare with an uninterrupted run (seconds aside);
# gdas (alpha, Adam) and enas (the controller's parameters, Adam and baseline)
resume_same() { # method
    m=$1
    check 0 "" search --method $m --table "$F" --preset tiny --epochs 40 --runs 1 -o "$tmp/ref-$m.h5"
    "$N" search --method $m --table "$F" --preset tiny --epochs 40 --runs 1 -o "$tmp/res-$m.h5" > /dev/null 2>&1 &
    pid=$!
    i=0
    while [ ! -e "$tmp/res-$m.h5.ckpt" ] && [ $i -lt 400 ]; do sleep 0.02; i=$((i + 1)); done
    kill -9 $pid 2> /dev/null; wait $pid 2> /dev/null
    ok_if "$m: killed search left no results file" test ! -e "$tmp/res-$m.h5"
    ok_if "$m: the kill left a checkpoint to resume from" test -e "$tmp/res-$m.h5.ckpt"
    check 0 "" search --method $m --table "$F" --preset tiny --epochs 40 --runs 1 -o "$tmp/res-$m.h5"
    same=1
    for obj in series/fashion-mnist/$m/valid series/fashion-mnist/$m/test ws/fashion-mnist/$m/arch \
             ws/fashion-mnist/$m/super_valid ws/fashion-mnist/$m/probs; do
        h5dump -d "/$obj" "$tmp/ref-$m.h5" | tail -n +3 > "$tmp/a" || same=0
        h5dump -d "/$obj" "$tmp/res-$m.h5" | tail -n +3 > "$tmp/b" || same=0
        cmp -s "$tmp/a" "$tmp/b" || same=0
    done
    ok_if "$m: resumed search equals the uninterrupted one" test $same = 1
}
resume_same gdas
resume_same enas

# bad input
check 2 "known: darts-v1" search --method dartz --table "$F" -o "$tmp/x.h5"
check 2 "--epochs" search --method gdas --table "$F" --epochs 0 -o "$tmp/x.h5"
check 2 "--arch-lr" search --method gdas --table "$F" --arch-lr 0 -o "$tmp/x.h5"
check 2 "missing --table" search --method gdas -o "$tmp/x.h5"
check 1 "no dataset 'cifar10'" search --method gdas --table "$F" --dataset cifar10 -o "$tmp/x.h5"
check 1 "nowhere" search --method gdas --table "$F" --preset tiny --data-dir "$tmp/nowhere" -o "$tmp/x.h5"
check 1 "not an HDF5" search --method gdas --table "$tmp/garbage.h5" -o "$tmp/x.h5"
printf 'garbage checkpoint bytes, long enough to have a header and a crc ......\n' > "$tmp/y.h5.ckpt"
check 1 "corrupt" search --method gdas --table "$F" --preset tiny -o "$tmp/y.h5"
ok_if "no results file after failures" sh -c "test ! -e '$tmp/x.h5' && test ! -e '$tmp/y.h5'"
finish
