/* tables/zc.c - proxy columns /zc/<dataset>/<proxy> (tables/tab_zc.h). The
 * commit path is add_column.c's: a checked copy, the new dataset, the
 * checksum recomputed by tab_h5_commit, a rename. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tables/tab_h5.h"
#include "tables/tab_zc.h"

static int bad_name(const char *s)
{
    return !s || !s[0] || strchr(s, '/') || !strcmp(s, ".") || !strcmp(s, "..") || strlen(s) > 100;
}

static nb_status copy_to(const char *src, const char *dst)
{
    FILE *in = fopen(src, "rb"), *out = in ? fopen(dst, "wb") : NULL;
    nb_status st = NB_OK;
    if (!in || !out) {
        st = nb_fail(NB_EIO, "%s: cannot copy to %s: %s", src, dst, strerror(errno));
    } else {
        char buf[1 << 16];
        size_t r;
        while ((r = fread(buf, 1, sizeof buf, in)) > 0)
            if (fwrite(buf, 1, r, out) != r) {
                st = nb_fail(NB_EIO, "%s: write failed: %s", dst, strerror(errno));
                break;
            }
        if (st == NB_OK && ferror(in)) st = nb_fail(NB_EIO, "%s: read failed", src);
    }
    if (in) fclose(in);
    if (out && fclose(out) != 0 && st == NB_OK) st = nb_fail(NB_EIO, "%s: close failed", dst);
    return st;
}

static nb_status ensure_group(hid_t file, const char *tmp, const char *g)
{
    htri_t ex = H5Lexists(file, g, H5P_DEFAULT);
    if (ex < 0) return tab_h5_fail(NB_EINTERNAL, tmp, "cannot look up", g);
    if (ex) return NB_OK;
    hid_t id = H5Gcreate2(file, g, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (id < 0) return tab_h5_fail(NB_EIO, tmp, "cannot create group", g);
    H5Gclose(id);
    return NB_OK;
}

static nb_status write_attrs(hid_t d, const char *tmp, const tab_zc_attrs *a)
{
    long long batch = a->batch, seed = (long long)a->seed;
    nb_status st;
    if ((st = tab_h5_set_str(d, tmp, "input", a->input ? a->input : "")) != NB_OK ||
        (st = tab_h5_set_str(d, tmp, "shape", a->shape ? a->shape : "")) != NB_OK ||
        (st = tab_h5_set_ints(d, tmp, "batch", &batch, 1, 1, 0)) != NB_OK ||
        (st = tab_h5_set_ints(d, tmp, "seed", &seed, 1, 1, 0)) != NB_OK ||
        (a->note && (st = tab_h5_set_str(d, tmp, "note", a->note)) != NB_OK))
        return st;
    return tab_h5_put_num(d, "column", "seconds_per_cell", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                          &a->seconds_per_cell, tmp);
}

nb_status tab_zc_write(const char *path, const char *dataset, const char *proxy,
                       const double *values, const tab_zc_attrs *a)
{
    if (bad_name(dataset) || bad_name(proxy))
        return nb_fail(NB_EINVAL, "proxy column: bad dataset or proxy name");
    tab_h5_quiet();
    char *tmp = nb_file_tmpname(path), *stored = NULL, hex[17];
    char grp[128], dpath[256];
    snprintf(grp, sizeof grp, "/zc/%s", dataset);
    snprintf(dpath, sizeof dpath, "/zc/%s/%s", dataset, proxy);
    hid_t file = H5I_INVALID_HID, sp = H5I_INVALID_HID, d = H5I_INVALID_HID;
    nb_status st = copy_to(path, tmp);
    if (st != NB_OK) goto fail;
    if ((file = tab_h5_open(tmp, H5F_ACC_RDWR)) < 0) {
        st = tab_h5_fail(NB_EFORMAT, path, "not an HDF5 table", NULL);
        goto fail;
    }
    if (tab_h5_attr_str(file, "content_checksum", &stored) != 1) {
        st = nb_fail(NB_EFORMAT, "%s: no content_checksum attribute; hint: rebuild the table", path);
        goto fail;
    }
    if ((st = tab_h5_checksum(file, path, hex)) != NB_OK) goto fail;
    if (strcmp(hex, stored)) {
        st = nb_fail(NB_EFORMAT, "%s: content checksum mismatch (stored %s, data %s): refusing "
                     "to add a column to a damaged table", path, stored, hex);
        goto fail;
    }
    hid_t ds0 = H5Dopen2(file, "/archs/str", H5P_DEFAULT);
    hsize_t n = 0;
    if (ds0 >= 0) {
        hid_t s0 = H5Dget_space(ds0);
        H5Sget_simple_extent_dims(s0, &n, NULL);
        H5Sclose(s0);
        H5Dclose(ds0);
    }
    if (n == 0) {
        st = tab_h5_fail(NB_EFORMAT, path, "cannot read", "/archs/str");
        goto fail;
    }
    if ((st = ensure_group(file, tmp, "/zc")) != NB_OK || (st = ensure_group(file, tmp, grp)) != NB_OK)
        goto fail;
    if (H5Lexists(file, dpath, H5P_DEFAULT) > 0 && H5Ldelete(file, dpath, H5P_DEFAULT) < 0) {
        st = tab_h5_fail(NB_EIO, tmp, "cannot replace", dpath);
        goto fail;
    }
    sp = H5Screate_simple(1, &n, NULL);
    d = H5Dcreate2(file, dpath, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (d < 0 || H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) < 0) {
        st = tab_h5_fail(NB_EIO, tmp, "cannot write dataset", dpath);
        goto fail;
    }
    if ((st = write_attrs(d, tmp, a)) != NB_OK) goto fail;
    H5Dclose(d), H5Sclose(sp);
    free(stored);
    st = tab_h5_commit(file, tmp, path, hex);
    free(tmp);
    return st;
fail:
    tab_h5_close(d, H5Dclose);
    tab_h5_close(sp, H5Sclose);
    tab_h5_close(file, H5Fclose);
    H5Eclear2(H5E_DEFAULT);
    nb_file_discard(tmp);
    free(tmp), free(stored);
    return st;
}

static hid_t open_col(const char *path, const char *dataset, const char *proxy, hid_t *file)
{
    char dpath[256];
    tab_h5_quiet();
    snprintf(dpath, sizeof dpath, "/zc/%s/%s", dataset, proxy);
    /* default access properties, as tab_open: HDF5 then shares a table that is open */
    *file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (*file < 0) return H5I_INVALID_HID;
    if (H5Lexists(*file, "/zc", H5P_DEFAULT) <= 0 || H5Lexists(*file, dpath + 0, H5P_DEFAULT) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return H5I_INVALID_HID;
    }
    return H5Dopen2(*file, dpath, H5P_DEFAULT);
}

