/* reports/h5io.c - HDF5 plumbing shared by the results files of reports/
 * (results.c: nastab-results, mo_results.c: nastab-mo-results): silencing
 * HDF5's error stack around a public call, closing ids, scalar attributes,
 * atomic replacement of a file. */
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reports/rep_private.h"


void rp_h5_quiet_on(rp_h5_quiet *q)
{
    H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

void rp_h5_quiet_off(const rp_h5_quiet *q) { H5Eset_auto2(H5E_DEFAULT, q->func, q->data); }

void rp_h5_close(hid_t id, herr_t (*fn)(hid_t))
{
    if (id >= 0) fn(id);
}

/* one scalar attribute of type file_type, written from memory type mem_type */
static nb_status attr_scalar(hid_t loc, const char *obj, const char *name, hid_t file_type,
                             hid_t mem_type, const void *v, const char *path)
{
    nb_status st = NB_OK;
    hid_t space = H5Screate(H5S_SCALAR), attr = -1;
    if (space < 0 || (attr = H5Acreate2(loc, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
        H5Awrite(attr, mem_type, v) < 0)
        st = nb_fail(NB_EIO, "%s: cannot write attribute %s of %s", path, name, obj);
    rp_h5_close(attr, H5Aclose);
    rp_h5_close(space, H5Sclose);
    return st;
}

nb_status rp_h5_attr_str(hid_t loc, const char *obj, const char *name, const char *v,
                         const char *path)
{
    const char *data[1] = {v ? v : ""};
    hid_t type = H5Tcopy(H5T_C_S1);
    nb_status st;
    if (type < 0 || H5Tset_size(type, H5T_VARIABLE) < 0 || H5Tset_cset(type, H5T_CSET_UTF8) < 0)
        st = nb_fail(NB_EIO, "%s: cannot write attribute %s of %s", path, name, obj);
    else
        st = attr_scalar(loc, obj, name, type, type, data, path);
    rp_h5_close(type, H5Tclose);
    return st;
}

nb_status rp_h5_attr_num(hid_t loc, const char *obj, const char *name, hid_t file_type,
                         hid_t mem_type, const void *v, const char *path)
{
    return attr_scalar(loc, obj, name, file_type, mem_type, v, path);
}

/* the HDF5 side of rp_h5_write_atomic, into tmp */
static nb_status write_h5(const char *tmp, const char *path, const char *format_name,
                          int32_t format_version,
                          nb_status (*fill)(const void *ctx, hid_t file, const char *path),
                          const void *ctx)
{
    nb_status st = NB_OK;
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), f = -1;
    /* Strong close: H5Fclose really closes the file before it is renamed. */
    if (fapl < 0 || H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0) {
        st = nb_fail(NB_EINTERNAL, "%s: HDF5 file access property list failed", path);
        goto done;
    }
    if ((f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl)) < 0) {
        st = nb_fail(NB_EIO, "%s: cannot create HDF5 file %s", path, tmp);
        goto done;
    }
    if ((st = rp_h5_attr_str(f, "/", "format", format_name, path)) ||
        (st = rp_h5_attr_num(f, "/", "format_version", H5T_STD_I32LE, H5T_NATIVE_INT32,
                             &format_version, path)) ||
        (st = fill(ctx, f, path)))
        goto done;
    if (H5Fclose(f) < 0) st = nb_fail(NB_EIO, "%s: closing %s failed (disk full?)", path, tmp);
    f = -1;
done:
    rp_h5_close(f, H5Fclose);
    rp_h5_close(fapl, H5Pclose);
    return st;
}

nb_status rp_h5_write_atomic(const char *path, const char *format_name, int32_t format_version,
                             nb_status (*fill)(const void *ctx, hid_t file, const char *path),
                             const void *ctx)
{
    NB_ASSERT(path && format_name && fill);
    if (!path[0]) return nb_fail(NB_EINVAL, "results file: empty path");
    nb_status st = NB_OK;
    size_t n = strlen(path) + 40;
    char *tmp = nb_xmalloc(n);
    snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
    rp_h5_quiet q;
    rp_h5_quiet_on(&q);
    /* Create the temporary file ourselves first: errno then says why a
     * directory is not writable, which HDF5's message would not. */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        st = nb_fail(NB_EIO, "%s: cannot create temporary file %s: %s", path, tmp,
                     strerror(errno));
        goto done;
    }
    close(fd);
    if ((st = write_h5(tmp, path, format_name, format_version, fill, ctx))) goto fail;
    /* Data on disk before the rename makes it visible. */
    fd = open(tmp, O_RDONLY);
    if (fd < 0 || fsync(fd) != 0) {
        st = nb_fail(NB_EIO, "%s: cannot sync %s: %s", path, tmp, strerror(errno));
        if (fd >= 0) close(fd);
        goto fail;
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        st = nb_fail(NB_EIO, "%s: cannot rename %s into place: %s", path, tmp, strerror(errno));
        goto fail;
    }
    goto done;
fail:
    unlink(tmp);
done:
    rp_h5_quiet_off(&q);
    free(tmp);
    return st;
}
