/* bench/cmd_tables.c - `nastab tables`: import, info, query, verify, devices. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/cmd.h"
#include "core/nb.h"
#include "spaces/space.h"
#include "tables/tab.h"

static const char *tables_help =
    "usage: nastab tables <subcommand> [<args>]\n"
    "\n"
    "subcommands:\n"
    "  import nb201 [--source DIR] -o FILE\n"
    "        build the NAS-Bench-201 table from the published data in DIR\n"
    "        (default: tables/data, see tables/data/PROVENANCE.md). The file is\n"
    "        written beside FILE and renamed into place when complete.\n"
    "  import nats-tss DIR -o FILE [--strict]\n"
    "        stream an official NATS-Bench topology archive (NATS-tss-v1_0-3ffb9-simple:\n"
    "        one bz2 pickle per architecture + meta) into the same schema, with\n"
    "        per-epoch curves for every seed; bad files are reported and skipped\n"
    "        (recorded in /archs/import_status) unless --strict.\n"
    "  import nats-sss DIR -o FILE [--strict]\n"
    "        the same for the NATS-Bench size archive (NATS-sss-v1_0-50262-simple):\n"
    "        a table of space 'sss' with the '01', '12' and '90' schedules.\n"
    "  build --dataset D --preset P -o FILE [--shard k/N] [--reverse] [--threads T]\n"
    "        [--data-dir DIR] [--archs K] [--like nb201.h5]\n"
    "        train every unique cell with the C engine into a table of this schema\n"
    "        (resumable journal; same file for any threads, shards or mpirun -np K)\n"
    "  merge OUT JOURNAL... [--like nb201.h5] [--allow-incomplete]\n"
    "        write the table from the shard journals of a build\n"
    "  validate FILE --sample K [--seed S]\n"
    "        retrain K cells of a built table and compare (Spearman, Kendall, MAD)\n"
    "  correlate A.h5 DATASET_A B.h5 DATASET_B [--metric-a M] [--metric-b M] [--unique]\n"
    "        rank agreement of two tables' columns over the cells both hold\n"
    "  info FILE [--verify] [--json]\n"
    "        format, schema version, provenance, datasets, fidelities, seeds,\n"
    "        metrics and hardware columns; --verify recomputes the checksum.\n"
    "  query FILE (--arch STR | --index N) [--dataset D] [--json]\n"
    "        every stored metric and cost of one architecture (default: all\n"
    "        datasets); --json for machine-readable output.\n"
    "  verify FILE\n"
    "        recompute the content checksum; exit 1 on mismatch.\n"
    "  export FILE [--format csv|json] [--dataset D] [--columns LIST] [--hardware]\n"
    "        one row per architecture to stdout (see `nastab tables export --help`).\n"
    "  add-column FILE --csv CSV --name NAME --device DEV --unit U --batch B ...\n"
    "        merge a measured hardware column (e.g. from the aarch64 probe) into a\n"
    "        table, checking architectures and units (see its --help).\n"
    "  devices FILE [--json]\n"
    "        list hardware columns with unit, batch size, source, missing count.\n"
    "\n"
    "datasets (NB201 names): cifar10-valid, cifar10, cifar100, ImageNet16-120\n";

static int tables_import(int argc, char **argv)
{
    const char *out = NULL, *src = NULL, *pos[2];
    int n_pos, help;
    cli_opt opts[] = {{"--output", "-o", &out, NULL}, {"--source", NULL, &src, NULL}};
    if (argc >= 2 && (!strcmp(argv[1], "nats-tss") || !strcmp(argv[1], "nats-sss")))
        return cmd_tables_import_nats(argc - 1, argv + 1);
    if (cli_parse("tables import", argc, argv, opts, 2, pos, 2, &n_pos, &help)) return 2;
    if (help) {
        fputs("usage: nastab tables import nb201 [--source DIR] -o FILE\n"
              "       nastab tables import nats-tss|nats-sss DIR -o FILE [--strict]\n"
              "  nb201      the NAS-Bench-201 table from the published data\n"
              "    --source DIR   published data folder (default: tables/data in the\n"
              "                   source tree, else PREFIX/share/nastab of the install)\n"
              "  nats-tss   an official NATS-Bench topology archive in DIR\n"
              "             (see `nastab tables import nats-tss --help`)\n"
              "  nats-sss   an official NATS-Bench size archive in DIR\n"
              "  -o, --output FILE   table to write (HDF5)\n",
              stdout);
        return 0;
    }
    if (n_pos != 1)
        return cli_usage_error("tables import", "expected the source name: nb201 or nats-tss (topology), nats-sss (size)");
    if (strcmp(pos[0], "nb201") != 0)
        return cli_usage_error("tables import", "unknown source '%s'; known: nb201, nats-tss, nats-sss", pos[0]);
    if (!out) return cli_usage_error("tables import", "missing -o FILE");
    char dflt[4096];
    if (!src && !(src = tab_nb201_default_source(dflt, sizeof dflt))) return cli_fail("tables import", 0);
    double t0 = nb_now();
    if (tab_import_nb201(src, out) != NB_OK) return cli_fail("tables import", 0);
    nb_log("wrote %s in %.2f s", out, nb_now() - t0);
    return 0;
}

static void print_json_float(float v)
{
    if (isnan(v)) fputs("null", stdout);
    else printf("%.6g", (double)v);
}

/* `tables info --json`: the text's facts as one object (README.md
 * "Machine-readable output"). A damaged column is listed with "damaged":
 * true and its reason on stderr; returns the number of damaged columns. */
