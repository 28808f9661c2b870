/* precompute/preset.c - the training presets of the full-training mode
 * (precompute/pc.h): network, data subset, schedule, seeds and cost model,
 * their fingerprint, and their protocol (NB201's recipe, nn/protocol.c). */
#include "precompute/pc.h"

#include <stdio.h>
#include <string.h>
#include <zlib.h>

/* Cost models (seconds per image = a + b * MFLOPs) are rounded least-squares
 * fits of measured wall times (--archs 24 builds, pc_cost_fit as `nastab
 * tables build` prints it) on the 2-core build machine (Intel, OpenBLAS
 * Haswell kernel, one engine thread per process, machine shared with other
 * jobs). They only set the simulated clock of strategies, where relative
 * costs matter. */
/* A preset names the space it trains. The space is not part of the preset's
 * text (its fingerprint): a preset of another space gets its own name
 * ("sss-..."). The sss presets' cost model is its own fit (rounded) of the
 * wall times of 20 sss networks (`tables build --space sss --preset sss-tiny
 * --sample 20`, one engine thread, machine shared with other jobs; the
 * journal is tests/fixtures/sss-cost/sss-tiny-sample20.journal and
 * tests/test_sss_cost.c refits it): sss networks are wider than the C=4
 * NB201 presets' and have a larger per-image overhead. Both sss presets
 * train 14x14 images at batch 64, so the per-image coefficients carry over. */
static const pc_preset presets[] = {
    {"tiny", "tests: C=4 N=1, 14x14, 256 train / 128 eval images, 1 epoch, 1 seed", &space_nb201,
     4, 1, 2, 1, 64, 0.1, 1, 256, 128, 1, {777},
     1.2e-4, 6.0e-4, 5.0e-5, 1.4e-4},
    {"fmnist-small", "shipped table (~1 CPU-hour): C=4 N=1, 14x14, 500 train / 250 eval images, 3 epochs, 2 seeds",
     &space_nb201, 4, 1, 2, 3, 64, 0.1, 1, 500, 250, 2, {777, 888},
     1.2e-4, 6.0e-4, 5.0e-5, 1.4e-4},
    /* issue 12 item 8: a sample of the cells (--archs K) trained as
     * `nastab search`'s derived cells are retrained (wsnas/RESULTS.md): C=8,
     * 8x the images and 5x the SGD steps of fmnist-small, 8x the evaluation
     * images, so that cells rank stably seed to seed; ~25 CPU-s per class */
    {"fmnist-c8", "sample table (use --archs K; ~25 CPU-s per class): C=8 N=1, 14x14, 4000 train / 2000 eval images, 4 epochs, 2 seeds",
     &space_nb201, 8, 1, 2, 4, 64, 0.1, 1, 4000, 2000, 2, {777, 888},
     1.2e-4, 6.0e-4, 5.0e-5, 1.4e-4},
};
static const pc_preset sss_presets[] = {
    {"sss-tiny", "tests (sss): 14x14, 256 train / 128 eval images, 1 epoch, 1 seed; use --sample K",
     &space_sss, 8, 1, 2, 1, 64, 0.1, 1, 256, 128, 1, {777},
     7.6e-4, 2.5e-4, 1.1e-4, 7.7e-5},
    {"sss-fmnist", "sss sample table: 14x14, 500 train / 250 eval images, 3 epochs, 2 seeds; use --sample K",
     &space_sss, 8, 1, 2, 3, 64, 0.1, 1, 500, 250, 2, {777, 888},
     7.6e-4, 2.5e-4, 1.1e-4, 7.7e-5},
};
static const pc_preset *const preset_list[] = {&presets[0], &presets[1], &presets[2], &sss_presets[0],
                                               &sss_presets[1], NULL};

const pc_preset *const *pc_presets(void) { return preset_list; }

const pc_preset *pc_preset_find(const char *name)
{
    char known[256] = "";
    for (const pc_preset *const *p = preset_list; *p; p++) {
        if (name && !strcmp((*p)->name, name)) return *p;
        size_t l = strlen(known);
        snprintf(known + l, sizeof known - l, "%s%s", l ? ", " : "", (*p)->name);
    }
    nb_fail(NB_ENOTFOUND, "--preset: unknown '%s'; known: %s", name ? name : "(null)", known);
    return NULL;
}

/* The canonical text of a preset: every field that changes a number. */
void pc_preset_text(const pc_preset *p, char *buf, size_t n)
{
    int l = snprintf(buf, n,
                     "preset=%s C=%d N=%d downsample=%d epochs=%d batch=%d lr=%.17g augment=%d "
                     "n_train=%ld n_eval=%ld seeds=",
                     p->name, p->C, p->N, p->downsample, p->epochs, p->batch, p->lr, p->augment,
                     p->n_train, p->n_eval);
    for (int s = 0; s < p->n_seeds && l > 0 && (size_t)l < n; s++)
        l += snprintf(buf + l, n - (size_t)l, "%s%d", s ? "," : "", p->seeds[s]);
}

uint32_t pc_preset_crc(const pc_preset *p)
{
    char buf[512];
    pc_preset_text(p, buf, sizeof buf);
    return (uint32_t)crc32(0L, (const Bytef *)buf, (uInt)strlen(buf));
}

/* NB201's recipe (nn_protocol_nb201) at the preset's batch, learning rate,
 * schedule length, augmentation, image size and subsets. */
nn_protocol pc_preset_protocol(const pc_preset *p, uint64_t seed)
{
    nn_protocol pr = nn_protocol_nb201(p->epochs, seed);
    pr.train.batch = p->batch;
    pr.train.lr = p->lr;
    pr.train.augment = p->augment;
    pr.downsample = p->downsample;
    pr.n_train = (size_t)p->n_train;
    pr.n_eval = (size_t)p->n_eval;
    return pr;
}
