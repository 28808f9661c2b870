/* tables/h5util.c - HDF5 error handling, attributes, the content checksum
 * and the commit of a finished file (see tab_h5.h; the checksum is defined
 * in tables/SCHEMA.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tables/tab_h5.h"

/* HDF5 1.10 registers H5_term_library with atexit, and that walks every file
 * id still registered: after an H5Fclose that failed (its flush hit a full
 * disk), the id stays registered but its file struct is freed, and the exit
 * crashed in H5F__close_cb (SIGSEGV after the right error message). Every
 * writer closes its files itself, so the process needs no library teardown:
 * H5dont_atexit, before the first HDF5 call of the process (a constructor,
 * since any module may make that call). */
__attribute__((constructor)) static void tab_h5_no_atexit(void)
{
    H5dont_atexit();
}

void tab_h5_quiet(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

/* File access with the 1.10 format as both bounds: every metadata structure
 * an object created through it gets (object headers, B-trees, heaps, the
 * superblock) carries a checksum, so damage is an error, not a crash. */
static hid_t checked_fapl(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    /* Strong close as well: H5Fclose really closes the file (any object a
     * writer left open with it) before nb_file_commit renames it. */
    if (fapl >= 0 && (H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_V110) < 0 ||
                      H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0)) {
        H5Pclose(fapl);
        return H5I_INVALID_HID;
    }
    return fapl;
}

nb_status tab_h5_create(const char *path, hid_t fcpl, char **tmp, hid_t *file)
{
    *file = H5I_INVALID_HID;
    tab_h5_quiet();
    nb_status st = nb_file_tmp_create(path, tmp, NULL);
    if (st != NB_OK) return st;
    hid_t fapl = checked_fapl();
    if (fapl < 0) {
        st = tab_h5_fail(NB_EINTERNAL, *tmp, "cannot set the file format version", NULL);
    } else {
        *file = H5Fcreate(*tmp, H5F_ACC_TRUNC, fcpl, fapl);
        H5Pclose(fapl);
        if (*file < 0) st = tab_h5_fail(NB_EIO, *tmp, "cannot create the file", NULL);
    }
    if (st != NB_OK) {
        nb_file_discard(*tmp);
        free(*tmp);
        *tmp = NULL;
    }
    return st;
}

hid_t tab_h5_open(const char *path, unsigned flags)
{
    tab_h5_quiet();
    hid_t fapl = checked_fapl();
    if (fapl < 0) return H5I_INVALID_HID;
    hid_t f = H5Fopen(path, flags, fapl);
    H5Pclose(fapl);
    return f;
}

typedef struct {
    char desc[200];
} h5_detail;

static herr_t detail_walk(unsigned n, const H5E_error2_t *e, void *data)
{
    (void)n;
    h5_detail *d = data;
    /* Walking downward, the last entry is the innermost (most specific). */
    if (!e->desc || !e->desc[0]) return 0;
    /* A failed system call reads "file write failed: time = ..., filename =
     * ..., errno = 28, error message = 'No space left on device', ...":
     * keep the operation and the OS's reason, on one line. */
    const char *em = strstr(e->desc, "error message = '");
    const char *colon = strchr(e->desc, ':');
    if (em && colon && colon < em) {
        em += strlen("error message = '");
        const char *q = strchr(em, '\'');
        snprintf(d->desc, sizeof d->desc, "%.*s: %.*s", (int)(colon - e->desc), e->desc,
                 (int)(q ? q - em : (long)strlen(em)), em);
    } else {
        snprintf(d->desc, sizeof d->desc, "%s", e->desc);
    }
    for (char *c = d->desc; *c; c++)
        if (*c == '\n' || *c == '\r') *c = ' ';
    return 0;
}

nb_status tab_h5_fail(nb_status st, const char *path, const char *what, const char *obj)
{
    h5_detail d = {{0}};
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, detail_walk, &d);
    H5Eclear2(H5E_DEFAULT);
    if (obj)
        return nb_fail(st, "%s: %s '%s'%s%s", path, what, obj, d.desc[0] ? ": " : "", d.desc);
    return nb_fail(st, "%s: %s%s%s", path, what, d.desc[0] ? ": " : "", d.desc);
}

