/* precompute/cost.c - the cost model of a preset (simulated seconds from
 * FLOPs, precompute/pc.h) and its least-squares fit to the wall times the
 * journals measured. */
#include "precompute/pc.h"

double pc_cost_train_time(const pc_preset *p, double n_train, double mflops)
{
    return n_train * (p->cost_train_a + p->cost_train_b * mflops);
}

double pc_cost_eval_time(const pc_preset *p, double n_valid, double mflops)
{
    return n_valid * (p->cost_eval_a + p->cost_eval_b * mflops);
}

/* Ordinary least squares of y = a + b x per record: x the class's MFLOPs,
 * y its mean measured seconds per image (training: per training image;
 * evaluation: per valid + test image). */
void pc_cost_fit_journals(const pc_journal_data *js, int n_journals, const space_def *space,
                          const nn_config *cfg, pc_cost_fit *out)
{
    out->ok = 0;
    out->train_a = out->train_b = out->eval_a = out->eval_b = 0;
    double sx = 0, sy = 0, sxx = 0, sxy = 0, ey = 0, exy = 0, cnt = 0, total = 0;
    for (int i = 0; i < n_journals; i++) {
        const pc_journal_header *h = &js[i].h;
        const size_t S = h->n_seeds, E = h->n_epochs, nf = pc_journal_record_floats(h);
        for (size_t r = 0; r < js[i].n; r++) {
            space_arch a = space->arch(js[i].codes[r]);
            double f = nn_net_flops(cfg, space, &a), tr = 0, ev = 0;
            const float *v = js[i].vals + r * nf;
            for (size_t q = 0; q < S * E; q++) {
                tr += v[q * PC_NV + PC_TRAIN_SEC];
                ev += v[q * PC_NV + PC_EVAL_SEC];
            }
            total += tr + ev;
            tr /= (double)(S * E) * h->n_train;
            ev /= (double)(S * E) * (h->n_valid + h->n_test);
            sx += f; sy += tr; sxx += f * f; sxy += f * tr; ey += ev; exy += f * ev; cnt++;
        }
    }
    out->total_sec = total;
    double den = cnt * sxx - sx * sx;
    if (cnt >= 2 && den > 0) {
        out->ok = 1;
        out->train_b = (cnt * sxy - sx * sy) / den;
        out->train_a = (sy - out->train_b * sx) / cnt;
        out->eval_b = (cnt * exy - sx * ey) / den;
        out->eval_a = (ey - out->eval_b * sx) / cnt;
    }
}
