/* nn/nn_vec.h - private to nn/: 8-lane float/double vectors through
 * GCC/Clang vector extensions (lane-wise the scalar IEEE arithmetic; no FMA
 * contraction under -std=c11, so every width and the scalar tails give the
 * same bits), and NN_CLONES, which compiles a function for AVX-512, AVX2
 * and the baseline and picks one at load time. */
#ifndef NN_VEC_H
#define NN_VEC_H

#include <string.h>

typedef float v8f __attribute__((vector_size(32)));
typedef double v8d __attribute__((vector_size(64)));

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__)
#define NN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define NN_CLONES
#endif

/* unaligned load and store (through memcpy: no aliasing or alignment
 * assumptions; compiles to one vector move) */
#define V8F_LOAD(v, p) memcpy(&(v), (p), sizeof(v8f))
#define V8F_STORE(p, v) memcpy((p), &(v), sizeof(v8f))

#endif