int tab_h5_attr_str(hid_t obj, const char *name, char **out)
{
    *out = NULL;
    htri_t ex = H5Aexists(obj, name);
    if (ex <= 0) return ex < 0 ? -1 : 0;
    int rc = -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t ft = a >= 0 ? H5Aget_type(a) : H5I_INVALID_HID;
    hid_t sp = a >= 0 ? H5Aget_space(a) : H5I_INVALID_HID;
    hid_t mt = H5I_INVALID_HID;
    if (ft < 0 || sp < 0 || H5Tget_class(ft) != H5T_STRING) goto done;
    if (H5Sget_simple_extent_npoints(sp) != 1) goto done;
    htri_t vl = H5Tis_variable_str(ft);
    if (vl < 0) goto done;
    mt = H5Tcopy(H5T_C_S1);
    if (mt < 0) goto done;
    if (vl) {
        char *s = NULL;
        if (H5Tset_size(mt, H5T_VARIABLE) < 0 || H5Tset_cset(mt, H5Tget_cset(ft)) < 0) goto done;
        if (H5Aread(a, mt, &s) < 0) goto done;
        *out = nb_xstrdup(s ? s : "");
        if (s) H5free_memory(s);
    } else {
        size_t n = H5Tget_size(ft);
        if (n == 0 || n > (1u << 26)) goto done;
        if (H5Tset_size(mt, n + 1) < 0 || H5Tset_strpad(mt, H5T_STR_NULLTERM) < 0 ||
            H5Tset_cset(mt, H5Tget_cset(ft)) < 0)
            goto done;
        char *s = nb_xmalloc(n + 1);
        if (H5Aread(a, mt, s) < 0) {
            free(s);
            goto done;
        }
        s[n] = 0;
        *out = s;
    }
    rc = 1;
done:
    if (mt >= 0) H5Tclose(mt);
    if (sp >= 0) H5Sclose(sp);
    if (ft >= 0) H5Tclose(ft);
    if (a >= 0) H5Aclose(a);
    if (rc < 0) H5Eclear2(H5E_DEFAULT);
    return rc;
}

int tab_h5_attr_ints(hid_t obj, const char *name, long long **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    htri_t ex = H5Aexists(obj, name);
    if (ex <= 0) return ex < 0 ? -1 : 0;
    int rc = -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t ft = a >= 0 ? H5Aget_type(a) : H5I_INVALID_HID;
    hid_t sp = a >= 0 ? H5Aget_space(a) : H5I_INVALID_HID;
    if (ft < 0 || sp < 0 || H5Tget_class(ft) != H5T_INTEGER) goto done;
    if (H5Sget_simple_extent_ndims(sp) > 1) goto done;
    hssize_t np = H5Sget_simple_extent_npoints(sp);
    if (np < 1 || np > (1 << 20)) goto done;
    long long *v = nb_xcalloc_array((size_t)np, sizeof *v);
    if (H5Aread(a, H5T_NATIVE_LLONG, v) < 0) {
        free(v);
        goto done;
    }
    *out = v;
    *n = (size_t)np;
    rc = 1;
done:
    if (sp >= 0) H5Sclose(sp);
    if (ft >= 0) H5Tclose(ft);
    if (a >= 0) H5Aclose(a);
    if (rc < 0) H5Eclear2(H5E_DEFAULT);
    return rc;
}

static nb_status delete_attr(hid_t obj, const char *path, const char *name)
{
    htri_t ex = H5Aexists(obj, name);
    if (ex < 0) return tab_h5_fail(NB_EINTERNAL, path, "cannot query attribute", name);
    if (ex && H5Adelete(obj, name) < 0)
        return tab_h5_fail(NB_EIO, path, "cannot replace attribute", name);
    return NB_OK;
}

