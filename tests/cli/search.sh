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

# kill -9 mid-run, resume, compare with an uninterrupted run (seconds aside)
check 0 "" search --method gdas --table "$F" --preset tiny --epochs 40 --runs 1 -o "$tmp/ref.h5"
"$N" search --method gdas --table "$F" --preset tiny --epochs 40 --runs 1 -o "$tmp/res.h5" > /dev/null 2>&1 &
pid=$!
i=0
while [ ! -e "$tmp/res.h5.ckpt" ] && [ $i -lt 400 ]; do sleep 0.02; i=$((i + 1)); done
kill -9 $pid 2> /dev/null; wait $pid 2> /dev/null
ok_if "killed search left no results file" test ! -e "$tmp/res.h5"
check 0 "" search --method gdas --table "$F" --preset tiny --epochs 40 --runs 1 -o "$tmp/res.h5"
same() {
    for obj in series/fashion-mnist/gdas/valid series/fashion-mnist/gdas/test ws/fashion-mnist/gdas/arch \
             ws/fashion-mnist/gdas/super_valid ws/fashion-mnist/gdas/probs; do
        h5dump -d "/$obj" "$tmp/ref.h5" | tail -n +3 > "$tmp/a" || return 1
        h5dump -d "/$obj" "$tmp/res.h5" | tail -n +3 > "$tmp/b" || return 1
        cmp -s "$tmp/a" "$tmp/b" || return 1
    done
}
ok_if "resumed search equals the uninterrupted one" same

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
