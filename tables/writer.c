/* tables/writer.c - the table writer (tab_writer_*, see tab.h; layout in
 * tables/SCHEMA.md). Writes "<path>.tmp.<pid>", then checksum, fsync and
 * rename, so an existing table is replaced only by a complete one. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tables/tab.h"
#include "tables/tab_h5.h"

struct tab_writer {
    char *path;  /* final path */
    char *tmp;   /* "<path>.tmp.<pid>" */
    hid_t file;
    size_t n;    /* architectures */
    hid_t gcpl;  /* group creation: link creation order tracked + indexed */
};

/* Chunked, shuffled, deflate-compressed float/int dataset at `dpath`. */
static nb_status write_array(tab_writer *w, const char *dpath, hid_t file_type, hid_t mem_type,
                             int rank, const hsize_t *dims, const void *data)
{
    nb_status st = NB_OK;
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE), d = H5I_INVALID_HID;
    /* Chunks of whole rows, at most ~1 MiB, so one query column decompresses
     * in a few chunk reads and all-missing regions compress to almost nothing. */
    size_t row = H5Tget_size(file_type);
    for (int i = 1; i < rank; i++) row *= (size_t)dims[i];
    hsize_t chunk[H5S_MAX_RANK];
    for (int i = 0; i < rank; i++) chunk[i] = dims[i] ? dims[i] : 1;
    hsize_t rows = row >= (1u << 20) ? 1 : (hsize_t)((1u << 20) / row);
    if (rows < chunk[0]) chunk[0] = rows;
    /* Fletcher-32 after deflate: a damaged chunk fails to read instead of
     * decoding to wrong numbers. */
    if (sp < 0 || dcpl < 0 || H5Pset_chunk(dcpl, rank, chunk) < 0 || H5Pset_shuffle(dcpl) < 0 ||
        H5Pset_deflate(dcpl, 4) < 0 || H5Pset_fletcher32(dcpl) < 0 ||
        H5Pset_obj_track_times(dcpl, 0) < 0) {
        st = tab_h5_fail(NB_EINTERNAL, w->tmp, "cannot set up dataset", dpath);
        goto done;
    }
    if (H5Tget_class(file_type) == H5T_FLOAT) {
        float nanv = NAN;
        if (H5Pset_fill_value(dcpl, H5T_NATIVE_FLOAT, &nanv) < 0) {
            st = tab_h5_fail(NB_EINTERNAL, w->tmp, "cannot set the fill value of", dpath);
            goto done;
        }
    }
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    if (lcpl < 0 || H5Pset_create_intermediate_group(lcpl, 1) < 0) {
        if (lcpl >= 0) H5Pclose(lcpl);
        st = tab_h5_fail(NB_EINTERNAL, w->tmp, "cannot set up dataset", dpath);
        goto done;
    }
    d = H5Dcreate2(w->file, dpath, file_type, sp, lcpl, dcpl, H5P_DEFAULT);
    H5Pclose(lcpl);
    if (d < 0) {
        st = tab_h5_fail(NB_EIO, w->tmp, "cannot create dataset", dpath);
        goto done;
    }
    if (H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        st = tab_h5_fail(NB_EIO, w->tmp, "cannot write dataset", dpath);
done:
    if (d >= 0) H5Dclose(d);
    if (dcpl >= 0) H5Pclose(dcpl);
    if (sp >= 0) H5Sclose(sp);
    return st;
}

/* Create every missing group along `gpath` (absolute), tracking creation
 * order so readers list datasets in the order they were added. */
static nb_status ensure_group(tab_writer *w, const char *gpath)
{
    char buf[512];
    size_t len = strlen(gpath);
    if (len >= sizeof buf) return nb_fail(NB_EINVAL, "%s: group path too long: '%s'", w->tmp, gpath);
    memcpy(buf, gpath, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != 0) continue;
        char c = buf[i];
        buf[i] = 0;
        htri_t ex = H5Lexists(w->file, buf, H5P_DEFAULT);
        if (ex < 0) return tab_h5_fail(NB_EINTERNAL, w->tmp, "cannot look up", buf);
        if (!ex) {
            hid_t g = H5Gcreate2(w->file, buf, H5P_DEFAULT, w->gcpl, H5P_DEFAULT);
            if (g < 0) return tab_h5_fail(NB_EIO, w->tmp, "cannot create group", buf);
            H5Gclose(g);
        }
        buf[i] = c;
    }
    return NB_OK;
}

static int bad_name(const char *s)
{
    return !s || !s[0] || strchr(s, '/') || !strcmp(s, ".") || !strcmp(s, "..") || strlen(s) > 100;
}