static int info_json(tab_table *t, const char *path, double bytes, int verify, int verified)
{
    FILE *f = stdout;
    int damaged = 0;
    fprintf(f, "{\"command\":\"tables info\",\"format\":1,\"file\":");
    cli_json_str(f, path);
    fprintf(f, ",\"size_bytes\":");
    cli_json_num(f, bytes);
    fprintf(f, ",\"table_format\":");
    cli_json_str(f, TAB_FORMAT_NAME);
    fprintf(f, ",\"schema_version\":");
    cli_json_str(f, tab_attr(t, "schema_version"));
    fprintf(f, ",\"space\":");
    cli_json_str(f, tab_space(t)->name);
    fprintf(f, ",\"archs\":%zu", tab_n_archs(t));
    const char *keys[] = {"created", "nastab_version", "git_sha", "sources", "licences"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        fprintf(f, ",\"%s\":", keys[k]);
        cli_json_str(f, tab_attr(t, keys[k]));
    }
    fprintf(f, ",\"content_checksum\":");
    cli_json_str(f, tab_checksum(t));
    fprintf(f, ",\"datasets\":[");
    for (int ds = 0; ds < tab_n_datasets(t); ds++) {
        int fid[8];
        int nf = tab_fidelities(t, ds, fid, 8);
        fprintf(f, "%s{\"name\":", ds ? "," : "");
        cli_json_str(f, tab_dataset_name(t, ds));
        fprintf(f, ",\"fidelities\":[");
        for (int i = 0; i < nf && i < 8; i++) {
            fprintf(f, "%s{\"epochs\":%d,\"metrics\":[", i ? "," : "", fid[i]);
            int first = 1;
            for (int m = 0; m < TAB_METRIC_COUNT; m++) {
                tab_column_info ci;
                nb_status cst = tab_column_info_get(t, ds, fid[i], (tab_metric_id)m, &ci);
                if (cst == NB_ENOTFOUND) continue;
                fprintf(f, "%s{\"name\":\"%s\"", first ? "" : ",", tab_metric_name((tab_metric_id)m));
                first = 0;
                if (cst != NB_OK) {
                    fprintf(f, ",\"damaged\":true}");
                    cli_fail("tables info", 0);
                    damaged++;
                    continue;
                }
                fprintf(f, ",\"seeds\":%d,\"recorded_epochs\":%d,\"damaged\":false}", ci.n_seeds,
                        ci.n_epochs);
            }
            fprintf(f, "]}");
        }
        fprintf(f, "]}");
    }
    fprintf(f, "],\"hardware_columns\":%d,\"checksum_verified\":%s}\n", tab_n_devices(t),
            !verify ? "null" : verified ? "true" : "false");
    return damaged;
}

