/* results/series.c - releasing a res_series (results/res.h). */
#include "results/res.h"

#include <stdlib.h>
#include <string.h>

void res_series_free(res_series *s)
{
    if (!s) return;
    free(s->time);
    free(s->valid);
    free(s->test);
    free(s->final_valid);
    free(s->final_test);
    free(s->final_arch);
    free(s->n_evals);
    free(s->eval_arch);
    free(s->eval_finish);
    free(s->eval_score);
    free(s->eval_test);
    free(s->eval_latency);
    free(s->hv);
    free(s->front_arch);
    free(s->front_test);
    free(s->front_latency);
    memset(s, 0, sizeof *s);
}