/* Set a string attribute on the object at opath (skipped when value NULL). */
static nb_status set_obj_str(tab_writer *w, const char *opath, const char *name, const char *value)
{
    if (!value) return NB_OK;
    hid_t o = H5Oopen(w->file, opath, H5P_DEFAULT);
    if (o < 0) return tab_h5_fail(NB_EIO, w->tmp, "cannot open", opath);
    nb_status st = tab_h5_set_str(o, w->tmp, name, value);
    H5Oclose(o);
    return st;
}

static nb_status set_obj_ints(tab_writer *w, const char *opath, const char *name, const int *v,
                              size_t n, int scalar)
{
    long long *ll = nb_xcalloc_array(n, sizeof *ll);
    for (size_t i = 0; i < n; i++) ll[i] = v[i];
    hid_t o = H5Oopen(w->file, opath, H5P_DEFAULT);
    nb_status st;
    if (o < 0) st = tab_h5_fail(NB_EIO, w->tmp, "cannot open", opath);
    else st = tab_h5_set_ints(o, w->tmp, name, ll, n, scalar, 1);
    if (o >= 0) H5Oclose(o);
    free(ll);
    return st;
}

nb_status tab_writer_create(const char *path, const char *space, size_t n_archs,
                            const space_arch *archs, tab_writer **out)
{
    *out = NULL;
    if (!path || !path[0]) return nb_fail(NB_EINVAL, "table writer: empty output path");
    const space_def *sp = space ? space_find(space) : NULL;
    if (!sp) {
        char why[256];
        snprintf(why, sizeof why, "%s", space ? nb_errmsg() : "no search space given");
        return nb_fail(NB_EINVAL, "%s: %s", path, why);
    }
    if (n_archs < 1 || n_archs > sp->size || !archs)
        return nb_fail(NB_EINVAL, "%s: n_archs %zu out of range [1, %u] of space '%s'", path,
                       n_archs, sp->size, sp->name);
    /* Validate the architectures: choices in range, no duplicate indices. */
    int32_t *seen = nb_xcalloc_array(sp->size, sizeof *seen);
    for (size_t i = 0; i < n_archs; i++) {
        if (!space_arch_valid(sp, &archs[i])) {
            free(seen);
            return nb_fail(NB_EINVAL, "%s: arch %zu is not an architecture of space '%s'", path, i,
                           sp->name);
        }
        uint32_t c = sp->index(&archs[i]);
        if (seen[c]) {
            int prev = seen[c] - 1;
            free(seen);
            return nb_fail(NB_EINVAL, "%s: arch %zu repeats arch %d (index %u)", path, i, prev, c);
        }
        seen[c] = (int32_t)i + 1;
    }
    free(seen);

    tab_h5_quiet();
    tab_writer *w = nb_xcalloc_array(1, sizeof *w);
    w->file = H5I_INVALID_HID;
    w->gcpl = H5I_INVALID_HID;
    w->n = n_archs;
    w->path = nb_xstrdup(path);
    nb_status st = NB_OK;
    char *strs = NULL;
    uint8_t *ops = NULL;

    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    w->gcpl = H5Pcreate(H5P_GROUP_CREATE);
    unsigned flags = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
    if (fcpl < 0 || w->gcpl < 0 || H5Pset_link_creation_order(fcpl, flags) < 0 ||
        H5Pset_link_creation_order(w->gcpl, flags) < 0 || H5Pset_obj_track_times(fcpl, 0) < 0 ||
        H5Pset_obj_track_times(w->gcpl, 0) < 0) {
        if (fcpl >= 0) H5Pclose(fcpl);
        st = tab_h5_fail(NB_EINTERNAL, path, "cannot set up file creation", NULL);
        goto fail;
    }
    /* The HDF5 1.10 file format (tab_h5_create): every metadata structure
     * carries a checksum, so a corrupt file fails to open or read instead of
     * crashing the library (the 1.8 defaults have none: fuzzing crashed HDF5
     * inside H5Aiterate2). */
    st = tab_h5_create(path, fcpl, &w->tmp, &w->file);
    H5Pclose(fcpl);
    if (st != NB_OK) goto fail;

    /* Root attributes. */
    char created[32];
    /* Reproducible builds: SOURCE_DATE_EPOCH (reproducible-builds.org) fixes
     * the creation time, so a rebuild from the same data is the same file. */
    time_t now = time(NULL);
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    long long sde_v;
    if (sde && *sde && sscanf(sde, "%lld", &sde_v) == 1 && sde_v >= 0) now = (time_t)sde_v;
    struct tm tmv;
    gmtime_r(&now, &tmv);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    long long ver = TAB_SCHEMA_VERSION, n_ll = (long long)n_archs;
    if ((st = tab_h5_set_str(w->file, w->tmp, "format", TAB_FORMAT_NAME)) != NB_OK ||
        (st = tab_h5_set_ints(w->file, w->tmp, "schema_version", &ver, 1, 1, 1)) != NB_OK ||
        (st = tab_h5_set_str(w->file, w->tmp, "space", space)) != NB_OK ||
        (st = tab_h5_set_ints(w->file, w->tmp, "n_archs", &n_ll, 1, 1, 0)) != NB_OK ||
        (st = tab_h5_set_str(w->file, w->tmp, "created", created)) != NB_OK ||
        (st = tab_h5_set_str(w->file, w->tmp, "nastab_version", nb_version())) != NB_OK ||
        (st = tab_h5_set_str(w->file, w->tmp, "git_sha", nb_git_sha())) != NB_OK)
        goto fail;

    /* /archs/ops (N, n_decisions) uint8 and /archs/str (N) fixed-length strings. */
    const size_t nd = (size_t)sp->n_decisions;
    ops = nb_xcalloc_array(n_archs, nd);
    size_t maxlen = 1;
    char one[SPACE_STR_MAX];
    NB_ASSERT(sp->str_max <= sizeof one);
    for (size_t i = 0; i < n_archs; i++) {
        memcpy(ops + i * nd, archs[i].op, nd);
        size_t l = sp->format(&archs[i], one, sizeof one);
        if (l > maxlen) maxlen = l;
    }
    strs = nb_xcalloc_array(n_archs, maxlen);
    for (size_t i = 0; i < n_archs; i++) {
        sp->format(&archs[i], one, sizeof one);
        memcpy(strs + i * maxlen, one, strlen(one));
    }
    if ((st = ensure_group(w, "/archs")) != NB_OK) goto fail;
    hsize_t d2[2] = {n_archs, nd};
    if ((st = write_array(w, "/archs/ops", H5T_STD_U8LE, H5T_NATIVE_UINT8, 2, d2, ops)) != NB_OK)
        goto fail;
    hid_t stype = H5Tcopy(H5T_C_S1);
    if (stype < 0 || H5Tset_size(stype, maxlen) < 0 || H5Tset_strpad(stype, H5T_STR_NULLPAD) < 0) {
        if (stype >= 0) H5Tclose(stype);
        st = tab_h5_fail(NB_EINTERNAL, w->tmp, "cannot make the string type of", "/archs/str");
        goto fail;
    }
    hsize_t d1 = n_archs;
    st = write_array(w, "/archs/str", stype, stype, 1, &d1, strs);
    H5Tclose(stype);
    if (st != NB_OK) goto fail;
    if (sp == &space_nb201) {
        if ((st = set_obj_str(w, "/archs/ops", "edge_order",
                              "e0 0->1, e1 0->2, e2 1->2, e3 0->3, e4 1->3, e5 2->3")) != NB_OK ||
            (st = set_obj_str(w, "/archs/ops", "op_ids",
                              "0 none, 1 skip_connect, 2 nor_conv_1x1, 3 nor_conv_3x3, "
                              "4 avg_pool_3x3")) != NB_OK)
            goto fail;
    } else if ((st = set_obj_str(w, "/archs/ops", "choices", sp->title)) != NB_OK) {
        goto fail;
    }
    if ((st = ensure_group(w, "/datasets")) != NB_OK) goto fail;
    free(ops);
    free(strs);
    *out = w;
    return NB_OK;
fail:
    free(ops);
    free(strs);
    tab_writer_abort(w);
    return st;
}