static int tables_info(int argc, char **argv)
{
    const char *pos[1];
    int n_pos, help, verify = 0, json = 0;
    cli_opt opts[] = {{"--verify", NULL, NULL, &verify}, {"--json", NULL, NULL, &json}};
    if (cli_parse("tables info", argc, argv, opts, 2, pos, 1, &n_pos, &help)) return 2;
    if (help) {
        fputs("usage: nastab tables info FILE [--verify] [--json]\n"
              "  --verify   also recompute the content checksum (reads all data)\n"
              "  --json     one JSON object instead of the text (shape: README.md\n"
              "             \"Machine-readable output\")\n",
              stdout);
        return 0;
    }
    if (n_pos != 1) return cli_usage_error("tables info", "expected one FILE");
    tab_table *t;
    if (tab_open(pos[0], &t) != NB_OK) return cli_fail("tables info", 0);
    struct stat st;
    if (json) { /* verified first, so that the object is printed whole */
        int rc = 0, verified = verify && tab_verify(t) == NB_OK;
        if (verify && !verified) rc = cli_fail("tables info", 0);
        int damaged = info_json(t, pos[0], stat(pos[0], &st) == 0 ? (double)st.st_size : NAN, verify, verified);
        if (damaged) {
            fprintf(stderr, "nastab tables info: %s: %d damaged column%s (\"damaged\": true); "
                            "hint: rebuild the table\n", pos[0], damaged, damaged == 1 ? "" : "s");
            rc = 1;
        }
        tab_close(t);
        return rc;
    }
    printf("file:            %s (%.1f MB)\n", pos[0],
           stat(pos[0], &st) == 0 ? (double)st.st_size / 1e6 : 0.0);
    printf("format:          %s, schema version %s\n", TAB_FORMAT_NAME,
           tab_attr(t, "schema_version") ? tab_attr(t, "schema_version") : "?");
    printf("space:           %s, %zu architectures\n", tab_space(t)->name, tab_n_archs(t));
    const char *keys[] = {"created", "nastab_version", "git_sha", "sources", "licences"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        const char *v = tab_attr(t, keys[k]);
        if (v) printf("%-16s %s\n", keys[k], v);
    }
    printf("content_checksum %s\n", tab_checksum(t) ? tab_checksum(t) : "(none)");
    printf("datasets:\n");
    int damaged = 0;
    for (int ds = 0; ds < tab_n_datasets(t); ds++) {
        int fid[8];
        int nf = tab_fidelities(t, ds, fid, 8);
        printf("  %s\n", tab_dataset_name(t, ds));
        for (int f = 0; f < nf && f < 8; f++) {
            printf("    %3d epochs:", fid[f]);
            for (int m = 0; m < TAB_METRIC_COUNT; m++) {
                tab_column_info ci;
                nb_status cst = tab_column_info_get(t, ds, fid[f], (tab_metric_id)m, &ci);
                if (cst == NB_ENOTFOUND) continue;
                if (cst != NB_OK) {
                    /* A column the table lists but cannot serve: shown, and the
                     * reason on stderr; the command fails at the end. */
                    printf(" %s[DAMAGED]", tab_metric_name((tab_metric_id)m));
                    cli_fail("tables info", 0);
                    damaged++;
                    continue;
                }
                printf(" %s", tab_metric_name((tab_metric_id)m));
                if (ci.n_seeds > 0) printf("[%d seeds]", ci.n_seeds);
                if (ci.n_epochs > 1) printf("[%d epochs]", ci.n_epochs);
            }
            printf("\n");
        }
    }
    printf("hardware columns: %d (see `nastab tables devices`)\n", tab_n_devices(t));
    int rc = 0;
    if (damaged) {
        fprintf(stderr, "nastab tables info: %s: %d damaged column%s (marked DAMAGED above); "
                        "hint: rebuild the table\n", pos[0], damaged, damaged == 1 ? "" : "s");
        rc = 1;
    }
    if (verify) {
        if (tab_verify(t) != NB_OK) {
            rc = cli_fail("tables info", 0);
        } else {
            printf("checksum:        verified\n");
        }
    }
    tab_close(t);
    return rc;
}

