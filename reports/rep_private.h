/* reports/rep_private.h - helpers shared inside reports/ (report.c, pareto.c,
 * rank.c, devices.c): output files and gnuplot. Not public. */
#ifndef REP_PRIVATE_H
#define REP_PRIVATE_H

#include <stdio.h>

#include "reports/rep.h"

/* "dir/name", malloc'd (caller frees). */
char *rp_join(const char *dir, const char *name);
/* mkdir -p; NB_EIO names the path. */
nb_status rp_mkdir_p(const char *dir);
/* fopen(dir/name, "w"); NB_EIO names the file. */
nb_status rp_open(const char *dir, const char *name, FILE **f);
/* fclose, turning a write error into NB_EIO when st is NB_OK. */
nb_status rp_close(const char *dir, const char *name, FILE *f, nb_status st);
/* File-name-safe copy (letters, digits, - _ . kept; others '_'). */
void rp_safe_name(const char *s, char *out, size_t cap);
/* Writes the gnuplot preamble that loops over the asked formats and sets
 * the terminal/output "<stem>.<fmt>"; the caller writes the plot commands,
 * then rp_gp_end closes the loop. */
void rp_gp_begin(FILE *f, int formats, const char *stem, const char *size_in, const char *size_px);
void rp_gp_end(FILE *f);
/* Run gnuplot on dir/script (working directory dir). NB_ETOOL when gnuplot
 * is missing ("gnuplot not found; hint: apt-get install gnuplot-nox") or
 * fails (quotes its log). */
nb_status rp_gnuplot(const char *dir, const char *script);
/* Absolute path of gnuplot from $PATH (malloc'd), or NULL. */
char *rp_find_gnuplot(void);
/* Run `gnuplot script` in dir with stdout/stderr to dir/log; NB_ETOOL names
 * the script and quotes the log's first error line. */
nb_status rp_run_gnuplot(const char *gnuplot, const char *dir, const char *script, const char *log);

#endif