nb_status tab_h5_set_str(hid_t obj, const char *path, const char *name, const char *value)
{
    nb_status st = delete_attr(obj, path, name);
    if (st != NB_OK) return st;
    /* Fixed-length, not variable-length: a variable-length string lives in
     * the global heap, and HDF5 1.10 reads a corrupted global heap without
     * bounds checks (segfault in H5HG_read, found by fuzzing); a fixed-length
     * one sits inside the object header, which HDF5 checksums. */
    size_t len = strlen(value);
    hid_t t = H5Tcopy(H5T_C_S1), sp = H5Screate(H5S_SCALAR), a = H5I_INVALID_HID;
    st = NB_OK;
    if (t < 0 || sp < 0 || H5Tset_size(t, len ? len : 1) < 0 ||
        H5Tset_strpad(t, len ? H5T_STR_NULLPAD : H5T_STR_NULLTERM) < 0 ||
        H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
        st = tab_h5_fail(NB_EINTERNAL, path, "cannot make string type for attribute", name);
        goto done;
    }
    a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    char empty[1] = {0};
    if (a < 0 || H5Awrite(a, t, len ? value : empty) < 0)
        st = tab_h5_fail(NB_EIO, path, "cannot write attribute", name);
done:
    if (a >= 0) H5Aclose(a);
    if (sp >= 0) H5Sclose(sp);
    if (t >= 0) H5Tclose(t);
    return st;
}

nb_status tab_h5_set_ints(hid_t obj, const char *path, const char *name, const long long *v,
                          size_t n, int scalar, int int32)
{
    NB_ASSERT(n >= 1 && (!scalar || n == 1));
    nb_status st = delete_attr(obj, path, name);
    if (st != NB_OK) return st;
    hsize_t dim = n;
    hid_t sp = scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dim, NULL);
    hid_t a = H5I_INVALID_HID;
    if (sp >= 0)
        a = H5Acreate2(obj, name, int32 ? H5T_STD_I32LE : H5T_STD_I64LE, sp, H5P_DEFAULT,
                       H5P_DEFAULT);
    if (sp < 0 || a < 0 || H5Awrite(a, H5T_NATIVE_LLONG, v) < 0)
        st = tab_h5_fail(NB_EIO, path, "cannot write attribute", name);
    if (a >= 0) H5Aclose(a);
    if (sp >= 0) H5Sclose(sp);
    return st;
}

/* ---- content checksum: FNV-1a 64 (Fowler, Noll, Vo) over, for every
 * dataset of integer, float or fixed-length string type in byte-wise sorted
 * order of its absolute path: the path, a 0 byte, the elements in row-major
 * order as little-endian bytes of their stored size; then each of its
 * integer/float attributes in byte-wise name order: the name, a 0 byte, the
 * values as little-endian bytes. */

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= FNV_PRIME;
    }
    return h;
}

typedef struct {
    char **paths;
    size_t n, cap;
} path_list;

static herr_t collect_link(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    path_list *l = data;
    if (info->type != H5L_TYPE_HARD) return 0;
    /* H5Oopen + H5Iget_type: the same call in HDF5 1.10 and 1.12+. */
    hid_t o = H5Oopen(g, name, H5P_DEFAULT);
    if (o < 0) return -1;
    H5I_type_t ty = H5Iget_type(o);
    H5Oclose(o);
    if (ty != H5I_DATASET) return 0;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->paths = nb_xrealloc_array(l->paths, l->cap, sizeof *l->paths);
    }
    size_t len = strlen(name);
    char *p = nb_xmalloc(len + 2);
    p[0] = '/';
    memcpy(p + 1, name, len + 1);
    l->paths[l->n++] = p;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Attribute names, for sorting. Iterations here are all in HDF5's native
 * order and sorted by us: an ordered iteration of a large group or
 * attribute set goes through a table HDF5 1.10 builds first, and a damaged
 * block failing its checksum half-way made HDF5 free the unfilled entries
 * (SIGSEGV, found by flipping bits); the native iteration fails cleanly. */
static herr_t collect_name(hid_t loc, const char *name, const H5A_info_t *info, void *data)
{
    (void)loc;
    (void)info;
    path_list *l = data;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->paths = nb_xrealloc_array(l->paths, l->cap, sizeof *l->paths);
    }
    l->paths[l->n++] = nb_xstrdup(name);
    return 0;
}

/* Little-endian memory type matching the stored integer/float type, or a
 * copy of a fixed-length string type; H5I_INVALID_HID when not hashed. */