static int tables_verify(int argc, char **argv)
{
    const char *pos[1];
    int n_pos, help;
    if (cli_parse("tables verify", argc, argv, NULL, 0, pos, 1, &n_pos, &help)) return 2;
    if (help) {
        fputs("usage: nastab tables verify FILE\n"
              "  recompute the content checksum over all stored data; exit 1 on mismatch\n",
              stdout);
        return 0;
    }
    if (n_pos != 1) return cli_usage_error("tables verify", "expected one FILE");
    tab_table *t;
    if (tab_open(pos[0], &t) != NB_OK) return cli_fail("tables verify", 0);
    int rc = 0;
    if (tab_verify(t) != NB_OK) rc = cli_fail("tables verify", 0);
    else printf("%s: checksum %s verified\n", pos[0], tab_checksum(t));
    tab_close(t);
    return rc;
}

/* `tables devices --json`; closes t. Nothing on stdout when a column cannot
 * be read (exit 1). */
static int devices_json(tab_table *t, const char *path)
{
    int nd = tab_n_devices(t);
    tab_device_info *d = nb_xcalloc_array(nd > 0 ? (size_t)nd : 1, sizeof *d);
    int rc = 0;
    for (int i = 0; i < nd && rc == 0; i++)
        if (tab_device(t, i, &d[i]) != NB_OK) rc = cli_fail("tables devices", 0);
    if (rc == 0) {
        FILE *f = stdout;
        fprintf(f, "{\"command\":\"tables devices\",\"format\":1,\"file\":");
        cli_json_str(f, path);
        fprintf(f, ",\"columns\":[");
        for (int i = 0; i < nd; i++) {
            fprintf(f, "%s{\"name\":", i ? "," : "");
            cli_json_str(f, d[i].name);
            fprintf(f, ",\"device\":");
            cli_json_str(f, d[i].device);
            fprintf(f, ",\"metric\":");
            cli_json_str(f, d[i].metric);
            fprintf(f, ",\"unit\":");
            cli_json_str(f, d[i].unit);
            fprintf(f, ",\"dataset\":");
            cli_json_str(f, d[i].dataset[0] ? d[i].dataset : NULL);
            fprintf(f, ",\"batch\":%d,\"source\":", d[i].batch);
            cli_json_str(f, d[i].source);
            fprintf(f, ",\"missing\":%zu}", d[i].n_missing);
        }
        fprintf(f, "]}\n");
    }
    free(d);
    tab_close(t);
    return rc;
}

static int tables_devices(int argc, char **argv)
{
    const char *pos[1];
    int n_pos, help, json = 0;
    cli_opt opts[] = {{"--json", NULL, NULL, &json}};
    if (cli_parse("tables devices", argc, argv, opts, 1, pos, 1, &n_pos, &help)) return 2;
    if (help) {
        fputs("usage: nastab tables devices FILE [--json]\n"
              "  --json     one JSON object instead of the table (shape: README.md\n"
              "             \"Machine-readable output\")\n",
              stdout);
        return 0;
    }
    if (n_pos != 1) return cli_usage_error("tables devices", "expected one FILE");
    tab_table *t;
    if (tab_open(pos[0], &t) != NB_OK) return cli_fail("tables devices", 0);
    if (json) return devices_json(t, pos[0]);
    printf("%-40s %-14s %-22s %-6s %-15s %5s %-13s %s\n", "column", "device", "metric", "unit",
           "dataset", "batch", "source", "missing");
    int rc = 0;
    for (int i = 0; i < tab_n_devices(t); i++) {
        tab_device_info d;
        if (tab_device(t, i, &d) != NB_OK) {
            rc = cli_fail("tables devices", 0);
            break;
        }
        printf("%-40s %-14s %-22s %-6s %-15s %5d %-13s %zu\n", d.name, d.device, d.metric, d.unit,
               d.dataset[0] ? d.dataset : "-", d.batch, d.source, d.n_missing);
    }
    tab_close(t);
    return rc;
}

