/* core/rankcorr.c - rank correlation: mid-ranks, Spearman's rho and
 * Kendall's tau-b (nb_rank_avg, nb_spearman, nb_kendall_tau_b; core/nb.h).
 * Pure maths on double arrays, here at the bottom of the layers so that
 * every module that ranks things (reports/: devices, proxies, validation;
 * wsnas/: how a supernet ranks cells) uses this one implementation.
 * reports/ keeps rep_rank_avg, rep_spearman and rep_kendall_tau_b as its
 * public names for them.
 *
 * Kendall's tau-b (Kendall 1945) with Knight's O(n log n) algorithm
 * (W. R. Knight, "A computer method for calculating Kendall's tau with
 * ungrouped data", JASA 61, 1966):
 *     n0 = n(n-1)/2, n1 = sum over groups of tied x of t(t-1)/2,
 *     n2 = the same for y, n3 = the same for tied (x, y) pairs,
 *     S = number of discordant pairs, counted as the swaps a stable merge
 *         sort on y makes after sorting by (x, y);
 *     tau_b = (n0 - n1 - n2 + n3 - 2 S) / sqrt((n0 - n1) (n0 - n2)).
 * (n0 - n1 - n2 + n3 - 2S is concordant minus discordant: pairs tied in x
 * are never swapped because they are already sorted by y.)
 * Spearman's rho: the Pearson correlation of the mid-ranks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/nb.h"

/* ---- ranks ---- */

typedef struct {
    double v;
    size_t i;
} val_index;

static int cmp_vi(const void *a, const void *b)
{
    const val_index *x = a, *y = b;
    if (x->v != y->v) return (x->v > y->v) - (x->v < y->v);
    return (x->i > y->i) - (x->i < y->i);
}

/* NaN sorts last (as +inf). */
void nb_rank_avg(const double *x, size_t n, double *ranks)
{
    val_index *a = nb_xcalloc_array(n ? n : 1, sizeof *a);
    for (size_t i = 0; i < n; i++) a[i] = (val_index){isnan(x[i]) ? INFINITY : x[i], i};
    qsort(a, n, sizeof *a, cmp_vi);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && a[j + 1].v == a[i].v) j++;
        double mid = 0.5 * (double)(i + j) + 1.0;
        for (size_t k = i; k <= j; k++) ranks[a[k].i] = mid;
        i = j + 1;
    }
    free(a);
}

double nb_spearman(const double *x, const double *y, size_t n)
{
    if (n < 2) return NAN;
    double *rx = nb_xcalloc_array(n, sizeof *rx), *ry = nb_xcalloc_array(n, sizeof *ry);
    nb_rank_avg(x, n, rx);
    nb_rank_avg(y, n, ry);
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) {
        mx += rx[i];
        my += ry[i];
    }
    mx /= (double)n;
    my /= (double)n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        sxy += (rx[i] - mx) * (ry[i] - my);
        sxx += (rx[i] - mx) * (rx[i] - mx);
        syy += (ry[i] - my) * (ry[i] - my);
    }
    free(rx);
    free(ry);
    return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : NAN;
}

/* ---- Kendall tau-b ---- */

typedef struct {
    double x, y;
} xy;

static int cmp_xy(const void *a, const void *b)
{
    const xy *p = a, *q = b;
    if (p->x != q->x) return p->x < q->x ? -1 : 1;
    if (p->y != q->y) return p->y < q->y ? -1 : 1;
    return 0;
}

/* Stable merge sort of v[0..n) by y; returns the number of swaps (pairs
 * i < j with v[i].y > v[j].y). tmp has room for n. */
static uint64_t merge_count(xy *v, xy *tmp, size_t n)
{
    uint64_t swaps = 0;
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                if (v[j].y < v[i].y) {
                    swaps += mid - i;
                    tmp[k++] = v[j++];
                } else {
                    tmp[k++] = v[i++];
                }
            }
            while (i < mid) tmp[k++] = v[i++];
            while (j < hi) tmp[k++] = v[j++];
        }
        memcpy(v, tmp, n * sizeof *v);
    }
    return swaps;
}

double nb_kendall_tau_b(const double *x, const double *y, size_t n)
{
    xy *v = nb_xcalloc_array(n ? n : 1, sizeof *v);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i]) && !isnan(y[i])) v[m++] = (xy){x[i], y[i]};
    double tau = NAN;
    if (m < 2) goto done;
    qsort(v, m, sizeof *v, cmp_xy);
    uint64_t n0 = (uint64_t)m * (m - 1) / 2, n1 = 0, n2 = 0, n3 = 0;
    for (size_t i = 0; i < m;) { /* ties in x, and in (x, y) */
        size_t j = i;
        while (j < m && v[j].x == v[i].x) j++;
        n1 += (uint64_t)(j - i) * (j - i - 1) / 2;
        for (size_t a = i; a < j;) {
            size_t b = a;
            while (b < j && v[b].y == v[a].y) b++;
            n3 += (uint64_t)(b - a) * (b - a - 1) / 2;
            a = b;
        }
        i = j;
    }
    xy *tmp = nb_xcalloc_array(m, sizeof *tmp);
    uint64_t swaps = merge_count(v, tmp, m);
    free(tmp);
    for (size_t i = 0; i < m;) { /* ties in y, now sorted by y */
        size_t j = i;
        while (j < m && v[j].y == v[i].y) j++;
        n2 += (uint64_t)(j - i) * (j - i - 1) / 2;
        i = j;
    }
    if (n0 == n1 || n0 == n2) goto done;
    double num = (double)n0 - (double)n1 - (double)n2 + (double)n3 - 2.0 * (double)swaps;
    tau = num / sqrt(((double)n0 - (double)n1) * ((double)n0 - (double)n2));
done:
    free(v);
    return tau;
}
