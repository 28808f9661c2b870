/* nn/supernet_gdas.c - GDAS's hard weights and their straight-through
 * gradient for the supernet's hard mode (nn/nn.h, section "supernet"):
 * Dong & Yang, "Searching for a Robust Neural Architecture in Four GPU
 * Hours", CVPR 2019, sec. 3.2, as xautodl's TinyNetworkGDAS.forward computes
 * it: logits = (log_softmax(alpha) + gumbel) / tau, probs = softmax(logits),
 * index = argmax, hardwts = one_hot - probs.detach() + probs. All arrays are
 * (6 edges, 5 ops); sums in double. */
#include "nn/nn.h"

#include <math.h>
#include <string.h>

#define N_E SPACE_NB201_EDGES
#define N_O SPACE_NB201_OPS

void nn_super_gdas_sample(const float *alpha, const float *gumbel, double tau, float *probs,
                          space_arch *arch, float *hard)
{
    memset(arch, 0, sizeof *arch);
    for (int e = 0; e < N_E; e++) {
        const float *a = alpha + e * N_O, *g = gumbel + e * N_O;
        double m = a[0], z = 0.0, lg[N_O], mx;
        for (int o = 1; o < N_O; o++) m = fmax(m, a[o]);
        for (int o = 0; o < N_O; o++) z += exp(a[o] - m);
        double lse = m + log(z);
        for (int o = 0; o < N_O; o++) lg[o] = (a[o] - lse + g[o]) / tau;
        mx = lg[0];
        for (int o = 1; o < N_O; o++) mx = fmax(mx, lg[o]);
        double zz = 0.0;
        for (int o = 0; o < N_O; o++) zz += exp(lg[o] - mx);
        int best = 0;
        for (int o = 0; o < N_O; o++) {
            probs[e * N_O + o] = (float)(exp(lg[o] - mx) / zz);
            if (probs[e * N_O + o] > probs[e * N_O + best]) best = o;
        }
        arch->op[e] = (uint8_t)best;
        for (int o = 0; o < N_O; o++) {
            float p = probs[e * N_O + o], oh = o == best ? 1.0f : 0.0f;
            hard[e * N_O + o] = (oh - p) + p;
        }
    }
}

void nn_super_gdas_backward(const float *alpha, const float *probs, double tau,
                            const float *dhard, float *dalpha)
{
    for (int e = 0; e < N_E; e++) {
        const float *a = alpha + e * N_O, *p = probs + e * N_O, *dp = dhard + e * N_O;
        double m = a[0], z = 0.0, dot = 0.0, dl[N_O], sdl = 0.0;
        for (int o = 0; o < N_O; o++) dot += (double)dp[o] * p[o];
        /* through softmax and 1/tau: d logits_o = p_o (dp_o - <dp, p>) / tau = d log_softmax(alpha) */
        for (int o = 0; o < N_O; o++) {
            dl[o] = p[o] * (dp[o] - dot) / tau;
            sdl += dl[o];
        }
        for (int o = 1; o < N_O; o++) m = fmax(m, a[o]);
        for (int o = 0; o < N_O; o++) z += exp(a[o] - m);
        /* log_softmax: d alpha_o = dl_o - softmax(alpha)_o sum dl */
        for (int o = 0; o < N_O; o++) dalpha[e * N_O + o] = (float)(dl[o] - exp(a[o] - m) / z * sdl);
    }
}
