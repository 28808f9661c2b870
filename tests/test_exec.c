/* tests/test_exec.c - the external-strategy adapter (strategies/exec.c):
 * the JSON reader of reply lines on good and bad input (table-driven), the
 * writer's escaping, and strat_exec_open's checks. The child processes
 * themselves are exercised by tests/cli/exec.sh and tests/cli/python.sh. */
#include "strategies/exec_json.h"
#include "strategies/strat.h"
#include "tests/test.h"

TEST(exec_json_reads_replies)
{
    static const struct {
        const char *line;
        int ok;
        const char *key;
        xj_type type;
        double num;
        const char *str;
    } cases[] = {
        {"{\"arch\":\"|none~0|+|none~0|none~1|+|none~0|none~1|none~2|\"}", 1, "arch", XJ_STR, 0,
         "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"},
        {"  {\"wait\": true}  ", 1, "wait", XJ_BOOL, 1, NULL},
        {"{\"fidelity\":200,\"epoch\":0}", 1, "fidelity", XJ_NUM, 200, NULL},
        {"{\"x\":[1,[2,\"]\"]],\"tag\":7}", 1, "tag", XJ_NUM, 7, NULL},
        {"{\"type\":\"error\",\"message\":\"a\\\"b\\n\\u0041\"}", 1, "message", XJ_STR, 0, "a\"b\nA"},
        {"{\"v\":null}", 1, "v", XJ_NULL, 0, NULL},
        {"{}", 1, NULL, XJ_NULL, 0, NULL},
        {"debug: starting up", 0, NULL, XJ_NULL, 0, NULL},
        {"{\"arch\":\"unterminated}", 0, NULL, XJ_NULL, 0, NULL},
        {"{\"a\":1} trailing", 0, NULL, XJ_NULL, 0, NULL},
        {"{\"a\" 1}", 0, NULL, XJ_NULL, 0, NULL},
        {"{\"a\":tru}", 0, NULL, XJ_NULL, 0, NULL},
        {"", 0, NULL, XJ_NULL, 0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        xj_obj o;
        char why[128];
        int rc = xj_parse(cases[i].line, &o, why, sizeof why);
        if ((rc == 0) != cases[i].ok) {
            test_fail_at(__FILE__, __LINE__, "case %zu '%s': parse %s (%s)", i, cases[i].line,
                         rc == 0 ? "accepted" : "refused", rc ? why : "");
            continue;
        }
        if (!cases[i].ok || !cases[i].key) continue;
        const xj_val *v = xj_get(&o, cases[i].key);
        CHECK(v != NULL);
        if (!v) continue;
        CHECK_EQ_INT(v->type, cases[i].type);
        if (cases[i].str) CHECK(!strcmp(v->str, cases[i].str));
        if (cases[i].type == XJ_NUM || cases[i].type == XJ_BOOL) CHECK(v->num == cases[i].num);
    }
}

TEST(exec_json_writes_escaped_strings_and_null)
{
    xj_buf b = {0};
    xj_string(&b, "a\"b\\c\n");
    xj_raw(&b, ",");
    xj_num(&b, NAN);
    xj_raw(&b, ",");
    xj_num(&b, 84.390000000000001);
    CHECK(!strcmp(b.s, "\"a\\\"b\\\\c\\u000a\",null,84.390000000000001"));
    xj_free(&b);
}

TEST(exec_open_checks_names)
{
    strat_exec *ex = NULL;
    strat_exec_config c = {"python3 python/examples/rea.py", NULL, 0};
    CHECK_OK(strat_exec_open(&c, &ex));
    if (ex) CHECK(!strcmp(strat_exec_vtable(ex)->name, "exec-rea"));
    strat_exec_close(ex);
    c.name = "rea";
    CHECK(strat_exec_open(&c, &ex) == NB_EINVAL);
    c.name = "bad/name";
    CHECK(strat_exec_open(&c, &ex) == NB_EINVAL);
    c.name = NULL;
    c.command = "";
    CHECK(strat_exec_open(&c, &ex) == NB_EINVAL);
}
