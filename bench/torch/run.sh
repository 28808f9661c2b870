#!/bin/sh
# bench/torch/run.sh - the C engine against PyTorch on the same NB201 networks,
# same data shape, same thread count (1), run side by side: for every
# (scale, cell) the two are run alternately ROUNDS times as fresh processes
# (engine, torch, engine, torch, ...) and the medians are compared, so load
# from other processes on a shared machine hits both sides alike.
# Prints a Markdown section on stdout; progress and notes go to stderr.
#
#   bench/torch/run.sh [BUILD]          (default build; uses BUILD/nastab bench engine)
#   env: ROUNDS (default 3), SCALES ("small full"), PY (/usr/bin/python3),
#        ENGINE (command that runs the engine benchmark, default "BUILD/nastab bench engine"),
#        BASE_ENGINE (optional: an older engine build run in the same rounds; its
#        ratios to PyTorch are added as a "before" column)
#
# PyTorch comes from Debian's python3-torch: installed with apt-get when
# missing and running as root; otherwise the comparison is skipped with a
# message (exit 0), since it is optional.
set -e
BUILD=${1:-build}
ROUNDS=${ROUNDS:-3}
SCALES=${SCALES:-"small full"}
PY=${PY:-/usr/bin/python3}
ENGINE=${ENGINE:-"$BUILD/nastab bench engine"}
HERE=$(dirname "$0")

if ! $PY -c 'import torch' 2>/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
        echo "bench/torch: installing python3-torch (apt-get)" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-torch > /dev/null 2>&1 || true
    fi
    if ! $PY -c 'import torch' 2>/dev/null; then
        echo "bench/torch: PyTorch not available for $PY (needs root to apt-get install python3-torch); comparison skipped" >&2
        exit 0
    fi
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
val() { grep "^$1=" "$2" | tail -1 | cut -d= -f2-; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

ALL3='|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|'
BEST='|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|'
MIXED='|nor_conv_1x1~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|avg_pool_3x3~2|'

scale_args() {
    case $1 in
    small) echo "--channels 8 --cells 1 --in-ch 1 --size 14 --classes 10 --batch 64 --steps 5 --repeats 3" ;;
    full) echo "--channels 16 --cells 5 --in-ch 3 --size 32 --classes 10 --batch 64 --steps 1 --repeats 3" ;;
    esac
}
scale_desc() {
    case $1 in
    small) echo "small (C=8, N=1, 1x14x14)" ;;
    full) echo "full NB201 (C=16, N=5, 3x32x32)" ;;
    esac
}

