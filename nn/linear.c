/* nn/linear.c - the classifier head: global average pooling of relu(x)
 * (NB201's lastact ReLU + AdaptiveAvgPool2d(1)) and the fully connected
 * layer. Small (n x 4C x classes), so plain loops in double. */
#include "nn/nn_kernels.h"

#include "core/nb.h"

void nn_gap_relu_forward(int n, int c, int hw, const float *x, float *y)
{
    for (size_t p = 0; p < (size_t)n * c; p++) {
        const float *xp = x + p * hw;
        double s = 0.0;
        for (int i = 0; i < hw; i++) s += xp[i] > 0.0f ? xp[i] : 0.0f;
        y[p] = (float)(s / hw);
    }
}

void nn_gap_relu_backward(int n, int c, int hw, const float *x, const float *dy, float *dx)
{
    for (size_t p = 0; p < (size_t)n * c; p++) {
        const float g = dy[p] / (float)hw;
        for (int i = 0; i < hw; i++) dx[p * hw + i] = x[p * hw + i] > 0.0f ? g : 0.0f;
    }
}

void nn_linear_forward(int n, int in, int out, const float *x, const float *wgt, const float *b,
                       float *y)
{
    for (int s = 0; s < n; s++)
        for (int o = 0; o < out; o++) {
            double acc = b[o];
            for (int i = 0; i < in; i++) acc += (double)x[(size_t)s * in + i] * wgt[(size_t)o * in + i];
            y[(size_t)s * out + o] = (float)acc;
        }
}

void nn_linear_backward(int n, int in, int out, const float *x, const float *wgt,
                        const float *dy, float *dx, float *dwgt, float *db)
{
    for (int o = 0; o < out; o++) {
        double sb = 0.0;
        for (int s = 0; s < n; s++) sb += dy[(size_t)s * out + o];
        db[o] += (float)sb;
        for (int i = 0; i < in; i++) {
            double acc = 0.0;
            for (int s = 0; s < n; s++) acc += (double)dy[(size_t)s * out + o] * x[(size_t)s * in + i];
            dwgt[(size_t)o * in + i] += (float)acc;
        }
    }
    if (!dx) return;
    for (int s = 0; s < n; s++)
        for (int i = 0; i < in; i++) {
            double acc = 0.0;
            for (int o = 0; o < out; o++) acc += (double)dy[(size_t)s * out + o] * wgt[(size_t)o * in + i];
            dx[(size_t)s * in + i] = (float)acc;
        }
}
