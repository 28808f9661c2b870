#!/bin/sh
# make bench: benchmarks written to bench/results/BENCH.md with the machine
# described. Ratios and rates come from one run on this machine; these
# machines are shared and noisy, so medians of repeated fresh processes are
# reported where a single number would wobble.
set -e
BUILD=${1:-build}
NASTAB=$BUILD/nastab
TABLE=$BUILD/nb201.h5
OUT=bench/results/BENCH.md
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
val() { grep "^$1=" "$2" | tail -1 | cut -d= -f2; }

echo "nastab bench: machine"
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
cores=$(nproc)
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)
cc_ver=$(${CC:-cc} --version | head -1)
$NASTAB bench blas > "$tmp/blas"
hdf5_ver=$(dpkg-query -W -f='${Version}' libhdf5-dev 2>/dev/null || echo unknown)
obl_ver=$(dpkg-query -W -f='${Version}' libopenblas-dev 2>/dev/null || echo unknown)

echo "nastab bench: table open (fresh process, 11 runs)"
: > "$tmp/open_ms"; : > "$tmp/open_rss"
for i in 1 2 3 4 5 6 7 8 9 10 11; do
    $NASTAB bench open "$TABLE" > "$tmp/open"
    val open_to_first_query_ms "$tmp/open" >> "$tmp/open_ms"
    val peak_rss_mb "$tmp/open" >> "$tmp/open_rss"
done
open_ms=$(median < "$tmp/open_ms")
open_max=$(sort -n "$tmp/open_ms" | tail -1)
open_rss=$(sort -n "$tmp/open_rss" | tail -1)

echo "nastab bench: random queries (one core, 3 runs)"
: > "$tmp/qps"
for i in 1 2 3; do
    $NASTAB bench query "$TABLE" --queries 20000000 > "$tmp/q"
    val queries_per_second "$tmp/q" >> "$tmp/qps"
done
qps=$(median < "$tmp/qps")
q_rss=$(val peak_rss_mb "$tmp/q")
q_cols=$(val columns "$tmp/q")

echo "nastab bench: strategy comparison (4 datasets x random,rea,reinforce,bohb x 500 runs)"
run_cmd() {
    /usr/bin/time -f "%e %M" -o "$tmp/time_$1" $NASTAB --quiet run --table "$TABLE" \
        --dataset cifar10-valid,cifar10,cifar100,ImageNet16-120 --strategy random,rea,reinforce,bohb \
        --runs 500 --seed 0 --threads "$1" -o "$tmp/res_$1.h5" > /dev/null
    $NASTAB report "$tmp/res_$1.h5" --format csv > "$tmp/csv_$1"
}
run_cmd 1
run_cmd 2
t1=$(cut -d' ' -f1 "$tmp/time_1"); rss1=$(cut -d' ' -f2 "$tmp/time_1")
t2=$(cut -d' ' -f1 "$tmp/time_2")
if cmp -s "$tmp/csv_1" "$tmp/csv_2"; then same=yes; else same=NO; fi

echo "nastab bench: external-strategy protocol (cifar10, 500 runs, one thread, 3 repeats each)"
# Each row: the search's wall time from `run --json` (elapsed_s: the child's
# start, its hello, every run) and the CPU time (user + system) of nastab and
# the child together, medians of 3, and the evaluations (= asks answered with
# an architecture; each is followed by one tell) summed over the 500 runs.
PY=/usr/bin/python3
${CC:-cc} -O2 -o "$tmp/minimal_child" bench/exec/minimal_child.c
exec_row() { # label, then run arguments; prints "| label | evals | wall | cpu | asks+tells/s |"
    label=$1; shift
    : > "$tmp/ex_s"; : > "$tmp/ex_cpu"
    for i in 1 2 3; do
        /usr/bin/time -f "%U %S" -o "$tmp/ex_time" $NASTAB --quiet run --table "$TABLE" --dataset cifar10 --runs 500 --seed 0 --threads 1 \
            --json -o "$tmp/ex.h5" "$@" > "$tmp/ex.json"
        rm -f "$tmp/ex.h5"
        awk -F'"elapsed_s":' '{split($2, a, ","); print a[1]}' "$tmp/ex.json" >> "$tmp/ex_s"
        awk '{print $1 + $2}' "$tmp/ex_time" >> "$tmp/ex_cpu"
    done
    ev=$(awk -F'"evals_mean":' '{split($2, a, ","); printf "%.0f", a[1] * 500}' "$tmp/ex.json")
    es=$(median < "$tmp/ex_s")
    ec=$(median < "$tmp/ex_cpu")
    case "$*" in
    *--strategy-exec*) rate=$(awk -v e="$ev" -v s="$es" 'BEGIN { printf "%.0f", 2 * e / s }') ;;
    *) rate="(no protocol)" ;;
    esac
    printf '| %s | %s | %.2f s | %.2f s | %s |\n' "$label" "$ev" "$es" "$ec" "$rate"
}
{
    exec_row "minimal C child (bench/exec/minimal_child.c)" --strategy-exec "$tmp/minimal_child"
    if [ -x "$PY" ]; then
        exec_row "python/examples/random_search.py" --strategy-exec "$PY python/examples/random_search.py"
        exec_row "python/examples/rea.py" --strategy-exec "$PY python/examples/rea.py"
    else
        echo "| Python examples | not measured: /usr/bin/python3 missing | | |"
    fi
    exec_row "built-in C random" --strategy random
    exec_row "built-in C rea" --strategy rea
} > "$tmp/exec.md"
exec_load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "nastab bench: black-box strategies (bananas, gp-bo, rnn, ga x 500 runs on cifar10 at 1 and 2 threads; minutes)"
bb_same=yes
sh bench/bb-bench.sh "$BUILD" > "$tmp/bb.md" || bb_same=NO