nb_status tab_writer_attr(tab_writer *w, const char *name, const char *value)
{
    NB_ASSERT(w);
    static const char *const reserved[] = {"format", "schema_version", "space", "n_archs",
                                           "content_checksum"};
    if (!name || !name[0] || !value) return nb_fail(NB_EINVAL, "%s: empty attribute", w->tmp);
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (!strcmp(name, reserved[i]))
            return nb_fail(NB_EINVAL, "%s: root attribute '%s' is written by the writer itself",
                           w->tmp, name);
    return tab_h5_set_str(w->file, w->tmp, name, value);
}

nb_status tab_writer_metric(tab_writer *w, const char *dataset, int fidelity, tab_metric_id m,
                            const tab_metric_data *d)
{
    NB_ASSERT(w && d);
    if (bad_name(dataset))
        return nb_fail(NB_EINVAL, "%s: bad dataset name '%s'", w->tmp, dataset ? dataset : "");
    if (fidelity < 1 || fidelity > 100000)
        return nb_fail(NB_EINVAL, "%s: %s: fidelity %d out of range [1, 100000]", w->tmp, dataset,
                       fidelity);
    if ((int)m < 0 || m >= TAB_METRIC_COUNT)
        return nb_fail(NB_EINVAL, "%s: %s/%d: metric id %d out of range", w->tmp, dataset,
                       fidelity, (int)m);
    char g[256];
    snprintf(g, sizeof g, "/datasets/%s/%d/%s", dataset, fidelity, tab_metric_name(m));
    if (!d->final_mean) return nb_fail(NB_EINVAL, "%s: %s: final_mean is required", w->tmp, g);
    if (d->n_seeds < 0 || d->n_seeds > 1000 || (d->n_seeds > 0 && !d->seeds) ||
        (d->n_seeds == 0 && (d->final_seeds || d->curve_seeds)) ||
        (d->n_seeds > 0 && !d->final_seeds && !d->curve_seeds))
        return nb_fail(NB_EINVAL, "%s: %s: inconsistent seed axis (n_seeds %d)", w->tmp, g,
                       d->n_seeds);
    for (int i = 0; i < d->n_seeds; i++)
        for (int j = 0; j < i; j++)
            if (d->seeds[i] == d->seeds[j] || d->seeds[i] < 0)
                return nb_fail(NB_EINVAL, "%s: %s: seed %d repeated or negative", w->tmp, g,
                               d->seeds[i]);
    if (d->n_epochs < 0 || d->n_epochs > 100000 || (d->n_epochs > 0 && !d->epochs) ||
        (d->n_epochs == 0 && (d->curve_mean || d->curve_seeds)) ||
        (d->n_epochs > 0 && !d->curve_mean && !d->curve_seeds))
        return nb_fail(NB_EINVAL, "%s: %s: inconsistent epoch axis (n_epochs %d)", w->tmp, g,
                       d->n_epochs);
    for (int i = 0; i < d->n_epochs; i++)
        if (d->epochs[i] < 1 || d->epochs[i] > fidelity || (i && d->epochs[i] <= d->epochs[i - 1]))
            return nb_fail(NB_EINVAL,
                           "%s: %s: epochs must increase strictly within [1, %d]; got %d at %d",
                           w->tmp, g, fidelity, d->epochs[i], i);
    char pd[256], pf[256];
    snprintf(pd, sizeof pd, "/datasets/%s", dataset);
    snprintf(pf, sizeof pf, "/datasets/%s/%d", dataset, fidelity);
    if (H5Lexists(w->file, pd, H5P_DEFAULT) > 0 && H5Lexists(w->file, pf, H5P_DEFAULT) > 0 &&
        H5Lexists(w->file, g, H5P_DEFAULT) > 0)
        return nb_fail(NB_EINVAL, "%s: %s written twice", w->tmp, g);
    nb_status st = ensure_group(w, g);
    if (st != NB_OK) return st;
    int fid_attr = fidelity;
    if ((st = set_obj_ints(w, pf, "epochs", &fid_attr, 1, 1)) != NB_OK) return st;
    if ((st = set_obj_str(w, g, "unit", d->unit)) != NB_OK ||
        (st = set_obj_str(w, g, "source", d->source)) != NB_OK ||
        (st = set_obj_str(w, g, "derived", d->derived)) != NB_OK)
        return st;
    char p[300];
    hsize_t dims[3] = {w->n, 0, 0};
    snprintf(p, sizeof p, "%s/final_mean", g);
    if ((st = write_array(w, p, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 1, dims, d->final_mean)) != NB_OK)
        return st;
    if (d->final_seeds) {
        snprintf(p, sizeof p, "%s/final_seeds", g);
        dims[1] = (hsize_t)d->n_seeds;
        if ((st = write_array(w, p, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, dims, d->final_seeds)) !=
                NB_OK ||
            (st = set_obj_ints(w, p, "seeds", d->seeds, (size_t)d->n_seeds, 0)) != NB_OK)
            return st;
    }
    if (d->curve_mean) {
        snprintf(p, sizeof p, "%s/curve_mean", g);
        dims[1] = (hsize_t)d->n_epochs;
        if ((st = write_array(w, p, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, dims, d->curve_mean)) !=
                NB_OK ||
            (st = set_obj_ints(w, p, "epochs", d->epochs, (size_t)d->n_epochs, 0)) != NB_OK)
            return st;
    }
    if (d->curve_seeds) {
        snprintf(p, sizeof p, "%s/curve_seeds", g);
        dims[1] = (hsize_t)d->n_seeds;
        dims[2] = (hsize_t)d->n_epochs;
        if ((st = write_array(w, p, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 3, dims, d->curve_seeds)) !=
                NB_OK ||
            (st = set_obj_ints(w, p, "seeds", d->seeds, (size_t)d->n_seeds, 0)) != NB_OK ||
            (st = set_obj_ints(w, p, "epochs", d->epochs, (size_t)d->n_epochs, 0)) != NB_OK)
            return st;
    }
    return NB_OK;
}