static hid_t hash_type(hid_t ft)
{
    H5T_class_t cls = H5Tget_class(ft);
    size_t sz = H5Tget_size(ft);
    if (cls == H5T_INTEGER) {
        int sgn = H5Tget_sign(ft) == H5T_SGN_2;
        switch (sz) {
        case 1: return H5Tcopy(sgn ? H5T_STD_I8LE : H5T_STD_U8LE);
        case 2: return H5Tcopy(sgn ? H5T_STD_I16LE : H5T_STD_U16LE);
        case 4: return H5Tcopy(sgn ? H5T_STD_I32LE : H5T_STD_U32LE);
        case 8: return H5Tcopy(sgn ? H5T_STD_I64LE : H5T_STD_U64LE);
        default: return H5I_INVALID_HID;
        }
    }
    if (cls == H5T_FLOAT) {
        if (sz == 4) return H5Tcopy(H5T_IEEE_F32LE);
        if (sz == 8) return H5Tcopy(H5T_IEEE_F64LE);
        return H5I_INVALID_HID;
    }
    if (cls == H5T_STRING && H5Tis_variable_str(ft) == 0) return H5Tcopy(ft);
    return H5I_INVALID_HID;
}

typedef struct {
    uint64_t h;
    int err;
} attr_hash;

static herr_t hash_attr(hid_t loc, const char *name, const H5A_info_t *ainfo, void *data)
{
    (void)ainfo;
    attr_hash *ah = data;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0) return -1;
    hid_t ft = H5Aget_type(a), sp = H5Aget_space(a), mt = H5I_INVALID_HID;
    herr_t rc = 0;
    if (ft < 0 || sp < 0) {
        rc = -1;
        goto done;
    }
    H5T_class_t cls = H5Tget_class(ft);
    if (cls != H5T_INTEGER && cls != H5T_FLOAT) goto done;
    mt = hash_type(ft);
    hssize_t np = H5Sget_simple_extent_npoints(sp);
    if (mt < 0 || np < 0 || np > (1 << 24)) {
        rc = -1;
        goto done;
    }
    size_t bytes;
    if (!nb_mul_ok((size_t)np, H5Tget_size(mt), &bytes)) {
        rc = -1;
        goto done;
    }
    unsigned char *buf = nb_xmalloc(bytes ? bytes : 1);
    if (H5Aread(a, mt, buf) < 0) {
        free(buf);
        rc = -1;
        goto done;
    }
    ah->h = fnv(ah->h, name, strlen(name) + 1);
    ah->h = fnv(ah->h, buf, bytes);
    free(buf);
done:
    if (mt >= 0) H5Tclose(mt);
    if (sp >= 0) H5Sclose(sp);
    if (ft >= 0) H5Tclose(ft);
    H5Aclose(a);
    return rc;
}

