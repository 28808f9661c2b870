/* nn/loss.c - softmax cross-entropy averaged over the batch (PyTorch's
 * CrossEntropyLoss, NB201's criterion), stable through the max shift. */
#include "nn/nn_kernels.h"

#include <math.h>

#include "core/nb.h"

double nn_softmax_xent(int n, int classes, const float *logits, const int32_t *y,
                       float *dlogits, int *correct)
{
    double total = 0.0;
    for (int s = 0; s < n; s++) {
        const float *z = logits + (size_t)s * classes;
        NB_ASSERT(y[s] >= 0 && y[s] < classes);
        int arg = 0;
        for (int k = 1; k < classes; k++)
            if (z[k] > z[arg]) arg = k;
        double m = z[arg], se = 0.0;
        for (int k = 0; k < classes; k++) se += exp((double)z[k] - m);
        double lse = m + log(se);
        total += lse - z[y[s]];
        if (correct && arg == y[s]) (*correct)++;
        if (dlogits)
            for (int k = 0; k < classes; k++)
                dlogits[(size_t)s * classes + k] =
                    (float)((exp((double)z[k] - lse) - (k == y[s] ? 1.0 : 0.0)) / n);
    }
    return total / n;
}