int tab_zc_exists(const char *path, const char *dataset, const char *proxy)
{
    hid_t f, d = open_col(path, dataset, proxy, &f);
    if (f < 0) {
        tab_h5_fail(NB_EIO, path, "cannot open", NULL);
        return -1;
    }
    int r = d >= 0;
    tab_h5_close(d, H5Dclose);
    H5Fclose(f);
    H5Eclear2(H5E_DEFAULT);
    return r;
}

nb_status tab_zc_read(const char *path, const char *dataset, const char *proxy, double **out,
                      size_t *n)
{
    *out = NULL, *n = 0;
    hid_t f, d = open_col(path, dataset, proxy, &f);
    if (f < 0) return tab_h5_fail(NB_EIO, path, "cannot open", NULL);
    nb_status st = NB_OK;
    if (d < 0) {
        H5Fclose(f);
        H5Eclear2(H5E_DEFAULT);
        return nb_fail(NB_ENOTFOUND, "%s: no proxy column /zc/%s/%s; hint: nastab tables proxies "
                       "%s --dataset %s --proxies %s", path, dataset, proxy, path, dataset, proxy);
    }
    hid_t sp = H5Dget_space(d);
    hsize_t len = 0;
    H5Sget_simple_extent_dims(sp, &len, NULL);
    double *v = nb_xcalloc_array(len ? len : 1, sizeof(double));
    if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
        st = tab_h5_fail(NB_EIO, path, "cannot read proxy column", proxy);
        free(v);
        v = NULL;
    }
    H5Sclose(sp), H5Dclose(d), H5Fclose(f);
    *out = v, *n = v ? len : 0;
    return st;
}

char *tab_zc_input(const char *path, const char *dataset, const char *proxy)
{
    hid_t f, d = open_col(path, dataset, proxy, &f);
    char *s = NULL;
    if (d >= 0 && tab_h5_attr_str(d, "input", &s) != 1) s = NULL;
    tab_h5_close(d, H5Dclose);
    tab_h5_close(f, H5Fclose);
    H5Eclear2(H5E_DEFAULT);
    return s;
}

double tab_zc_seconds(const char *path, const char *dataset, const char *proxy)
{
    hid_t f, d = open_col(path, dataset, proxy, &f);
    double v = NAN;
    if (d >= 0 && H5Aexists(d, "seconds_per_cell") > 0) {
        hid_t a = H5Aopen(d, "seconds_per_cell", H5P_DEFAULT);
        if (a < 0 || H5Aread(a, H5T_NATIVE_DOUBLE, &v) < 0) v = NAN;
        tab_h5_close(a, H5Aclose);
    }
    tab_h5_close(d, H5Dclose);
    tab_h5_close(f, H5Fclose);
    H5Eclear2(H5E_DEFAULT);
    return v;
}
