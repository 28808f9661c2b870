#!/bin/sh
# bench/torch/run_supernet.sh - the engine's weight-sharing supernet
# (`nastab bench supernet`, nn/SUPERNET.md) against the same supernet in
# PyTorch (bench/torch/supernet.py), one thread each, same data shape: the
# search's proxy preset (C=8, N=1, 1x14x14, batch 64, 10 classes). For each
# mode (mixed: DARTS; path: SPOS/RSPS, the same cell sequence on both sides)
# the two run alternately ROUNDS times as fresh processes (engine, torch,
# engine, torch, ...), each with WARMUP untimed repeats then REPEATS timed
# repeats of STEPS steps; the medians over rounds of each process's median
# are compared. Prints a Markdown section on stdout; progress goes to stderr.
#
#   bench/torch/run_supernet.sh [BUILD]     (default build)
#   env: ROUNDS (5), STEPS (10), REPEATS (3), WARMUP (2), PY (/usr/bin/python3)
#
# Skipped with a message (exit 0) when PyTorch is not importable; run.sh
# installs it when it can.
set -e
BUILD=${1:-build}
ROUNDS=${ROUNDS:-5}
STEPS=${STEPS:-10}
REPEATS=${REPEATS:-3}
WARMUP=${WARMUP:-2}
PY=${PY:-/usr/bin/python3}
HERE=$(dirname "$0")

if ! $PY -c 'import torch' 2>/dev/null; then
    echo "bench/torch: PyTorch not available for $PY; supernet comparison skipped" >&2
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
val() { grep "^$1=" "$2" | tail -1 | cut -d= -f2-; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

args="--channels 8 --cells 1 --in-ch 1 --size 14 --classes 10 --batch 64 --steps $STEPS --repeats $REPEATS --warmup $WARMUP --threads 1"
rows="$tmp/rows"
: > "$rows"
for mode in mixed path; do
    for side in c t; do : > "$tmp/$side.cpu"; : > "$tmp/$side.wall"; done
    r=1
    while [ "$r" -le "$ROUNDS" ]; do
        echo "bench/torch: supernet $mode round $r/$ROUNDS ($(cut -d' ' -f1 /proc/loadavg) load)" >&2
        # shellcheck disable=SC2086
        "$BUILD/nastab" bench supernet --mode "$mode" $args > "$tmp/c.out"
        # shellcheck disable=SC2086
        (cd "$HERE" && $PY supernet.py --mode "$mode" $args) > "$tmp/t.out"
        for side in c t; do
            val train_cpu_images_per_s "$tmp/$side.out" >> "$tmp/$side.cpu"
            val train_images_per_s "$tmp/$side.out" >> "$tmp/$side.wall"
        done
        r=$((r + 1))
    done
    cp "$tmp/c.out" "$tmp/c.last"; cp "$tmp/t.out" "$tmp/t.last"
    cp_=$(val params "$tmp/c.out"); tp_=$(val params "$tmp/t.out")
    [ "$cp_" = "$tp_" ] || echo "bench/torch: WARNING: supernet $mode: parameter counts differ (engine $cp_, torch $tp_)" >&2
    cc=$(median < "$tmp/c.cpu"); tc=$(median < "$tmp/t.cpu")
    cw=$(median < "$tmp/c.wall"); tw=$(median < "$tmp/t.wall")
    echo "| $mode | $cp_ | $cc | $tc | **$(ratio "$cc" "$tc")** | $cw | $tw | $(ratio "$cw" "$tw") |" >> "$rows"
done

echo "## Weight-sharing supernet: C engine vs PyTorch (one thread)"
echo
echo "The NB201 supernet of \`nastab search\` (nn/SUPERNET.md: every edge holds all five ops, non-affine batch norm in the cell ops, alpha shared by the cells) at the search's proxy preset (C=8, N=1, 1x14x14, 10 classes, batch 64), built identically in PyTorch (bench/torch/supernet.py; same parameter count). One training step: forward, cross-entropy, backward, gradient clipping at norm 5, SGD Nesterov over all supernet weights. mixed: DARTS's softmax(alpha)-weighted sum of all ops on every edge, with d loss / d alpha; path: one op per edge, a new cell every step (SPOS, RSPS), the same cell sequence on both sides. Random data. Each side runs as a fresh process, alternating, $ROUNDS rounds of $WARMUP warm-up + $REPEATS timed repeats of $STEPS steps; medians. Ratio: engine images/s over PyTorch's (> 1: the engine is faster); process CPU time first (least distorted by other processes on a shared machine), then wall time."
echo
echo "- engine: direct convolution path $(val conv_simd "$tmp/c.last"), OpenBLAS kernel $(val openblas_corename "$tmp/c.last") (OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}), 1 engine thread"
echo "- PyTorch $(val torch_version "$tmp/t.last"), torch.set_num_threads(1), mkldnn (oneDNN) $(val torch_mkldnn "$tmp/t.last"), BLAS $(val torch_blas "$tmp/t.last")"
echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
echo
echo "| mode | params | engine train img/s (CPU) | torch train img/s (CPU) | ratio | engine img/s (wall) | torch img/s (wall) | wall ratio |"
echo "|---|---|---|---|---|---|---|---|"
cat "$rows"
echo
echo "Target: ratio >= 1.0 in both modes."