echo "nastab bench: zero-cost proxies, CPU s per cell (about 2 CPU minutes)"
sh bench/zc-bench.sh "$BUILD" > "$tmp/zc.md" || echo "bench/zc-bench.sh failed" >&2

echo "nastab bench: C engine vs PyTorch (optional; ROUNDS=${ROUNDS:-1}, minutes)"
ROUNDS=${ROUNDS:-1} sh bench/torch/run.sh "$BUILD" > "$tmp/torch.md" || echo "bench/torch failed" >&2
echo "nastab bench: supernet, C engine vs PyTorch (optional; SUPERNET_ROUNDS=${SUPERNET_ROUNDS:-5}, about a minute)"
ROUNDS=${SUPERNET_ROUNDS:-5} sh bench/torch/run_supernet.sh "$BUILD" > "$tmp/supernet.md" || echo "bench/torch supernet failed" >&2

pass() { awk -v a="$1" -v b="$2" -v op="$3" 'BEGIN { if ((op=="<" && a<b) || (op==">=" && a>=b)) print "met"; else print "NOT met" }'; }

mkdir -p bench/results
{
    echo "# nastab benchmarks"
    echo
    echo "Written by \`make bench\` on $(date -u +%Y-%m-%dT%H:%M:%SZ), git $(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)."
    echo
    echo "## Machine"
    echo
    echo "| | |"
    echo "|---|---|"
    echo "| CPU | $cpu |"
    echo "| cores | $cores |"
    echo "| memory | $mem |"
    echo "| kernel | $(uname -sr) |"
    echo "| compiler | $cc_ver, flags -O2 -g (no -march=native) |"
    echo "| HDF5 | $hdf5_ver |"
    echo "| OpenBLAS | $obl_ver, kernel $(val openblas_corename "$tmp/blas") (OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}) |"
    echo
    echo "## Table store (NB201, $(du -h "$TABLE" | cut -f1) file)"
    echo
    echo "| measure | value | target | |"
    echo "|---|---|---|---|"
    echo "| open to first query (median of 11 fresh processes) | $open_ms ms (max $open_max) | < 20 ms | $(pass "$open_ms" 20 "<") |"
    echo "| peak RSS, open + first query | $open_rss MB | < 64 MB | $(pass "$open_rss" 64 "<") |"
    echo "| random metric queries, one core (median of 3 x 20M over $q_cols columns) | $qps /s | >= 10,000,000 /s | $(pass "$qps" 10000000 ">=") |"
    echo "| peak RSS with all $q_cols metric columns loaded | $q_rss MB | < 64 MB | $(pass "$q_rss" 64 "<") |"
    echo
    echo "For scale: the official NAS-Bench-201 Python API loads a ~2 GB pickle into ~28 GB of RAM in about a minute (figures from its documentation, not measured here)."
    echo
    echo "## Strategy comparison"
    echo
    echo "\`nastab run\` with random, rea, reinforce, bohb on the four datasets, 500 runs each (8000 searches), default budgets:"
    echo
    echo "| threads | wall time | peak RSS |"
    echo "|---|---|---|"
    echo "| 1 | $t1 s | $((rss1 / 1024)) MB |"
    echo "| 2 | $t2 s | |"
    echo
    echo "Results identical with 1 and 2 threads (CSV summaries compared byte for byte): **$same**."
    echo
    echo "## External-strategy protocol"
    echo
    echo "\`nastab run --strategy-exec\` (strategies/EXEC_PROTOCOL.md) against the built-in strategies: cifar10, 500 runs, default budget, one thread; wall time of the searches (\`run --json\` elapsed_s: child start, hello, every run), median of 3. Each evaluation is one ask (a round trip through the socket) and one tell (one way); asks+tells/s = 2 x evaluations / wall time. CPU time is that of nastab and the child together (user + system, whole process: it includes opening the table); on a loaded machine the wall time is mostly waiting for the other process to be scheduled (load average at the end: $exec_load on $cores cores)."
    echo
    echo "| strategy | evaluations (500 runs) | wall time | CPU time | asks+tells /s |"
    echo "|---|---:|---:|---:|---:|"
    cat "$tmp/exec.md"
    if [ -s "$tmp/bb.md" ]; then echo; cat "$tmp/bb.md"; fi
    if [ -s "$tmp/zc.md" ]; then echo; cat "$tmp/zc.md"; fi
    if [ -s "$tmp/torch.md" ]; then echo; cat "$tmp/torch.md"; fi
    if [ -s "$tmp/supernet.md" ]; then echo; cat "$tmp/supernet.md"; fi
} > "$OUT"
cat "$OUT"
[ "$same" = yes ] && [ "$bb_same" = yes ]
