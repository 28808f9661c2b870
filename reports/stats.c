/* reports/stats.c - summary statistics and Student t quantiles, libm only.
 *
 * The t quantile inverts the two-sided tail
 *     P(|T| > t) = I_{df/(df+t^2)}(df/2, 1/2)
 * (Abramowitz & Stegun 26.7.1 with 26.5.27), where I_x(a, b) is the
 * regularized incomplete beta function, evaluated by its continued fraction
 * (A&S 26.5.8) with the modified Lentz method. The tail is monotone in t, so
 * bisection on t converges unconditionally. For df > 1e5 (where lgamma
 * cancellation would cost digits) the Cornish-Fisher expansion around the
 * normal quantile (A&S 26.7.5) is used; its truncation error there is far
 * below 1e-12. */
#include "reports/rep.h"

#include <math.h>
#include <stdlib.h>

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y ? 1 : 0;
}

rep_stats rep_stats_of(const float *x, size_t n, size_t stride)
{
    rep_stats s = {0, NAN, NAN, NAN, NAN, NAN, NAN};
    NB_ASSERT(n == 0 || (x && stride >= 1));
    size_t k = 0;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        float v = x[i * stride];
        if (isnan(v)) continue;
        sum += v;
        k++;
    }
    s.n = k;
    if (k == 0) return s;
    s.mean = sum / (double)k;
    /* Second pass around the mean: no catastrophic cancellation. */
    double ss = 0;
    float *v = nb_xcalloc_array(k, sizeof *v);
    for (size_t i = 0, j = 0; i < n; i++) {
        float xi = x[i * stride];
        if (isnan(xi)) continue;
        double d = xi - s.mean;
        ss += d * d;
        v[j++] = xi;
    }
    qsort(v, k, sizeof *v, cmp_float);
    s.min = v[0];
    s.max = v[k - 1];
    s.median = k % 2 ? v[k / 2] : 0.5 * ((double)v[k / 2 - 1] + (double)v[k / 2]);
    free(v);
    if (k >= 2) {
        s.std = sqrt(ss / (double)(k - 1));
        s.ci95 = rep_t_quantile(0.05, (double)(k - 1)) * s.std / sqrt((double)k);
    }
    return s;
}

/* Continued fraction of I_x(a, b) without its prefactor (A&S 26.5.8),
 * modified Lentz; converges fast for x < (a+1)/(a+b+2). */
static double beta_cf(double a, double b, double x)
{
    const double tiny = 1e-300, eps = 1e-16;
    double c = 1, d = 1 - (a + b) * x / (a + 1);
    if (fabs(d) < tiny) d = tiny;
    d = 1 / d;
    double h = d;
    for (int m = 1; m <= 10000; m++) {
        double m2 = 2.0 * m;
        /* even step: d_{2m} = m (b - m) x / ((a + 2m - 1)(a + 2m)) */
        double num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
        d = 1 + num * d;
        if (fabs(d) < tiny) d = tiny;
        c = 1 + num / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1 / d;
        h *= d * c;
        /* odd step: d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)) */
        num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
        d = 1 + num * d;
        if (fabs(d) < tiny) d = tiny;
        c = 1 + num / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < eps) break;
    }
    return h;
}

/* I_x(a, b) with y = 1 - x passed separately, so that x near 1 keeps its
 * digits. */
static double beta_inc(double a, double b, double x, double y)
{
    if (x <= 0) return 0;
    if (y <= 0) return 1;
    double lpre = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(y);
    if (x < (a + 1) / (a + b + 2)) return exp(lpre) * beta_cf(a, b, x) / a;
    return 1 - exp(lpre) * beta_cf(b, a, y) / b;
}

/* P(|T| > t) for t >= 0. */
static double t_tail2(double t, double df)
{
    double t2 = t * t;
    return beta_inc(df / 2, 0.5, df / (df + t2), t2 / (df + t2));
}

/* z with P(|Z| > z) = alpha, by bisection on erfc. */
static double z_quantile2(double alpha)
{
    double lo = 0, hi = 40;
    for (int i = 0; i < 200 && hi - lo > 1e-16 * hi; i++) {
        double mid = 0.5 * (lo + hi);
        if (erfc(mid / sqrt(2.0)) > alpha) lo = mid;
        else hi = mid;
    }
    return 0.5 * (lo + hi);
}

double rep_t_quantile(double alpha, double df)
{
    if (!(alpha > 0 && alpha < 1) || !(df > 0)) return NAN;
    if (df > 1e5) {
        double z = z_quantile2(alpha), z2 = z * z;
        if (isinf(df)) return z;
        double g1 = (z2 + 1) * z / 4;
        double g2 = ((5 * z2 + 16) * z2 + 3) * z / 96;
        double g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384;
        double g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160;
        return z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df;
    }
    double lo = 0, hi = 1;
    while (t_tail2(hi, df) > alpha && hi < 1e300) hi *= 2;
    for (int i = 0; i < 2000 && hi - lo > 1e-15 * hi; i++) {
        double mid = 0.5 * (lo + hi);
        if (t_tail2(mid, df) > alpha) lo = mid;
        else hi = mid;
    }
    return 0.5 * (lo + hi);
}
