/* precompute/agree.c - how well a built table's seeds agree: Spearman's rho
 * between two seeds' final-epoch accuracies over the trained classes
 * (precompute/pc.h, pc_seed_agreement), stored with sss sample tables so a
 * user sees how much of the table's ranking is training noise. */
#include <math.h>
#include <stdlib.h>

#include "precompute/pc.h"

double pc_seed_agreement(const float *const *recs, size_t n_recs, size_t n_seeds, size_t n_epochs,
                         int metric, size_t *n_used)
{
    double *x = nb_xcalloc_array(n_recs ? n_recs : 1, sizeof *x);
    double *y = nb_xcalloc_array(n_recs ? n_recs : 1, sizeof *y);
    size_t m = 0;
    const size_t e = n_epochs - 1;
    for (size_t r = 0; r < n_recs && n_seeds >= 2; r++) {
        if (!recs[r]) continue;
        float a = recs[r][(0 * n_epochs + e) * PC_NV + (size_t)metric];
        float b = recs[r][(1 * n_epochs + e) * PC_NV + (size_t)metric];
        if (!isfinite(a) || !isfinite(b)) continue;
        x[m] = a, y[m++] = b;
    }
    double rho = m >= 3 ? nb_spearman(x, y, m) : NAN; /* core/rankcorr.c */
    free(x);
    free(y);
    if (n_used) *n_used = m;
    return rho;
}
