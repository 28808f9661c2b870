#!/bin/sh
# tests/cli/proxies.sh - `nastab tables proxies` and `nastab proxies-report` on a copy of
# tables/fmnist.h5 (first 3 classes only, --replace: the shipped table has all twelve): columns written with the checksum updated,
# resumable (an existing column is skipped), bad input refused with the table untouched;
# `nastab tables export --columns zc/<proxy>` reads them back.
. "$(dirname "$0")/lib.sh"
cp tables/fmnist.h5 "$tmp/f.h5"
sum0=$(cksum < "$tmp/f.h5")
check 2 "unknown proxy 'nope'" tables proxies "$tmp/f.h5" --dataset fashion-mnist --proxies synflow,nope
check 1 "has no dataset 'cifar10'" tables proxies "$tmp/f.h5" --dataset cifar10
check 1 "" tables proxies "$tmp/f.h5" --dataset fashion-mnist --data-dir "$tmp" --limit 2
ok_if "bad input leaves the table untouched" test "$(cksum < "$tmp/f.h5")" = "$sum0"
check 0 "" tables proxies "$tmp/f.h5" --dataset fashion-mnist --proxies synflow,params,nwot --batch 8 --limit 3 --threads 2 --replace
ok_if "checksum verifies after the proxy columns" "$N" tables verify "$tmp/f.h5"
out=$("$N" tables proxies "$tmp/f.h5" --dataset fashion-mnist --proxies synflow --limit 3 2>&1)
ok_if "an existing column is skipped (resume)" sh -c "echo '$out' | grep -q 'exists'"
check 0 "" tables export "$tmp/f.h5" --format csv --dataset fashion-mnist --columns zc/synflow
ok_if "export zc/synflow: header index,arch,zc/synflow" test "$(head -1 "$tmp/out")" = "index,arch,zc/synflow"
ok_if "export zc/synflow: one row per architecture" test "$(wc -l < "$tmp/out")" -eq 15626
ok_if "export zc/synflow: the 3 computed classes have values" \
    test "$(awk -F, 'NR > 1 && $3 != ""' "$tmp/out" | wc -l)" -ge 3
"$N" tables export "$tmp/f.h5" --columns zc/fashion-mnist/synflow > "$tmp/out2"
ok_if "export zc/<dataset>/<proxy> gives the same values" \
    sh -c "cut -d, -f3 '$tmp/out' | tail -n +2 > '$tmp/a'; cut -d, -f3 '$tmp/out2' | tail -n +2 > '$tmp/b'; cmp -s '$tmp/a' '$tmp/b'"
# the NB201 table ships synflow, params and flops only
check 2 "has no /zc/cifar10/grasp" tables export "$T" --dataset cifar10 --columns zc/grasp
check 0 "" proxies-report "$tmp/f.h5" -o "$tmp/rep"
ok_if "report lists synflow" grep -q "^fashion-mnist,synflow,none," "$tmp/rep/proxies.csv"
ok_if "nwot column records its input" grep -q "^fashion-mnist,nwot,training images," "$tmp/rep/proxies.csv"
finish
