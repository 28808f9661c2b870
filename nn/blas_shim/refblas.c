/* nn/blas_shim/refblas.c - plain-loop sgemm behind the cblas.h shim beside
 * it: the engine's im2col convolution runs on it where OpenBLAS is not
 * available (bench/probe on a device). Loop order i-p-j keeps the innermost loop on
 * contiguous rows of B and C for the NoTrans-B cases the forward pass uses. */
#include <stddef.h>

#include "cblas.h"
#include "core/nb.h"

void cblas_sgemm(enum CBLAS_ORDER order, enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb, int m,
                 int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
                 float beta, float *c, int ldc)
{
    NB_ASSERT(order == CblasRowMajor);
    for (int i = 0; i < m; i++) {
        float *ci = c + (size_t)i * ldc;
        for (int j = 0; j < n; j++) ci[j] = beta == 0.0f ? 0.0f : beta * ci[j];
        for (int p = 0; p < k; p++) {
            float aip = ta == CblasNoTrans ? a[(size_t)i * lda + p] : a[(size_t)p * lda + i];
            aip *= alpha;
            if (tb == CblasNoTrans) {
                const float *bp = b + (size_t)p * ldb;
                for (int j = 0; j < n; j++) ci[j] += aip * bp[j];
            } else {
                for (int j = 0; j < n; j++) ci[j] += aip * b[(size_t)j * ldb + p];
            }
        }
    }
}

void openblas_set_num_threads(int n) { (void)n; }

char *openblas_get_corename(void)
{
    static char name[] = "reference (probe shim)";
    return name;
}