/* Hash one dataset (row blocks of at most ~4 MB). */
static nb_status hash_dataset(hid_t file, const char *fpath, const char *dpath, uint64_t *h)
{
    nb_status st = NB_OK;
    unsigned char *buf = NULL;
    hid_t d = H5Dopen2(file, dpath, H5P_DEFAULT);
    hid_t ft = d >= 0 ? H5Dget_type(d) : H5I_INVALID_HID;
    hid_t sp = d >= 0 ? H5Dget_space(d) : H5I_INVALID_HID;
    hid_t mt = H5I_INVALID_HID, msp = H5I_INVALID_HID;
    if (ft < 0 || sp < 0) {
        st = tab_h5_fail(NB_EFORMAT, fpath, "cannot open dataset", dpath);
        goto done;
    }
    mt = hash_type(ft);
    if (mt < 0) goto done; /* not a hashed type */
    int rank = H5Sget_simple_extent_ndims(sp);
    hsize_t dims[H5S_MAX_RANK];
    if (rank < 0 || H5Sget_simple_extent_dims(sp, dims, NULL) < 0) {
        st = tab_h5_fail(NB_EFORMAT, fpath, "cannot read the shape of", dpath);
        goto done;
    }
    *h = fnv(*h, dpath, strlen(dpath) + 1);
    size_t esz = H5Tget_size(mt), row = esz;
    for (int i = 1; i < rank; i++)
        if (!nb_mul_ok(row, (size_t)dims[i], &row) || row > ((size_t)1 << 30)) {
            st = nb_fail(NB_EFORMAT, "%s: dataset '%s' is too large", fpath, dpath);
            goto done;
        }
    if (rank == 0) {
        buf = nb_xmalloc(esz);
        if (H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
            st = tab_h5_fail(NB_EFORMAT, fpath, "cannot read dataset", dpath);
            goto done;
        }
        *h = fnv(*h, buf, esz);
    } else if (dims[0] > 0 && row > 0) {
        hsize_t block = row >= (4u << 20) ? 1 : (hsize_t)((4u << 20) / row);
        if (block > dims[0]) block = dims[0];
        buf = nb_xmalloc((size_t)block * row);
        for (hsize_t r0 = 0; r0 < dims[0]; r0 += block) {
            hsize_t cnt[H5S_MAX_RANK], off[H5S_MAX_RANK] = {0};
            for (int i = 0; i < rank; i++) cnt[i] = dims[i];
            cnt[0] = dims[0] - r0 < block ? dims[0] - r0 : block;
            off[0] = r0;
            msp = H5Screate_simple(rank, cnt, NULL);
            if (msp < 0 || H5Sselect_hyperslab(sp, H5S_SELECT_SET, off, NULL, cnt, NULL) < 0 ||
                H5Dread(d, mt, msp, sp, H5P_DEFAULT, buf) < 0) {
                st = tab_h5_fail(NB_EFORMAT, fpath, "cannot read dataset", dpath);
                goto done;
            }
            H5Sclose(msp);
            msp = H5I_INVALID_HID;
            *h = fnv(*h, buf, (size_t)cnt[0] * row);
        }
    }
    /* Names in native order, sorted here (see collect_name). */
    attr_hash ah = {*h, 0};
    path_list an = {0};
    hsize_t aidx = 0;
    herr_t arc = H5Aiterate2(d, H5_INDEX_NAME, H5_ITER_NATIVE, &aidx, collect_name, &an);
    if (arc >= 0 && an.n) qsort(an.paths, an.n, sizeof *an.paths, cmp_str);
    for (size_t i = 0; i < an.n && arc >= 0; i++) arc = hash_attr(d, an.paths[i], NULL, &ah);
    for (size_t i = 0; i < an.n; i++) free(an.paths[i]);
    free(an.paths);
    if (arc < 0) {
        st = tab_h5_fail(NB_EFORMAT, fpath, "cannot read the attributes of", dpath);
        goto done;
    }
    *h = ah.h;
done:
    free(buf);
    if (msp >= 0) H5Sclose(msp);
    if (mt >= 0) H5Tclose(mt);
    if (sp >= 0) H5Sclose(sp);
    if (ft >= 0) H5Tclose(ft);
    if (d >= 0) H5Dclose(d);
    return st;
}

nb_status tab_h5_checksum(hid_t file, const char *path, char hex[17])
{
    path_list l = {0};
    nb_status st = NB_OK;
    if (H5Lvisit(file, H5_INDEX_NAME, H5_ITER_NATIVE, collect_link, &l) < 0) {
        st = tab_h5_fail(NB_EFORMAT, path, "cannot list the objects of the file", NULL);
        goto done;
    }
    if (l.n) qsort(l.paths, l.n, sizeof *l.paths, cmp_str);
    uint64_t h = FNV_OFFSET;
    for (size_t i = 0; i < l.n && st == NB_OK; i++) st = hash_dataset(file, path, l.paths[i], &h);
    if (st == NB_OK) snprintf(hex, 17, "%016llx", (unsigned long long)h);
done:
    for (size_t i = 0; i < l.n; i++) free(l.paths[i]);
    free(l.paths);
    return st;
}

nb_status tab_h5_commit(hid_t file, const char *tmp, const char *path, char hex[17])
{
    nb_status st = NB_OK;
    if (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0)
        st = tab_h5_fail(NB_EIO, tmp, "cannot flush", NULL);
    if (st == NB_OK) st = tab_h5_checksum(file, tmp, hex);
    if (st == NB_OK) st = tab_h5_set_str(file, tmp, "content_checksum", hex);
    if (H5Fclose(file) < 0 && st == NB_OK) st = tab_h5_fail(NB_EIO, tmp, "cannot close", NULL);
    if (st != NB_OK) {
        H5Eclear2(H5E_DEFAULT);
        nb_file_discard(tmp);
        return st;
    }
    return nb_file_commit(tmp, path);
}

/* ---- writing whole HDF5 files (the results files of results/) ---- */

