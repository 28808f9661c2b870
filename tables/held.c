/* tables/held.c - which architectures a table holds: those with a finite
 * accuracy somewhere (tables/tab.h, tab_held). A table built from a sample
 * (`tables build --space sss --sample K`) or an import with missing records
 * stores every row, the ones it lacks NaN; commands that sample
 * architectures for their own measurements (`nastab latency`) draw from the
 * held ones. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tables/tab.h"

size_t tab_held(tab_table *t, uint8_t *held)
{
    const size_t n = tab_n_archs(t);
    memset(held, 0, n);
    static const tab_metric_id metrics[] = {TAB_VALID_ACC, TAB_TEST_ACC};
    for (int ds = 0; ds < tab_n_datasets(t); ds++) {
        int fid[16];
        int nf = tab_fidelities(t, ds, fid, 16);
        for (int f = 0; f < nf && f < 16; f++)
            for (size_t m = 0; m < sizeof metrics / sizeof metrics[0]; m++) {
                const float *v = tab_metric_final(t, ds, fid[f], metrics[m]);
                for (size_t i = 0; v && i < n; i++)
                    if (isfinite(v[i])) held[i] = 1;
            }
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += held[i];
    return k;
}

size_t tab_sample_held(tab_table *t, uint64_t seed, size_t *order)
{
    const size_t n = tab_n_archs(t);
    uint8_t *held = nb_xcalloc_array(n ? n : 1, 1);
    const size_t n_held = tab_held(t, held);
    for (size_t i = 0, j = 0; i < n; i++)
        if (held[i]) order[j++] = i;
    free(held);
    nb_rng rng;
    nb_rng_init(&rng, seed, 0, NB_PURPOSE_TEST);
    for (size_t i = 0; i + 1 < n_held; i++) {
        size_t j = i + (size_t)nb_rng_below(&rng, n_held - i);
        size_t tmp = order[i];
        order[i] = order[j], order[j] = tmp;
    }
    return n_held;
}
