#!/bin/sh
# nn/cuda/check.sh [OUTDIR] - build the GPU inference path (nn/cuda) with nvcc
# and, where a CUDA device exists, compare its logits with the CPU engine's
# on 5 cells and measure its latency at batch 1 and 64 (nn/cuda/cuda_check.c).
# Without nvcc: says so and exits 0 (skipped). With nvcc but no GPU: builds
# (so the code keeps compiling), says the run is skipped, exits 0.
# CUDA_BUILD_ONLY=1: build only. Prints "N passed, N failed" last.
OUT=${1:-build/cuda}
NVCC=$(command -v "${NVCC:-nvcc}" || command -v /usr/local/cuda/bin/nvcc || echo "${NVCC:-nvcc}")
if [ ! -x "$NVCC" ]; then
    echo "cuda-check: SKIPPED: nvcc not found (set NVCC=/path/to/nvcc)"; exit 0
fi
mkdir -p "$OUT"
CF="-std=c11 -O2 -g -Wall -Wextra -Wshadow -Wno-unused-parameter -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -pthread -I."
ENGINE="core/alloc.c core/log.c core/parse.c core/rng.c core/status.c
        spaces/canonical.c spaces/encode.c spaces/nb201.c spaces/nb201_def.c spaces/space.c spaces/sss.c
        nn/net.c nn/conv2d.c nn/conv_direct.c nn/batchnorm.c nn/pool.c nn/linear.c nn/loss.c nn/parallel.c nn/ref.c"
pass=0; fail=0
objs=""
for f in $ENGINE nn/cuda/cuda_check.c; do
    o="$OUT/$(echo "$f" | tr / _ | sed 's/\.c$/.o/')"
    # shellcheck disable=SC2086
    cc $CF $(pkg-config --cflags openblas) -c "$f" -o "$o" || { fail=$((fail + 1)); echo "FAIL cuda: cc $f"; }
    objs="$objs $o"
done
# sm_80 (A100) and sm_90 (H100/H200) code plus PTX for newer GPUs.
if "$NVCC" -std=c++17 -O2 -I. -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=[sm_90,compute_90] \
        -c nn/cuda/net_cuda.cu -o "$OUT/net_cuda.o" &&
   # shellcheck disable=SC2086
   "$NVCC" -o "$OUT/cuda-check" "$OUT/net_cuda.o" $objs -lcublas $(pkg-config --libs openblas) -lm -lpthread; then
    echo "ok   cuda: built $OUT/cuda-check with $("$NVCC" --version | tail -1)"; pass=$((pass + 1))
else
    echo "FAIL cuda: build"; fail=$((fail + 1))
fi
if [ "${CUDA_BUILD_ONLY:-0}" != 1 ] && [ "$fail" -eq 0 ]; then
    "$OUT/cuda-check"
    rc=$?
    if [ "$rc" -eq 77 ]; then echo "cuda-check: run SKIPPED (no GPU); the build was checked"
    elif [ "$rc" -eq 0 ]; then pass=$((pass + 1))
    else fail=$((fail + 1)); fi
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