rows="$tmp/rows"; wrows="$tmp/wrows"
: > "$rows"; : > "$wrows"
keys="train_cpu_images_per_s infer_cpu_ms_b1 infer_cpu_ms_b64 train_images_per_s infer_ms_b1 infer_ms_b64"
sides="c t"
[ -n "$BASE_ENGINE" ] && sides="b c t"
for scale in $SCALES; do
    args=$(scale_args "$scale")
    for cell in all-conv3x3 nb201-best mixed; do
        case $cell in
        all-conv3x3) arch=$ALL3 ;;
        nb201-best) arch=$BEST ;;
        mixed) arch=$MIXED ;;
        esac
        for side in $sides; do for k in $keys; do : > "$tmp/$side.$k"; done; done
        r=1
        while [ "$r" -le "$ROUNDS" ]; do
            echo "bench/torch: $scale $cell round $r/$ROUNDS ($(cut -d' ' -f1 /proc/loadavg) load)" >&2
            # shellcheck disable=SC2086
            [ -n "$BASE_ENGINE" ] && $BASE_ENGINE --arch "$arch" $args --threads 1 > "$tmp/b.out"
            # shellcheck disable=SC2086
            $ENGINE --arch "$arch" $args --threads 1 > "$tmp/c.out"
            # shellcheck disable=SC2086
            $PY "$HERE/compare.py" --arch "$arch" $args --threads 1 > "$tmp/t.out"
            for side in $sides; do
                for k in $keys; do val "$k" "$tmp/$side.out" >> "$tmp/$side.$k"; done
            done
            r=$((r + 1))
        done
        cp "$tmp/c.out" "$tmp/c.last"; cp "$tmp/t.out" "$tmp/t.last"
        cp_=$(val params "$tmp/c.out"); tp_=$(val params "$tmp/t.out")
        [ "$cp_" = "$tp_" ] || echo "bench/torch: WARNING: $scale $cell: parameter counts differ (engine $cp_, torch $tp_)" >&2
        for side in $sides; do
            for k in $keys; do eval "${side}_$k=\$(median < \"\$tmp/\$side.\$k\")"; done
        done
        # shellcheck disable=SC2154
        line="| $(scale_desc "$scale") | $cell | $cp_ | $c_train_cpu_images_per_s | $t_train_cpu_images_per_s | **$(ratio "$c_train_cpu_images_per_s" "$t_train_cpu_images_per_s")** | $c_infer_cpu_ms_b1 | $t_infer_cpu_ms_b1 | **$(ratio "$t_infer_cpu_ms_b1" "$c_infer_cpu_ms_b1")** | $c_infer_cpu_ms_b64 | $t_infer_cpu_ms_b64 | **$(ratio "$t_infer_cpu_ms_b64" "$c_infer_cpu_ms_b64")** |"
        # shellcheck disable=SC2154
        [ -n "$BASE_ENGINE" ] && line="$line $(ratio "$b_train_cpu_images_per_s" "$t_train_cpu_images_per_s") / $(ratio "$t_infer_cpu_ms_b1" "$b_infer_cpu_ms_b1") / $(ratio "$t_infer_cpu_ms_b64" "$b_infer_cpu_ms_b64") |"
        echo "$line" >> "$rows"
        # shellcheck disable=SC2154
        echo "| $(scale_desc "$scale") | $cell | $c_train_images_per_s | $t_train_images_per_s | $(ratio "$c_train_images_per_s" "$t_train_images_per_s") | $c_infer_ms_b1 | $t_infer_ms_b1 | $(ratio "$t_infer_ms_b1" "$c_infer_ms_b1") | $c_infer_ms_b64 | $t_infer_ms_b64 | $(ratio "$t_infer_ms_b64" "$c_infer_ms_b64") |" >> "$wrows"
    done
done

echo "## C engine vs PyTorch (one thread)"
echo
echo "NB201 TinyNetwork built identically in both (same parameter count), batch 64 for training (forward, backward, SGD Nesterov step; images/s) and eval-mode inference latency at batch 1 and 64 (ms), random data of the dataset's shape, 10 classes. Each side runs as a fresh process, alternating, $ROUNDS rounds; medians. Ratios are engine speed / PyTorch speed (> 1: the engine is faster). The first table uses process CPU time, which the load from other processes on a shared machine distorts least; the second the wall time of the same runs."
echo
echo "- engine: direct convolution path $(val conv_simd "$tmp/c.last") (stride-1 convs), OpenBLAS kernel $(val openblas_corename "$tmp/c.last") (OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}; stride-2 convs and the classifier), 1 engine thread, OpenBLAS at 1 thread"
echo "- PyTorch $(val torch_version "$tmp/t.last") (Debian python3-torch), torch.set_num_threads(1), mkldnn (oneDNN) $(val torch_mkldnn "$tmp/t.last"), BLAS $(val torch_blas "$tmp/t.last")"
echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
echo "- cells: all-conv3x3 \`$ALL3\`; nb201-best \`$BEST\`; mixed \`$MIXED\`"
echo
if [ -n "$BASE_ENGINE" ]; then
    echo "| scale | cell | params | engine train img/s | torch train img/s | train ratio | engine b1 ms | torch b1 ms | b1 ratio | engine b64 ms | torch b64 ms | b64 ratio | before: train / b1 / b64 ratios |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
else
    echo "| scale | cell | params | engine train img/s | torch train img/s | train ratio | engine b1 ms | torch b1 ms | b1 ratio | engine b64 ms | torch b64 ms | b64 ratio |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
fi
cat "$rows"
echo
echo "Wall time, same runs:"
echo
echo "| scale | cell | engine train img/s | torch train img/s | train ratio | engine b1 ms | torch b1 ms | b1 ratio | engine b64 ms | torch b64 ms | b64 ratio |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
cat "$wrows"
echo
echo "Targets: ratios >= 1.0 at the small scale, >= 0.8 at the full NB201 scale."
