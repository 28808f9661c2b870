#!/bin/sh
# bench/probe/check.sh BUILD - build the latency probe for the host (OpenBLAS)
# and for aarch64 (static, plain-loop sgemm shim, no OpenBLAS), run the
# aarch64 binary under qemu-user, and check that
#   1. it computes the same network: its logits on a few architectures equal
#      the host build's within 1e-4 (atol) + 1e-4 * |host| (rtol);
#   2. its timing CSV is accepted by `nastab tables add-column` on a copy of
#      BUILD/nb201.h5, and the table still verifies.
# Needs: gcc-aarch64-linux-gnu (with libc6-dev-arm64-cross) and qemu-user.
# Without them it says so and exits 0 (skipped), unless PROBE_INSTALL=1
# (installs them with apt-get, as root) or PROBE_REQUIRE=1 (exits 1).
# Prints "N passed, N failed" last; exits non-zero on failure.
BUILD=${1:-build}
CROSS=${CROSS:-aarch64-linux-gnu-gcc}
QEMU=${QEMU:-qemu-aarch64}
if ! command -v "$CROSS" > /dev/null 2>&1 || ! command -v "$QEMU" > /dev/null 2>&1; then
    if [ "${PROBE_INSTALL:-0}" = 1 ]; then
        apt-get install -y --no-install-recommends gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user ||
            { echo "probe-check: apt-get install failed"; exit 1; }
    else
        echo "probe-check: SKIPPED: $CROSS or $QEMU not found;"
        echo "  install: apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user"
        echo "  (or run with PROBE_INSTALL=1)"
        [ "${PROBE_REQUIRE:-0}" = 1 ] && exit 1
        exit 0
    fi
fi
N="$BUILD/nastab"
T="$BUILD/nb201.h5"
if [ ! -x "$N" ] || [ ! -f "$T" ]; then
    echo "probe-check: needs $N and $T (make $N $T)"; exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ENGINE="core/alloc.c core/file.c core/log.c core/parse.c core/rng.c core/status.c
        spaces/canonical.c spaces/encode.c spaces/nb201.c spaces/nb201_def.c spaces/space.c
        nn/net.c nn/conv2d.c nn/conv_direct.c nn/batchnorm.c nn/pool.c nn/linear.c nn/loss.c
        nn/parallel.c nn/ref.c nn/latency.c nn/latency_sample.c"
FLAGS="-std=c11 -O2 -g -Wall -Wextra -Wshadow -Wno-unused-parameter -D_POSIX_C_SOURCE=200809L
       -D_DEFAULT_SOURCE -pthread -I."
pass=0; fail=0
ok_if() { # description, then a command
    d=$1; shift
    if "$@"; then echo "ok   probe: $d"; pass=$((pass + 1)); else echo "FAIL probe: $d"; fail=$((fail + 1)); fi
}

# shellcheck disable=SC2086
ok_if "host build (OpenBLAS)" cc $FLAGS $(pkg-config --cflags openblas) -o "$tmp/probe-host" \
    bench/probe/probe.c $ENGINE $(pkg-config --libs openblas) -lm
# shellcheck disable=SC2086
ok_if "aarch64 build (static, sgemm shim)" "$CROSS" $FLAGS -static -Inn/blas_shim \
    -o "$tmp/probe-aarch64" bench/probe/probe.c nn/blas_shim/refblas.c $ENGINE -lm
ok_if "the aarch64 binary is an ARM aarch64 executable" \
    sh -c "file '$tmp/probe-aarch64' 2>/dev/null | grep -q 'ARM aarch64' || ! command -v file > /dev/null"

# A plan of 4 architectures from the table (the sample of `nastab latency`).
"$N" --quiet latency --table "$T" --device probe --sample 4 --seed 3 --plan-out "$tmp/plan.csv" > /dev/null
ok_if "plan written (header + 4 rows)" test "$(wc -l < "$tmp/plan.csv" 2>/dev/null)" -eq 5

# 1. Same logits (tiny network: C=4, N=1; qemu is slow).
SMALL="--channels 4 --cells 1"
"$tmp/probe-host" "$tmp/plan.csv" $SMALL --logits -o "$tmp/host.txt" 2> "$tmp/err"
"$QEMU" "$tmp/probe-aarch64" "$tmp/plan.csv" $SMALL --logits -o "$tmp/arm.txt" 2>> "$tmp/err"
"$tmp/probe-host" "$tmp/plan.csv" $SMALL --logits --reference -o "$tmp/ref.txt" 2>> "$tmp/err"
cmp_logits() { # a b: same rows, every value within atol 1e-4 + rtol 1e-4
    awk -F, 'NR == FNR { for (i = 1; i <= NF; i++) v[FNR, i] = $i; n[FNR] = NF; rows = FNR; next }
             { if (NF != n[FNR] || $1 != v[FNR, 1]) bad = 1
               for (i = 2; i <= NF; i++) { d = $i - v[FNR, i]; if (d < 0) d = -d
                   t = v[FNR, i]; if (t < 0) t = -t; if (d > 1e-4 + 1e-4 * t) bad = 1 } }
             END { exit (bad || FNR != rows || rows == 0) }' "$1" "$2"
}
ok_if "aarch64 logits equal the host's (4 archs, 1e-4)" cmp_logits "$tmp/host.txt" "$tmp/arm.txt"
ok_if "im2col+sgemm logits equal nn/ref.c loops (1e-4)" cmp_logits "$tmp/host.txt" "$tmp/ref.txt"

# 2. Timing under qemu (not a device latency: only that the path works end to end).
"$QEMU" "$tmp/probe-aarch64" "$tmp/plan.csv" $SMALL -o "$tmp/lat.csv" 2>> "$tmp/err"
ok_if "aarch64 timing CSV (header + 4 rows)" test "$(wc -l < "$tmp/lat.csv" 2>/dev/null)" -eq 5
cp "$T" "$tmp/t.h5"
ok_if "add-column accepts the probe's CSV" "$N" --quiet tables add-column "$tmp/t.h5" --csv "$tmp/lat.csv" \
    --name qemu_aarch64_latency_b1 --device qemu-aarch64 --batch 1 --source "bench/probe under qemu-user" \
    --note "qemu user-mode emulation: not a device latency; C=4 N=1"
ok_if "the table verifies after add-column" "$N" --quiet tables verify "$tmp/t.h5"
[ "$fail" -eq 0 ] || { echo "stderr of the probe runs:"; cat "$tmp/err"; }
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