void tab_h5_quiet_save(tab_h5_quiet_state *q)
{
    H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

void tab_h5_quiet_restore(const tab_h5_quiet_state *q) { H5Eset_auto2(H5E_DEFAULT, q->func, q->data); }

void tab_h5_close(hid_t id, herr_t (*fn)(hid_t))
{
    if (id >= 0) fn(id);
}

/* one scalar attribute of type file_type, written from memory type mem_type */
static nb_status put_scalar(hid_t loc, const char *obj, const char *name, hid_t file_type,
                             hid_t mem_type, const void *v, const char *path)
{
    nb_status st = NB_OK;
    hid_t space = H5Screate(H5S_SCALAR), attr = -1;
    if (space < 0 || (attr = H5Acreate2(loc, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
        H5Awrite(attr, mem_type, v) < 0)
        st = nb_fail(NB_EIO, "%s: cannot write attribute %s of %s", path, name, obj);
    tab_h5_close(attr, H5Aclose);
    tab_h5_close(space, H5Sclose);
    return st;
}

nb_status tab_h5_put_str(hid_t loc, const char *obj, const char *name, const char *v,
                         const char *path)
{
    const char *data[1] = {v ? v : ""};
    hid_t type = H5Tcopy(H5T_C_S1);
    nb_status st;
    if (type < 0 || H5Tset_size(type, H5T_VARIABLE) < 0 || H5Tset_cset(type, H5T_CSET_UTF8) < 0)
        st = nb_fail(NB_EIO, "%s: cannot write attribute %s of %s", path, name, obj);
    else
        st = put_scalar(loc, obj, name, type, type, data, path);
    tab_h5_close(type, H5Tclose);
    return st;
}

nb_status tab_h5_put_num(hid_t loc, const char *obj, const char *name, hid_t file_type,
                         hid_t mem_type, const void *v, const char *path)
{
    return put_scalar(loc, obj, name, file_type, mem_type, v, path);
}

/* the HDF5 side of tab_h5_write_atomic, into tmp */
static nb_status write_h5_file(const char *tmp, const char *path, const char *format_name,
                               int32_t format_version,
                               nb_status (*fill)(const void *ctx, hid_t file, const char *path),
                               const void *ctx)
{
    nb_status st = NB_OK;
    /* The checksummed 1.10 format and strong close, as every file we write. */
    hid_t fapl = checked_fapl(), f = -1;
    if (fapl < 0) {
        st = nb_fail(NB_EINTERNAL, "%s: HDF5 file access property list failed", path);
        goto done;
    }
    if ((f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl)) < 0) {
        st = nb_fail(NB_EIO, "%s: cannot create HDF5 file %s", path, tmp);
        goto done;
    }
    if ((st = tab_h5_put_str(f, "/", "format", format_name, path)) ||
        (st = tab_h5_put_num(f, "/", "format_version", H5T_STD_I32LE, H5T_NATIVE_INT32,
                             &format_version, path)) ||
        (st = fill(ctx, f, path)))
        goto done;
    if (H5Fclose(f) < 0) st = nb_fail(NB_EIO, "%s: closing %s failed (disk full?)", path, tmp);
    f = -1;
done:
    tab_h5_close(f, H5Fclose);
    tab_h5_close(fapl, H5Pclose);
    return st;
}

nb_status tab_h5_write_atomic(const char *path, const char *format_name, int32_t format_version,
                              nb_status (*fill)(const void *ctx, hid_t file, const char *path),
                              const void *ctx)
{
    NB_ASSERT(path && format_name && fill);
    if (!path[0]) return nb_fail(NB_EINVAL, "results file: empty path");
    char *tmp = NULL;
    tab_h5_quiet_state q;
    tab_h5_quiet_save(&q);
    /* The temporary is created by nb_file_tmp_create first: errno then says
     * why a directory is not writable, which HDF5's message would not. */
    nb_status st = nb_file_tmp_create(path, &tmp, NULL);
    if (st != NB_OK) goto done;
    if ((st = write_h5_file(tmp, path, format_name, format_version, fill, ctx)) != NB_OK) {
        nb_file_discard(tmp);
        goto done;
    }
    st = nb_file_commit(tmp, path); /* fsync, rename, fsync the directory */
done:
    tab_h5_quiet_restore(&q);
    free(tmp);
    return st;
}
