#!/bin/sh
# tests/cli/proxies.sh - `nastab tables proxies` and `nastab proxies-report` on a copy of
# tables/fmnist.h5 (first 3 classes only): columns written with the checksum updated,
# resumable (an existing column is skipped), bad input refused with the table untouched.
. "$(dirname "$0")/lib.sh"
cp tables/fmnist.h5 "$tmp/f.h5"
sum0=$(cksum < "$tmp/f.h5")
check 2 "unknown proxy 'nope'" tables proxies "$tmp/f.h5" --dataset fashion-mnist --proxies synflow,nope
check 1 "has no dataset 'cifar10'" tables proxies "$tmp/f.h5" --dataset cifar10
check 1 "" tables proxies "$tmp/f.h5" --dataset fashion-mnist --data-dir "$tmp" --limit 2
ok_if "bad input leaves the table untouched" test "$(cksum < "$tmp/f.h5")" = "$sum0"
check 0 "" tables proxies "$tmp/f.h5" --dataset fashion-mnist --proxies synflow,params,nwot --batch 8 --limit 3 --threads 2
ok_if "checksum verifies after the proxy columns" "$N" tables verify "$tmp/f.h5"
out=$("$N" tables proxies "$tmp/f.h5" --dataset fashion-mnist --proxies synflow --limit 3 2>&1)
ok_if "an existing column is skipped (resume)" sh -c "echo '$out' | grep -q 'exists'"
check 0 "" proxies-report "$tmp/f.h5" -o "$tmp/rep"
ok_if "report lists synflow" grep -q "^fashion-mnist,synflow,none," "$tmp/rep/proxies.csv"
ok_if "nwot column records its input" grep -q "^fashion-mnist,nwot,training images," "$tmp/rep/proxies.csv"
finish
