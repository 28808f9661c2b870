/* nn/blas_shim/cblas.h - the part of the CBLAS/OpenBLAS interface the
 * engine (nn/conv2d.c, nn/parallel.c, nn/train.c) uses, for builds of the
 * engine without OpenBLAS (the latency probe cross-compiled for a phone or a
 * board, bench/probe). Put this directory first on the include path;
 * nn/blas_shim/refblas.c implements it with plain loops. Not a general BLAS:
 * row-major sgemm only. Not part of libnastab (the Makefile builds the .c files
 * directly in nn/, against OpenBLAS). */
#ifndef PROBE_CBLAS_SHIM_H
#define PROBE_CBLAS_SHIM_H

enum CBLAS_ORDER { CblasRowMajor = 101, CblasColMajor = 102 };
enum CBLAS_TRANSPOSE { CblasNoTrans = 111, CblasTrans = 112 };

/* C (m, n) = alpha * op(A) (m, k) * op(B) (k, n) + beta * C; row-major only. */
void cblas_sgemm(enum CBLAS_ORDER order, enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb, int m,
                 int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
                 float beta, float *c, int ldc);
void openblas_set_num_threads(int n); /* no-op: the shim has no threads */
char *openblas_get_corename(void);    /* "reference (probe shim)" */

#endif
