#!/bin/sh
# bench/zc-bench.sh BUILD: the cost of the zero-cost proxies (nn/PROXIES.md), CPU seconds
# per cell for each proxy alone and for all twelve together, at NB201's CIFAR-10 shape
# (C=16 N=5 3x32x32, on a copy of build/nb201.h5) and at tables/fmnist.h5's preset, on
# the first ZC_CELLS (default 6) and ZC_FMNIST_CELLS (default 40) classes, one thread.
# The number is what `nastab tables proxies` prints and stores as seconds_per_cell: the
# worker's thread CPU time / classes. Prints a Markdown section for
# bench/results/BENCH.md (make bench appends it there). About 2 CPU minutes.
set -e
BUILD=${1:-build}
NASTAB=$BUILD/nastab
K=${ZC_CELLS:-6}
KF=${ZC_FMNIST_CELLS:-40}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$BUILD/nb201.h5" "$tmp/nb201.h5"
cp tables/fmnist.h5 "$tmp/fmnist.h5"
PROXIES="synflow snip grasp fisher grad_norm jacob_cov nwot zen plain l2_norm params flops"

cost() { # table dataset classes proxies -> "seconds_per_cell input"
    echo "nastab bench: proxies $4 on $2, $3 classes" >&2
    $NASTAB --quiet tables proxies "$1" --dataset "$2" --proxies "$4" --limit "$3" --threads 1 --replace > "$tmp/o"
    awk '/CPU s per cell/ { for (i = 1; i <= NF; i++) if ($i == "CPU" && $(i+1) == "s") print $(i-1) }' "$tmp/o"
}
load0=$(cut -d' ' -f1-3 /proc/loadavg)
for p in $PROXIES; do
    echo "$p $(cost "$tmp/nb201.h5" cifar10 "$K" "$p") $(cost "$tmp/fmnist.h5" fashion-mnist "$KF" "$p")" >> "$tmp/rows"
done
all=$(echo $PROXIES | tr ' ' ',')
echo "all twelve together $(cost "$tmp/nb201.h5" cifar10 "$K" "$all") $(cost "$tmp/fmnist.h5" fashion-mnist "$KF" "$all")" >> "$tmp/rows"
load1=$(cut -d' ' -f1-3 /proc/loadavg)
shape_n=$(grep -o 'C=16 N=5 [^:]*classes' "$tmp/o" || true)
echo "## Zero-cost proxies: CPU seconds per cell"
echo
echo "\`nastab tables proxies T --dataset D --proxies P --limit K --threads 1 --replace\` on copies of the"
echo "tables, by \`bench/zc-bench.sh\` (niceness $(nice)): the thread CPU time of the worker per class, as the"
echo "command prints it and stores it in the column's seconds_per_cell. NB201 = build/nb201.h5's cifar10"
echo "(C=16 N=5, 3x32x32, 10 classes; the batch N(0,1): no CIFAR-10 images here), first $K classes;"
echo "fmnist = tables/fmnist.h5's preset (C=4 N=1, 1x14x14, Fashion-MNIST training images when"
echo "present), first $KF classes. Batch 64. Each proxy alone includes building the network and the"
echo "forward pass it needs, so the rows add up to more than \"all twelve together\". Load average on"
echo "the $(nproc) cores: $load0 before, $load1 after (a shared machine: CPU times are what to read)."
echo
echo "| proxy | NB201 CPU s / cell | fmnist CPU s / cell |"
echo "|---|---:|---:|"
awk '{ n = NF; printf "| %s", $1; for (i = 2; i <= n - 2; i++) printf " %s", $i; printf " | %s | %s |\n", $(n-1), $n }' "$tmp/rows"
echo
echo "The shipped NB201 columns (synflow, params, flops of all 6466 classes, tables/data/PROVENANCE.md)"
echo "took 0.1608 CPU s per class, 1000 CPU s in all, on 2 threads. l2_norm needs no data, yet alone it"
echo "costs a forward and backward pass: nn/proxies.c computes it with snip, grad_norm and plain from"
echo "one gradient pass (zen's cost is its own two forward passes)."
