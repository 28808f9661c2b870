/* reports/rep_private.h - helpers shared inside reports/ (report.c, pareto.c,
 * rank.c, mo_results.c, devices.c): output files and gnuplot. Not public. */
#ifndef REP_PRIVATE_H
#define REP_PRIVATE_H

#include <stdio.h>

#include <hdf5.h>

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

/* ---- HDF5 (reports/h5io.c) ---- */
/* HDF5's automatic error printing, switched off around a public call and
 * restored afterwards (other modules' settings survive). */
typedef struct {
    H5E_auto2_t func;
    void *data;
} rp_h5_quiet;
void rp_h5_quiet_on(rp_h5_quiet *q);
void rp_h5_quiet_off(const rp_h5_quiet *q);
/* fn(id) when id is valid (>= 0). */
void rp_h5_close(hid_t id, herr_t (*fn)(hid_t));
/* Scalar attributes: a UTF-8 variable-length string (NULL writes ""), or one
 * number stored as file_type from memory type mem_type. NB_EIO names path,
 * object and attribute. */
nb_status rp_h5_attr_str(hid_t loc, const char *obj, const char *name, const char *v, const char *path);
nb_status rp_h5_attr_num(hid_t loc, const char *obj, const char *name, hid_t file_type, hid_t mem_type,
                         const void *v, const char *path);
/* Writes an HDF5 file atomically: a temporary file beside path (created
 * here first, so errno says why a directory is not writable) gets the root
 * attributes format = format_name and format_version, then fill(ctx, file,
 * path) writes the rest; the file is closed (strong close), fsynced and
 * renamed over path. On any failure the temporary file is removed and path
 * is untouched. HDF5's error printing is off meanwhile. */
nb_status rp_h5_write_atomic(const char *path, const char *format_name, int32_t format_version,
                             nb_status (*fill)(const void *ctx, hid_t file, const char *path),
                             const void *ctx);

#endif