nb_status tab_writer_cost(tab_writer *w, const char *dataset, const char *name,
                          const float *values, const char *unit, const char *derived)
{
    NB_ASSERT(w);
    if (bad_name(dataset) || bad_name(name) || !values)
        return nb_fail(NB_EINVAL, "%s: bad cost column '%s/%s'", w->tmp, dataset ? dataset : "",
                       name ? name : "");
    char p[256];
    snprintf(p, sizeof p, "/costs/%s", dataset);
    nb_status st = ensure_group(w, p);
    if (st != NB_OK) return st;
    snprintf(p, sizeof p, "/costs/%s/%s", dataset, name);
    if (H5Lexists(w->file, p, H5P_DEFAULT) > 0)
        return nb_fail(NB_EINVAL, "%s: %s written twice", w->tmp, p);
    hsize_t dim = w->n;
    if ((st = write_array(w, p, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 1, &dim, values)) != NB_OK ||
        (st = set_obj_str(w, p, "unit", unit)) != NB_OK ||
        (st = set_obj_str(w, p, "derived", derived)) != NB_OK)
        return st;
    return NB_OK;
}

nb_status tab_writer_hardware(tab_writer *w, const tab_device_info *info, const float *values,
                              const char *note)
{
    NB_ASSERT(w && info);
    if (bad_name(info->name) || !values)
        return nb_fail(NB_EINVAL, "%s: bad hardware column '%s'", w->tmp,
                       info->name ? info->name : "");
    nb_status st = ensure_group(w, "/hardware");
    if (st != NB_OK) return st;
    char p[256];
    snprintf(p, sizeof p, "/hardware/%s", info->name);
    if (H5Lexists(w->file, p, H5P_DEFAULT) > 0)
        return nb_fail(NB_EINVAL, "%s: %s written twice", w->tmp, p);
    size_t miss = 0;
    for (size_t i = 0; i < w->n; i++) miss += isnan(values[i]) != 0;
    hsize_t dim = w->n;
    int batch = info->batch;
    long long nm = (long long)miss;
    if ((st = write_array(w, p, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 1, &dim, values)) != NB_OK ||
        (st = set_obj_str(w, p, "device", info->device ? info->device : "")) != NB_OK ||
        (st = set_obj_str(w, p, "metric", info->metric ? info->metric : "")) != NB_OK ||
        (st = set_obj_str(w, p, "unit", info->unit ? info->unit : "")) != NB_OK ||
        (st = set_obj_str(w, p, "dataset", info->dataset ? info->dataset : "")) != NB_OK ||
        (st = set_obj_str(w, p, "source", info->source ? info->source : "")) != NB_OK ||
        (st = set_obj_str(w, p, "note", note)) != NB_OK ||
        (st = set_obj_ints(w, p, "batch", &batch, 1, 1)) != NB_OK)
        return st;
    hid_t o = H5Oopen(w->file, p, H5P_DEFAULT);
    if (o < 0) return tab_h5_fail(NB_EIO, w->tmp, "cannot open", p);
    st = tab_h5_set_ints(o, w->tmp, "n_missing", &nm, 1, 1, 0);
    H5Oclose(o);
    return st;
}

nb_status tab_writer_finish(tab_writer *w, char checksum_hex[17])
{
    NB_ASSERT(w);
    char hex[17];
    nb_status st = tab_h5_commit(w->file, w->tmp, w->path, hex);
    w->file = H5I_INVALID_HID;
    if (st != NB_OK) goto fail;
    if (checksum_hex) memcpy(checksum_hex, hex, 17);
    H5Pclose(w->gcpl);
    free(w->path);
    free(w->tmp);
    free(w);
    return NB_OK;
fail:
    tab_writer_abort(w);
    return st;
}

void tab_writer_abort(tab_writer *w)
{
    if (!w) return;
    if (w->file >= 0) H5Fclose(w->file);
    if (w->gcpl >= 0) H5Pclose(w->gcpl);
    H5Eclear2(H5E_DEFAULT);
    nb_file_discard(w->tmp);
    free(w->path);
    free(w->tmp);
    free(w);
}
