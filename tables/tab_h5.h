/* tables/tab_h5.h - the project's one HDF5 helper layer: what every module
 * that reads or writes an HDF5 file (tables, results) shares. Internal: not
 * installed, not part of the plugin API; included by modules at or above
 * tables/ in the layering (core/nb.h says the same for plain files).
 *
 * What it does: silences HDF5's automatic error printing and turns HDF5
 * failures into nb_status values with one message that names the file, the
 * object and HDF5's innermost reason; reads and writes string and integer
 * attributes in the on-disk forms tables/SCHEMA.md fixes; computes the
 * content checksum SCHEMA.md defines; seals a written table (checksum
 * attribute) and commits it atomically (nb_file_commit, core/nb.h).
 * What it does not do: know a schema beyond the checksum definition, hold
 * state, or keep any HDF5 handle open: every hid_t argument stays the
 * caller's to close (except the file tab_h5_commit consumes). A failed
 * write or close leaves the process able to exit cleanly (no HDF5 teardown
 * at exit, see h5util.c).
 *
 * Usage (a table writer):
 *     char *tmp, hex[17];
 *     hid_t f;
 *     if ((st = tab_h5_create(path, H5P_DEFAULT, &tmp, &f)) != NB_OK) return st;
 *     if ((st = tab_h5_set_str(f, tmp, "format", TAB_FORMAT_NAME)) != NB_OK) goto fail;
 *     ... datasets ...
 *     st = tab_h5_commit(f, tmp, path, hex);   // closes f; tmp gone either way
 *     free(tmp);
 *
 * Failures: functions returning nb_status return NB_OK or a negative status
 * with the message set (nb_errmsg); the attribute readers return 1 / 0 / -1
 * (present / absent / unreadable) without a message, HDF5's error stack
 * cleared. A `path` argument only names the file in messages.
 */
#ifndef TAB_H5_H
#define TAB_H5_H

#include <hdf5.h>

#include "core/nb.h"

/* Turn off HDF5's error printing to stderr for the calling thread (HDF5
 * failures become nb_status values with messages instead). Cheap; call it
 * before any HDF5 work. */
void tab_h5_quiet(void);

/* Create the temporary of path (nb_file_tmp_create, which first removes the
 * temporaries of dead writers) and an HDF5 file on it in the 1.10 format,
 * whose metadata all carries checksums, with fcpl (or H5P_DEFAULT), closed
 * strongly (H5F_CLOSE_STRONG: H5Fclose closes what was left open). On
 * success *tmp (caller frees; nb_file_discard it on a later failure) and
 * *file; on failure both unset, nothing left behind, the message set.
 * Every HDF5 writer creates its file here (or opens one with tab_h5_open). */
nb_status tab_h5_create(const char *path, hid_t fcpl, char **tmp, hid_t *file);
/* H5Fopen(path, flags) with the same format bounds, so that what a writer
 * adds to an existing file is checksummed too; H5I_INVALID_HID on failure
 * (HDF5's error stack holds the reason: tab_h5_fail). */
hid_t tab_h5_open(const char *path, unsigned flags);

/* nb_fail(st, "<path>: <what> '<obj>': <innermost HDF5 message>") and
 * return st. obj may be NULL. */
nb_status tab_h5_fail(nb_status st, const char *path, const char *what, const char *obj);

/* Read a string attribute (variable- or fixed-length) of obj: returns 1 and
 * *out (nb_xmalloc'd, caller frees) when present, 0 when absent, -1 when it
 * exists but is not a readable string. */
int tab_h5_attr_str(hid_t obj, const char *name, char **out);
/* Read an integer attribute (scalar or 1-D) of obj into *out (nb_xmalloc'd
 * array of *n values): 1 present, 0 absent, -1 not a readable integer. */
int tab_h5_attr_ints(hid_t obj, const char *name, long long **out, size_t *n);

/* Write (replacing) a scalar fixed-length UTF-8 string attribute (not
 * variable-length: see h5util.c). */
nb_status tab_h5_set_str(hid_t obj, const char *path, const char *name, const char *value);
/* Write (replacing) an int64 attribute: scalar when scalar != 0 (n must be
 * 1), else 1-D of n values; stored as H5T_STD_I32LE when int32 != 0. */
nb_status tab_h5_set_ints(hid_t obj, const char *path, const char *name, const long long *v,
                          size_t n, int scalar, int int32);

/* Recompute the content checksum of the open file (SCHEMA.md,
 * "content_checksum") as 16 lowercase hex digits. Reads every dataset. */
nb_status tab_h5_checksum(hid_t file, const char *path, char hex[17]);

/* Seal and commit a table written at tmp: flush, checksum (into hex and the
 * root attribute "content_checksum"), close file, then nb_file_commit(tmp,
 * path). file is closed and tmp removed on every path; on success path is
 * the new table. Fails with the flush/checksum/write/close message (naming
 * tmp) or nb_file_commit's NB_EIO (naming path and the OS error). */
nb_status tab_h5_commit(hid_t file, const char *tmp, const char *path, char hex[17]);

/* ---- writing whole HDF5 files (the results files of results/) ---- */
/* HDF5's automatic error printing, switched off around a public call and
 * restored afterwards (other modules' settings survive). */
typedef struct {
    H5E_auto2_t func;
    void *data;
} tab_h5_quiet_state;
void tab_h5_quiet_save(tab_h5_quiet_state *q);
void tab_h5_quiet_restore(const tab_h5_quiet_state *q);
/* fn(id) when id is valid (>= 0). */
void tab_h5_close(hid_t id, herr_t (*fn)(hid_t));
/* Create a scalar attribute of loc: a UTF-8 variable-length string (NULL
 * writes ""), or one number stored as file_type from memory type mem_type.
 * NB_EIO names path, object obj and attribute. */
nb_status tab_h5_put_str(hid_t loc, const char *obj, const char *name, const char *v, const char *path);
nb_status tab_h5_put_num(hid_t loc, const char *obj, const char *name, hid_t file_type, hid_t mem_type,
                         const void *v, const char *path);
/* Writes an HDF5 file atomically: a temporary file "<path>.tmp.<pid>"
 * (created here first, so errno says why a directory is not writable) gets
 * the root attributes format = format_name and format_version, then
 * fill(ctx, file, path) writes the rest; the file is closed (strong close)
 * and committed with nb_file_commit (core/file.c). On any failure the temporary file is
 * removed and path is untouched. HDF5's error printing is off meanwhile.
 * NB_EINVAL for an empty path, NB_EIO naming the step, or fill's status. */
nb_status tab_h5_write_atomic(const char *path, const char *format_name, int32_t format_version,
                              nb_status (*fill)(const void *ctx, hid_t file, const char *path),
                              const void *ctx);

#endif
