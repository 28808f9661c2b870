/* core/rng.c - xoshiro256** (Blackman & Vigna, "Scrambled linear pseudorandom
 * number generators", 2018) seeded through splitmix64. A stream is derived
 * from (seed, run, purpose) by hashing the three through splitmix64, so run r
 * draws the same numbers whichever thread executes it. */
#include "nb.h"

#include <math.h>

uint64_t nb_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void nb_rng_init(nb_rng *r, uint64_t seed, uint64_t run, uint64_t purpose)
{
    uint64_t st = seed;
    uint64_t h = nb_splitmix64(&st);
    st = h ^ (run * 0xd1b54a32d192ed03ULL);
    h = nb_splitmix64(&st);
    st = h ^ (purpose * 0x8cb92ba72f3d8dd7ULL);
    for (int i = 0; i < 4; i++) r->s[i] = nb_splitmix64(&st);
    if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3])) r->s[0] = 1; /* all-zero state is a fixed point */
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t nb_rng_u64(nb_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double nb_rng_uniform(nb_rng *r) { return (double)(nb_rng_u64(r) >> 11) * 0x1.0p-53; }

/* Lemire's nearly-divisionless unbiased bounded integer. */
uint64_t nb_rng_below(nb_rng *r, uint64_t n)
{
    NB_ASSERT(n > 0);
    unsigned __int128 m = (unsigned __int128)nb_rng_u64(r) * n;
    uint64_t l = (uint64_t)m;
    if (l < n) {
        uint64_t t = -n % n;
        while (l < t) {
            m = (unsigned __int128)nb_rng_u64(r) * n;
            l = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

double nb_rng_normal(nb_rng *r)
{
    double u1 = 1.0 - nb_rng_uniform(r); /* (0, 1] */
    double u2 = nb_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}