/* Print all metrics of one architecture, either as text or as JSON. */
static int query_print(tab_table *t, size_t idx, int only_ds, int json)
{
    char s[SPACE_STR_MAX];
    const space_arch *a = tab_arch(t, idx);
    const space_def *sp = tab_space(t); /* sss: every architecture is its own class */
    sp->format(a, s, sizeof s);
    space_arch rep = sp->arch(space_canon(sp, sp->index(a)));
    long rep_idx = tab_index_of(t, &rep);
    if (json) printf("{\"index\": %zu, \"arch\": \"%s\", \"canonical_index\": %ld, \"datasets\": {", idx, s, rep_idx);
    else printf("index %zu\narch  %s\ncanonical representative index %ld\n", idx, s, rep_idx);
    int first_ds = 1;
    for (int ds = 0; ds < tab_n_datasets(t); ds++) {
        if (only_ds >= 0 && ds != only_ds) continue;
        if (json) printf("%s\"%s\": {", first_ds ? "" : ", ", tab_dataset_name(t, ds));
        else printf("%s\n", tab_dataset_name(t, ds));
        first_ds = 0;
        int fid[8], nf = tab_fidelities(t, ds, fid, 8), first_f = 1;
        for (int f = 0; f < nf && f < 8; f++) {
            if (json) printf("%s\"%d\": {", first_f ? "" : ", ", fid[f]);
            else printf("  %d epochs:\n", fid[f]);
            first_f = 0;
            int first_m = 1;
            for (int m = 0; m < TAB_METRIC_COUNT; m++) {
                tab_column_info ci;
                nb_status cst = tab_column_info_get(t, ds, fid[f], (tab_metric_id)m, &ci);
                if (cst == NB_ENOTFOUND) continue;
                if (cst != NB_OK) return cli_fail("tables query", 0);
                float v;
                nb_status st = tab_metric(t, ds, fid[f], (tab_metric_id)m, TAB_SEED_MEAN, TAB_EPOCH_LAST, idx, &v);
                if (st != NB_OK && st != NB_EMISSING) return cli_fail("tables query", 0);
                if (st == NB_EMISSING) v = NAN;
                if (json) {
                    printf("%s\"%s\": ", first_m ? "" : ", ", tab_metric_name((tab_metric_id)m));
                    print_json_float(v);
                } else {
                    printf("    %-12s %s", tab_metric_name((tab_metric_id)m), isnan(v) ? "missing" : "");
                    if (!isnan(v)) printf("%.4f", (double)v);
                }
                first_m = 0;
                if (ci.n_seeds > 0) {
                    if (json) printf(", \"%s_seeds\": {", tab_metric_name((tab_metric_id)m));
                    else printf("  seeds:");
                    for (int k = 0; k < ci.n_seeds; k++) {
                        float sv;
                        st = tab_metric(t, ds, fid[f], (tab_metric_id)m, ci.seeds[k], TAB_EPOCH_LAST, idx, &sv);
                        if (st != NB_OK && st != NB_EMISSING) return cli_fail("tables query", 0);
                        if (json) {
                            printf("%s\"%d\": ", k ? ", " : "", ci.seeds[k]);
                            print_json_float(st == NB_OK ? sv : NAN);
                        } else if (st == NB_OK) {
                            printf(" %d=%.4f", ci.seeds[k], (double)sv);
                        } else {
                            printf(" %d=missing", ci.seeds[k]);
                        }
                    }
                    if (json) printf("}");
                }
                if (!json) printf("\n");
            }
            if (json) printf("}");
        }
        if (json) printf(", \"costs\": {");
        else printf("  costs:");
        for (int c = 0; c < TAB_COST_COUNT; c++) {
            float v;
            nb_status st = tab_cost(t, ds, (tab_cost_id)c, idx, &v);
            if (st != NB_OK && st != NB_EMISSING && st != NB_ENOTFOUND) return cli_fail("tables query", 0);
            if (st != NB_OK) v = NAN;
            if (json) {
                printf("%s\"%s\": ", c ? ", " : "", tab_cost_name((tab_cost_id)c));
                print_json_float(v);
            } else {
                printf(" %s=", tab_cost_name((tab_cost_id)c));
                if (isnan(v)) printf("missing");
                else printf("%.6g", (double)v);
            }
        }
        printf(json ? "}}" : "\n");
    }
    if (json) printf("}}\n");
    return 0;
}

