#!/bin/sh
# bench/bb-bench.sh BUILD: the cost of the model-based and controller
# strategies of issue 13 (bananas, gp-bo, rnn, ga): a 500-run comparison of
# each on one dataset at 1 and 2 threads, wall and CPU time, and whether the
# results are the same at both thread counts. Prints a Markdown section for
# bench/results/BENCH.md (make bench appends it there); exits 1 when a
# strategy's results differ between 1 and 2 threads.
#   BB_RUNS (default 500), BB_DATASET (default cifar10), BB_STRATEGIES
#   (default "bananas gp-bo rnn ga") change what is run; the section says
#   what was.
# Target (issue 13): a 500-run comparison of bananas on one dataset in under
# a minute of wall time on 2 cores; the others are held to the same bar.
set -e
BUILD=${1:-build}
NASTAB=$BUILD/nastab
TABLE=$BUILD/nb201.h5
RUNS=${BB_RUNS:-500}
DATASET=${BB_DATASET:-cifar10}
STRATS=${BB_STRATEGIES:-bananas gp-bo rnn ga}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

load0=$(cut -d' ' -f1-3 /proc/loadavg)
for s in $STRATS; do
    for t in 1 2; do
        echo "nastab bench: $s, $RUNS runs on $DATASET, $t thread(s)" >&2
        /usr/bin/time -f "%e %U %S" -o "$tmp/time_${s}_$t" $NASTAB --quiet run --table "$TABLE" \
            --dataset "$DATASET" --strategy "$s" --runs "$RUNS" --seed 0 --threads "$t" \
            -o "$tmp/res_${s}_$t.h5" > /dev/null
        $NASTAB report "$tmp/res_${s}_$t.h5" --format csv > "$tmp/csv_${s}_$t"
    done
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

ok=yes
echo "## Black-box strategies: cost of a $RUNS-run comparison"
echo
echo "\`nastab run --dataset $DATASET --strategy S --runs $RUNS --seed 0 --threads T\` (default budget),"
echo "one strategy at a time, by \`bench/bb-bench.sh\` (niceness $(nice)). CPU = user + system seconds of the process."
echo "Load average on the $(nproc) cores: $load0 before, $load1 after (other processes share"
echo "the machine when it is above 0; wall times then overstate the cost, CPU times much less so)."
echo "Target (issue 13): wall time under 60 s at 2 threads (for bananas; the others held to the same bar)."
echo
echo "| strategy | threads | wall time | CPU time | CPU per run | same results as 1 thread | target | |"
echo "|---|---|---|---|---|---|---|---|"
for s in $STRATS; do
    for t in 1 2; do
        set -- $(cat "$tmp/time_${s}_$t")
        wall=$1
        cpu=$(awk -v u="$2" -v k="$3" 'BEGIN { printf "%.2f", u + k }')
        per=$(awk -v c="$cpu" -v r="$RUNS" 'BEGIN { printf "%.3f", c / r }')
        if [ "$t" = 1 ]; then
            same="-"
            target="-"
            verdict=""
        else
            if cmp -s "$tmp/csv_${s}_1" "$tmp/csv_${s}_2"; then same=yes; else same=NO; ok=NO; fi
            target="< 60 s wall"
            verdict=$(awk -v w="$wall" 'BEGIN { if (w < 60) print "met"; else print "NOT met" }')
            [ "$RUNS" = 500 ] || verdict="n/a ($RUNS runs, not 500)"
        fi
        echo "| $s | $t | $wall s | $cpu s | $per s | $same | $target | $verdict |"
    done
done
[ "$ok" = yes ]
