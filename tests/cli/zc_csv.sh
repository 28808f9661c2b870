#!/bin/sh
# tests/cli/zc_csv.sh - shipped proxy columns: `make table` put
# tables/data/nb201-zc-cifar10.csv.gz into the NB201 table as /zc/cifar10 and
# /zc/cifar10-valid (`tables proxies --from-csv`); `--to-csv` gives the same
# rows back; a file computed at another shape, a truncated or foreign file,
# both options at once are refused with the table untouched.
. "$(dirname "$0")/lib.sh"
Z=tables/data/nb201-zc-cifar10.csv.gz
cp "$T" "$tmp/t.h5"
check 0 "" tables proxies "$tmp/t.h5" --dataset cifar10 --to-csv "$tmp/c10.csv.gz"
ok_if "--to-csv of the built table gives the shipped rows" \
    sh -c "gzip -dc '$Z' | grep -v '^#' > '$tmp/a'; gzip -dc '$tmp/c10.csv.gz' | grep -v '^#' > '$tmp/b'; cmp -s '$tmp/a' '$tmp/b'"
gzip -dc "$tmp/c10.csv.gz" | grep '^# attrs synflow' > "$tmp/attrs"
ok_if "--to-csv keeps the attributes, the import adds a note" test "$(cat "$tmp/attrs")" = \
    "# attrs synflow: input=none; batch=64; seed=0; seconds_per_cell=0.16081286297757499; shape=C=16 N=5 3x32x32 10 classes; note=imported from nb201-zc-cifar10.csv.gz"
check 0 "" tables export "$tmp/t.h5" --format csv --dataset cifar10-valid --columns zc/synflow
ok_if "cifar10-valid has synflow for every cell" test "$(awk -F, 'NR > 1 && $3 != ""' "$tmp/out" | wc -l)" -eq 15625
sum0=$(cksum < "$tmp/t.h5")
check 1 "computed at shape 'C=16 N=5 3x32x32 10 classes'" tables proxies "$tmp/t.h5" --dataset cifar100 --from-csv "$Z"
gzip -dc "$Z" | head -n 500 | gzip > "$tmp/trunc.csv.gz"
check 1 "rows for 15625 architectures" tables proxies "$tmp/t.h5" --dataset cifar10 --from-csv "$tmp/trunc.csv.gz"
check 1 "first line is not" tables proxies "$tmp/t.h5" --dataset cifar10 --from-csv "$tmp/garbage.h5"
gzip -dc "$Z" | sed 's/^# archs: 15625/# archs: 15624/' | gzip > "$tmp/n.csv.gz"
check 1 "with 15624 architectures" tables proxies "$tmp/t.h5" --dataset cifar10 --from-csv "$tmp/n.csv.gz"
gzip -dc "$Z" | sed '100s/,[0-9]*,/,x,/' | gzip > "$tmp/bad.csv.gz"
check 1 ":100: expected index and 3 numbers" tables proxies "$tmp/t.h5" --dataset cifar10 --from-csv "$tmp/bad.csv.gz"
check 1 "cannot open" tables proxies "$tmp/t.h5" --dataset cifar10 --from-csv "$tmp/absent.csv.gz"
check 2 "--to-csv and --from-csv together" tables proxies "$tmp/t.h5" --dataset cifar10 --from-csv "$Z" --to-csv "$tmp/x"
check 1 "no proxy column /zc/cifar100/grasp" tables proxies "$tmp/t.h5" --dataset cifar100 --proxies grasp --to-csv "$tmp/x.csv"
ok_if "refused imports leave the table untouched" test "$(cksum < "$tmp/t.h5")" = "$sum0"
ok_if "a refused export leaves no file" test ! -e "$tmp/x.csv"
check 0 "" tables verify "$tmp/t.h5"
finish
