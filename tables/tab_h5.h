/* tables/tab_h5.h - HDF5 helpers shared by the reader, the writer and the
 * importers of the tables module (internal: not part of the public API).
 *
 * What it does: silences HDF5's automatic error printing and turns HDF5
 * failures into nb_fail messages that name the file and the object; reads
 * and writes string and integer attributes; computes the content checksum
 * defined in tables/SCHEMA.md.
 * What it does not do: know the schema beyond the checksum definition.
 */
#ifndef TAB_H5_H
#define TAB_H5_H

#include <hdf5.h>

#include "core/nb.h"

/* Turn off HDF5's error printing to stderr for the calling thread (HDF5
 * failures become nb_status values with messages instead). Cheap; call it
 * before any HDF5 work. */
void tab_h5_quiet(void);

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

/* Make a finished temporary file the real one: fsync tmp, rename it over
 * path, then fsync path's directory so the rename is durable (that last
 * fsync's failure is ignored: some file systems refuse it). NB_EIO names
 * the step that failed; tmp is left for the caller to remove. */
nb_status tab_commit_file(const char *tmp, const char *path);

#endif
