/*
** test_values.c -- self-test of the runner-side value logic (kcli_values.c):
** literal parsing, printing and NaN/lane/reference pattern matching.
** Registered as ctest 'tools.test_values'.
*/
#include "kcli.h"
#include "kcli_json.h"

#include <string.h>

static int failures;

#define CHECK(cond)                                                        \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                    \
        }                                                                  \
    } while (0)

static uint64_t num(uint32_t type, const char *s) {
    kcli_value v;
    if (!kcli_parse_number(type, s, &v)) {
        fprintf(stderr, "cannot parse %s\n", s);
        failures++;
        return 0xDEADBEEF;
    }
    return v.lo;
}

static bool bad(uint32_t type, const char *s) {
    kcli_value v;
    return !kcli_parse_number(type, s, &v);
}

static void fmt_is(uint32_t type, uint64_t bits, const char *want) {
    kcli_value v = {type, 0, 0, bits, 0};
    char buf[128];
    kcli_format_value(&v, buf, sizeof buf);
    if (strcmp(buf, want) != 0) {
        fprintf(stderr, "format: got '%s', want '%s'\n", buf, want);
        failures++;
    }
}

int main(void) {
    /* integers: signed and unsigned range, hex, separators */
    CHECK(num(KCLI_T_I32, "42") == 42);
    CHECK(num(KCLI_T_I32, "-1") == 0xFFFFFFFFu);
    CHECK(num(KCLI_T_I32, "0xffff_ffff") == 0xFFFFFFFFu);
    CHECK(num(KCLI_T_I32, "-0x80000000") == 0x80000000u);
    CHECK(bad(KCLI_T_I32, "0x1_0000_0000"));
    CHECK(bad(KCLI_T_I32, "-2147483649"));
    CHECK(bad(KCLI_T_I32, "1__0"));
    CHECK(bad(KCLI_T_I32, "_1"));
    CHECK(bad(KCLI_T_I32, "abc"));
    CHECK(num(KCLI_T_I64, "-9223372036854775808") == 0x8000000000000000ull);
    CHECK(num(KCLI_T_I64, "18446744073709551615") == UINT64_MAX);
    CHECK(bad(KCLI_T_I64, "18446744073709551616"));

    /* floats: decimal, hex, inf, nan payloads, signed zero */
    CHECK(num(KCLI_T_F32, "1.5") == 0x3FC00000u);
    CHECK(num(KCLI_T_F32, "-0") == 0x80000000u);
    CHECK(num(KCLI_T_F32, "0x1p-149") == 1);
    CHECK(num(KCLI_T_F32, "inf") == 0x7F800000u);
    CHECK(num(KCLI_T_F32, "-nan") == 0xFFC00000u);
    CHECK(num(KCLI_T_F32, "nan:0x200000") == 0x7FA00000u);
    CHECK(bad(KCLI_T_F32, "nan:0x800000"));
    CHECK(bad(KCLI_T_F32, "nan:0x0"));
    CHECK(num(KCLI_T_F64, "0x1.8p1") == 0x4008000000000000ull);
    CHECK(num(KCLI_T_F64, "-nan:0x1") == 0xFFF0000000000001ull);
    CHECK(num(KCLI_T_F64, "1_000.5") == 0x408F440000000000ull);
    CHECK(bad(KCLI_T_F64, "1e400"));
    CHECK(bad(KCLI_T_F64, "infinity"));

    /* printing */
    fmt_is(KCLI_T_I32, 0xFFFFFFFFu, "i32:-1");
    fmt_is(KCLI_T_I64, 42, "i64:42");
    fmt_is(KCLI_T_F32, 0x3FC00000u, "f32:1.5");
    fmt_is(KCLI_T_F32, 0x80000000u, "f32:-0");
    fmt_is(KCLI_T_F32, 0x7FC00000u, "f32:nan");
    fmt_is(KCLI_T_F32, 0xFFA00000u, "f32:-nan:0x200000");
    fmt_is(KCLI_T_F64, 0xFFF0000000000000ull, "f64:-inf");
    fmt_is(KCLI_T_F64, 0x3FB999999999999Aull, "f64:0.10000000000000001");

    /* NaN classes (spec 4.3.3) */
    kcli_pattern canon = {0};
    canon.pat = KCLI_PAT_NAN;
    canon.nan = KCLI_NAN_CANONICAL;
    canon.val.type = KCLI_T_F32;
    kcli_pattern arith = canon;
    arith.nan = KCLI_NAN_ARITHMETIC;
    kcli_value v = {KCLI_T_F32, 0, 0, 0xFFC00000u, 0};
    CHECK(kcli_value_matches(&v, &canon));
    CHECK(kcli_value_matches(&v, &arith));
    v.lo = 0x7FC00001u;
    CHECK(!kcli_value_matches(&v, &canon));
    CHECK(kcli_value_matches(&v, &arith));
    v.lo = 0x7FA00000u; /* signalling */
    CHECK(!kcli_value_matches(&v, &arith));
    v.type = KCLI_T_F64; /* wrong type */
    v.lo = 0x7FF8000000000000ull;
    CHECK(!kcli_value_matches(&v, &canon));

    /* v128 lanes: f32x4 with one canonical NaN lane */
    kcli_pattern lanes = {0};
    lanes.pat = KCLI_PAT_LANES;
    lanes.shape = KCLI_SHAPE_F32X4;
    lanes.val.type = KCLI_T_V128;
    lanes.val.lo = 0x3F80000000000000ull; /* lane0 = 0 (nan pattern), lane1 = 1.0 */
    lanes.lane_nan[0] = KCLI_NAN_CANONICAL;
    kcli_value vv = {KCLI_T_V128, 0, 0, 0x3F8000007FC00000ull, 0};
    CHECK(kcli_value_matches(&vv, &lanes));
    vv.lo = 0x3F80000000000000ull;
    CHECK(!kcli_value_matches(&vv, &lanes));

    /* references */
    kcli_pattern null_pat = {0};
    null_pat.pat = KCLI_PAT_REF_NULL;
    kcli_value rnull = {KCLI_T_REF, KCLI_REF_NULL, KCLI_HEAP_EXTERN, 0, 0};
    kcli_value rext = {KCLI_T_REF, KCLI_REF_EXTERN, 0, 7, 0};
    CHECK(kcli_value_matches(&rnull, &null_pat));
    null_pat.val.heap = KCLI_HEAP_FUNC; /* ref.null func vs an extern null */
    CHECK(!kcli_value_matches(&rnull, &null_pat));
    null_pat.val.heap = KCLI_HEAP_EXTERN;
    CHECK(kcli_value_matches(&rnull, &null_pat));
    null_pat.val.heap = KCLI_HEAP_ANY;
    CHECK(!kcli_value_matches(&rext, &null_pat));
    kcli_pattern ext7 = {0};
    ext7.val = rext;
    CHECK(kcli_value_matches(&rext, &ext7));
    rext.lo = 8;
    CHECK(!kcli_value_matches(&rext, &ext7));

    /* either */
    kcli_pattern alts[2] = {{0}, {0}};
    alts[0].val = (kcli_value){KCLI_T_I32, 0, 0, 1, 0};
    alts[1].val = (kcli_value){KCLI_T_I32, 0, 0, 2, 0};
    kcli_pattern either = {0};
    either.pat = KCLI_PAT_EITHER;
    either.alts = alts;
    either.alt_count = 2;
    kcli_value two = {KCLI_T_I32, 0, 0, 2, 0};
    kcli_value three = {KCLI_T_I32, 0, 0, 3, 0};
    CHECK(kcli_value_matches(&two, &either));
    CHECK(!kcli_value_matches(&three, &either));

    /* the JSON reader of the vector runner */
    char err[128];
    const char *doc = "{\"a\": [1, -2.5e3, \"x\\u00e9\\ud83d\\ude00\"], \"b\": {\"c\": null}, \"t\": true}";
    kcli_json *j = kcli_json_parse(doc, strlen(doc), err, sizeof err);
    CHECK(j != NULL);
    if (j) {
        const kcli_json *a = kcli_json_get(j, "a");
        CHECK(a && a->type == KCLI_JSON_ARRAY && a->count == 3);
        if (a && a->count == 3) {
            CHECK(strcmp(a->items[1].str, "-2.5e3") == 0);
            CHECK(strcmp(kcli_json_str(&a->items[2]), "x\xc3\xa9\xf0\x9f\x98\x80") == 0);
        }
        CHECK(kcli_json_get(kcli_json_get(j, "b"), "c")->type == KCLI_JSON_NULL);
        CHECK(kcli_json_get(j, "t")->boolean);
        CHECK(kcli_json_get(j, "missing") == NULL);
        kcli_json_free(j);
    }
    static const char *bad[] = {"", "{", "[1,]", "{\"a\" 1}", "\"\\x\"", "[1] 2", "tru",
                                "\"\n\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kcli_json *b = kcli_json_parse(bad[i], strlen(bad[i]), err, sizeof err);
        CHECK(b == NULL);
        kcli_json_free(b);
    }
    char deep[300];
    memset(deep, '[', sizeof deep);
    CHECK(kcli_json_parse(deep, sizeof deep, err, sizeof err) == NULL); /* nesting limit */

    if (failures) {
        fprintf(stderr, "%d checks failed\n", failures);
        return 1;
    }
    printf("all value checks passed\n");
    return 0;
}