static int tables_query(int argc, char **argv)
{
    const char *arch = NULL, *index = NULL, *dataset = NULL, *pos[1];
    int n_pos, help, json = 0;
    cli_opt opts[] = {{"--arch", NULL, &arch, NULL},
                      {"--index", NULL, &index, NULL},
                      {"--dataset", NULL, &dataset, NULL},
                      {"--json", NULL, NULL, &json}};
    if (cli_parse("tables query", argc, argv, opts, 4, pos, 1, &n_pos, &help)) return 2;
    if (help) {
        fputs("usage: nastab tables query FILE (--arch STR | --index N) [--dataset D] [--json]\n"
              "  --arch STR      official NB201 string, e.g.\n"
              "                  '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|'\n"
              "  --index N       NB201 index, 0..15624\n"
              "  --dataset D     only this dataset (default: all)\n"
              "  --json          JSON output (missing values are null)\n",
              stdout);
        return 0;
    }
    if (n_pos != 1) return cli_usage_error("tables query", "expected one FILE");
    if (!arch == !index) return cli_usage_error("tables query", "give exactly one of --arch and --index");
    space_arch a;
    /* NB201 strings are checked before the table is opened; another space's
     * (sss: "8:16:32:48:64") with the table's parser once it is open */
    int arch_nb201 = arch && space_parse(arch, &a) == NB_OK;
    long n = 0;
    /* The range is the table's ([0, N - 1]), checked once it is open. */
    if (index && nb_parse_long("--index", index, -(1L << 40), 1L << 40, &n) != NB_OK)
        return cli_fail("tables query", 1);
    tab_table *t;
    if (tab_open(pos[0], &t) != NB_OK) return cli_fail("tables query", 0);
    int rc = 0, ds = -1;
    if (dataset && (ds = tab_dataset_id(t, dataset)) < 0) {
        char known[256] = "";
        for (int i = 0; i < tab_n_datasets(t); i++) {
            strncat(known, i ? ", " : "", sizeof known - strlen(known) - 1);
            strncat(known, tab_dataset_name(t, i), sizeof known - strlen(known) - 1);
        }
        rc = cli_usage_error("tables query", "unknown dataset '%s'; the table has: %s", dataset, known);
        goto done;
    }
    if (arch && !arch_nb201 && tab_space(t) == &space_nb201) {
        space_parse(arch, &a); /* the message again */
        rc = cli_fail("tables query", 1);
        goto done;
    }
    if (arch && tab_space(t) != &space_nb201 && tab_space(t)->parse(arch, &a) != NB_OK) {
        rc = cli_fail("tables query", 1);
        goto done;
    }
    if (arch) {
        n = tab_index_of(t, &a);
        if (n < 0) {
            char q[512];
            fprintf(stderr, "nastab tables query: architecture '%s' is not in %s\n", arch,
                    nb_esc(pos[0], q, sizeof q));
            rc = 1;
            goto done;
        }
    } else if (n < 0 || (size_t)n >= tab_n_archs(t)) {
        rc = cli_usage_error("tables query", "--index: %ld is out of range [0, %zu]", n, tab_n_archs(t) - 1);
        goto done;
    }
    rc = query_print(t, (size_t)n, ds, json);
done:
    tab_close(t);
    return rc;
}

int cmd_tables(int argc, char **argv)
{
    if (argc < 2) {
        fputs(tables_help, stderr);
        return 2;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h")) {
        fputs(tables_help, stdout);
        return 0;
    }
    if (!strcmp(sub, "import")) return tables_import(argc - 1, argv + 1);
    if (!strcmp(sub, "info")) return tables_info(argc - 1, argv + 1);
    if (!strcmp(sub, "query")) return tables_query(argc - 1, argv + 1);
    if (!strcmp(sub, "verify")) return tables_verify(argc - 1, argv + 1);
    if (!strcmp(sub, "devices")) return tables_devices(argc - 1, argv + 1);
    if (!strcmp(sub, "export")) return cmd_tables_export(argc - 1, argv + 1);
    if (!strcmp(sub, "build")) return cmd_build(argc - 1, argv + 1);
    if (!strcmp(sub, "merge")) return cmd_merge(argc - 1, argv + 1);
    if (!strcmp(sub, "validate")) return cmd_validate(argc - 1, argv + 1);
    if (!strcmp(sub, "correlate")) return cmd_correlate(argc - 1, argv + 1);
    if (!strcmp(sub, "add-column")) return cmd_tables_add_column(argc - 1, argv + 1);
    if (!strcmp(sub, "proxies")) return cmd_tables_proxies(argc - 1, argv + 1);
    return cli_usage_error("tables", "unknown subcommand '%s' (import, info, query, verify, devices, export, add-column, build, merge, validate, correlate)", sub);
}
