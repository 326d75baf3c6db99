/*
** kcli_values.c -- runner-side values: literal parsing, printing, matching.
**
** Matching follows the spec interpreter's script semantics (the reference
** interpreter's script/run.ml, "assert_return"): numbers compare by bits,
** 'nan:canonical' and 'nan:arithmetic' are classes of NaNs (spec 4.3.3
** "NaN propagation"), v128 patterns compare lane by lane in the shape they
** were written in, and reference patterns compare by kind, with
** 'ref.extern N' / 'ref.host N' comparing by the host value N.
*/
#include "kcli.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *kcli_type_name(uint32_t type) {
    switch (type) {
    case KCLI_T_I32: return "i32";
    case KCLI_T_I64: return "i64";
    case KCLI_T_F32: return "f32";
    case KCLI_T_F64: return "f64";
    case KCLI_T_V128: return "v128";
    case KCLI_T_REF: return "ref";
    default: return "?";
    }
}

/* ------------------------------------------------------------- parsing */

/*
** Copies 's' without '_' separators into 'buf'. The text format allows '_'
** only between digits (spec 6.3.2); a leading, trailing or doubled '_' is
** rejected here so the CLI accepts exactly what a .wat file would.
*/
static bool strip_underscores(const char *s, char *buf, size_t size) {
    size_t n = 0;
    char prev = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '_') {
            if (!prev || prev == '_' || !p[1] || p[1] == '_') return false;
            prev = '_';
            continue;
        }
        if (n + 1 >= size) return false;
        buf[n++] = *p;
        prev = *p;
    }
    buf[n] = 0;
    return n > 0;
}

/* Integer of 'bits' bits: the signed range or the unsigned range (spec iN). */
static bool parse_int(const char *text, unsigned bits, uint64_t *out) {
    char buf[128];
    if (!strip_underscores(text, buf, sizeof buf)) return false;
    const char *s = buf;
    bool neg = false;
    if (*s == '+' || *s == '-') neg = (*s++ == '-');
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!*s) return false;
    uint64_t v = 0;
    for (; *s; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9') d = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f') d = (unsigned)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F') d = (unsigned)(*s - 'A' + 10);
        else return false;
        if (v > (UINT64_MAX - d) / (uint64_t)base) return false;
        v = v * (uint64_t)base + d;
    }
    uint64_t umax = bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
    uint64_t nmax = (uint64_t)1 << (bits - 1); /* magnitude of the most negative */
    if (neg) {
        if (v > nmax) return false;
        v = (uint64_t)0 - v;
    } else if (v > umax) {
        return false;
    }
    *out = bits == 64 ? v : (v & umax);
    return true;
}

/*
** Float literal as bits (spec 6.3.3). strtof/strtod round correctly for both
** decimal and hex input; 'nan:0x...' builds the payload by hand because C
** has no portable way to spell a NaN payload.
*/
static bool parse_float(const char *text, bool is64, uint64_t *out) {
    char buf[512];
    if (!strip_underscores(text, buf, sizeof buf)) return false;
    const char *s = buf;
    bool neg = false;
    if (*s == '+' || *s == '-') neg = (*s++ == '-');
    uint64_t sign = neg ? (is64 ? (uint64_t)1 << 63 : (uint64_t)1 << 31) : 0;
    uint64_t exp_all = is64 ? 0x7FF0000000000000ull : 0x7F800000ull;
    uint64_t frac_mask = is64 ? 0x000FFFFFFFFFFFFFull : 0x007FFFFFull;
    uint64_t quiet = is64 ? 0x0008000000000000ull : 0x00400000ull;
    if (strcmp(s, "inf") == 0) {
        *out = sign | exp_all;
        return true;
    }
    if (strcmp(s, "nan") == 0) {
        *out = sign | exp_all | quiet;
        return true;
    }
    if (strncmp(s, "nan:0x", 6) == 0) {
        uint64_t payload = 0;
        if (!s[6]) return false;
        for (const char *p = s + 6; *p; p++) {
            unsigned d;
            if (*p >= '0' && *p <= '9') d = (unsigned)(*p - '0');
            else if (*p >= 'a' && *p <= 'f') d = (unsigned)(*p - 'a' + 10);
            else if (*p >= 'A' && *p <= 'F') d = (unsigned)(*p - 'A' + 10);
            else return false;
            payload = payload * 16 + d;
            if (payload > frac_mask) return false;
        }
        if (payload == 0) return false;
        *out = sign | exp_all | payload;
        return true;
    }
    /* Digits must follow: strtod would also take "infinity", "0x", etc. */
    if (!((s[0] >= '0' && s[0] <= '9'))) return false;
    char *end = NULL;
    errno = 0;
    if (is64) {
        double d = strtod(s, &end);
        if (*end) return false;
        if (isinf(d)) return false; /* "constant out of range" in the text format */
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        *out = bits | sign;
    } else {
        float f = strtof(s, &end);
        if (*end) return false;
        if (isinf(f)) return false;
        uint32_t bits;
        memcpy(&bits, &f, sizeof bits);
        *out = bits | sign;
    }
    return true;
}

bool kcli_parse_number(uint32_t type, const char *s, kcli_value *out) {
    memset(out, 0, sizeof *out);
    out->type = type;
    switch (type) {
    case KCLI_T_I32: return parse_int(s, 32, &out->lo);
    case KCLI_T_I64: return parse_int(s, 64, &out->lo);
    case KCLI_T_F32: return parse_float(s, false, &out->lo);
    case KCLI_T_F64: return parse_float(s, true, &out->lo);
    default: return false;
    }
}

/* ---------------------------------------------------------- formatting */

static void format_f32(uint32_t bits, char *buf, size_t size) {
    const char *sign = (bits >> 31) ? "-" : "";
    uint32_t mag = bits & 0x7FFFFFFFu;
    if (mag == 0x7F800000u) {
        snprintf(buf, size, "%sinf", sign);
    } else if (mag > 0x7F800000u) {
        if (mag == 0x7FC00000u) snprintf(buf, size, "%snan", sign);
        else snprintf(buf, size, "%snan:0x%" PRIx32, sign, mag & 0x7FFFFFu);
    } else {
        float f;
        memcpy(&f, &bits, sizeof f);
        snprintf(buf, size, "%.9g", (double)f); /* 9 digits round-trip any f32 */
    }
}

static void format_f64(uint64_t bits, char *buf, size_t size) {
    const char *sign = (bits >> 63) ? "-" : "";
    uint64_t mag = bits & 0x7FFFFFFFFFFFFFFFull;
    if (mag == 0x7FF0000000000000ull) {
        snprintf(buf, size, "%sinf", sign);
    } else if (mag > 0x7FF0000000000000ull) {
        if (mag == 0x7FF8000000000000ull) snprintf(buf, size, "%snan", sign);
        else snprintf(buf, size, "%snan:0x%" PRIx64, sign, (uint64_t)(mag & 0xFFFFFFFFFFFFFull));
    } else {
        double d;
        memcpy(&d, &bits, sizeof d);
        snprintf(buf, size, "%.17g", d); /* 17 digits round-trip any f64 */
    }
}

static const char *heap_name(uint32_t heap) {
    switch (heap) {
    case KCLI_HEAP_FUNC: return "func";
    case KCLI_HEAP_EXTERN: return "extern";
    case KCLI_HEAP_ANYREF: return "any";
    case KCLI_HEAP_EXN: return "exn";
    default: return "";
    }
}

static void format_ref(const kcli_value *v, char *buf, size_t size) {
    switch (v->ref) {
    case KCLI_REF_NULL:
        snprintf(buf, size, "ref.null%s%s", v->heap ? " " : "", heap_name(v->heap));
        break;
    case KCLI_REF_EXTERN: snprintf(buf, size, "ref.extern %" PRIu64, v->lo); break;
    case KCLI_REF_HOST: snprintf(buf, size, "ref.host %" PRIu64, v->lo); break;
    case KCLI_REF_FUNC: snprintf(buf, size, "ref.func"); break;
    case KCLI_REF_I31: snprintf(buf, size, "ref.i31"); break;
    case KCLI_REF_STRUCT: snprintf(buf, size, "ref.struct"); break;
    case KCLI_REF_ARRAY: snprintf(buf, size, "ref.array"); break;
    case KCLI_REF_EXN: snprintf(buf, size, "ref.exn"); break;
    default: snprintf(buf, size, "ref.any"); break;
    }
}

void kcli_format_value(const kcli_value *v, char *buf, size_t size) {
    char tmp[64];
    switch (v->type) {
    case KCLI_T_I32:
        snprintf(buf, size, "i32:%" PRId32, (int32_t)(uint32_t)v->lo);
        break;
    case KCLI_T_I64:
        snprintf(buf, size, "i64:%" PRId64, (int64_t)v->lo);
        break;
    case KCLI_T_F32:
        format_f32((uint32_t)v->lo, tmp, sizeof tmp);
        snprintf(buf, size, "f32:%s", tmp);
        break;
    case KCLI_T_F64:
        format_f64(v->lo, tmp, sizeof tmp);
        snprintf(buf, size, "f64:%s", tmp);
        break;
    case KCLI_T_V128:
        snprintf(buf, size, "v128:i32x4 0x%08" PRIx32 " 0x%08" PRIx32 " 0x%08" PRIx32 " 0x%08" PRIx32,
                 (uint32_t)v->lo, (uint32_t)(v->lo >> 32), (uint32_t)v->hi,
                 (uint32_t)(v->hi >> 32));
        break;
    case KCLI_T_REF:
        format_ref(v, buf, size);
        break;
    default:
        snprintf(buf, size, "?");
        break;
    }
}

/* ------------------------------------------------------------ matching */

static bool nan_class_f32(uint32_t bits, uint32_t cls) {
    uint32_t mag = bits & 0x7FFFFFFFu;
    if (cls == KCLI_NAN_CANONICAL) return mag == 0x7FC00000u;
    return (mag & 0x7FC00000u) == 0x7FC00000u; /* arithmetic: quiet bit set */
}

static bool nan_class_f64(uint64_t bits, uint32_t cls) {
    uint64_t mag = bits & 0x7FFFFFFFFFFFFFFFull;
    if (cls == KCLI_NAN_CANONICAL) return mag == 0x7FF8000000000000ull;
    return (mag & 0x7FF8000000000000ull) == 0x7FF8000000000000ull;
}

/* Byte 'i' of a v128 held in lo/hi. */
static uint8_t v128_byte(const kcli_value *v, unsigned i) {
    return (uint8_t)((i < 8 ? v->lo >> (8 * i) : v->hi >> (8 * (i - 8))) & 0xFF);
}

static uint64_t v128_lane(const kcli_value *v, unsigned lane, unsigned width) {
    uint64_t r = 0;
    for (unsigned b = 0; b < width; b++)
        r |= (uint64_t)v128_byte(v, lane * width + b) << (8 * b);
    return r;
}

static bool match_lanes(const kcli_value *v, const kcli_pattern *p) {
    static const unsigned widths[] = {1, 2, 4, 8, 4, 8}; /* ORDER KCLI_SHAPE */
    unsigned width = p->shape < 6 ? widths[p->shape] : 1;
    unsigned lanes = 16 / width;
    for (unsigned i = 0; i < lanes; i++) {
        uint64_t got = v128_lane(v, i, width);
        uint32_t cls = p->lane_nan[i];
        if (cls != KCLI_NAN_NONE && p->shape == KCLI_SHAPE_F32X4) {
            if (!nan_class_f32((uint32_t)got, cls)) return false;
        } else if (cls != KCLI_NAN_NONE && p->shape == KCLI_SHAPE_F64X2) {
            if (!nan_class_f64(got, cls)) return false;
        } else if (got != v128_lane(&p->val, i, width)) {
            return false;
        }
    }
    return true;
}

static bool is_nonnull_ref(const kcli_value *v) {
    return v->type == KCLI_T_REF && v->ref != KCLI_REF_NULL;
}

bool kcli_value_matches(const kcli_value *v, const kcli_pattern *p) {
    switch (p->pat) {
    case KCLI_PAT_EITHER:
        for (size_t i = 0; i < p->alt_count; i++)
            if (kcli_value_matches(v, &p->alts[i])) return true;
        return false;
    case KCLI_PAT_NAN:
        if (v->type != p->val.type) return false;
        if (v->type == KCLI_T_F32) return nan_class_f32((uint32_t)v->lo, p->nan);
        if (v->type == KCLI_T_F64) return nan_class_f64(v->lo, p->nan);
        return false;
    case KCLI_PAT_LANES:
        return v->type == KCLI_T_V128 && match_lanes(v, p);
    /*
    ** A null pattern matches a null of the same hierarchy (func, extern,
    ** any, exn; spec 3.0 heap types below their top type share one null).
    ** 'ref.null' without a type, or with a concrete type index, matches
    ** any null.
    */
    case KCLI_PAT_REF_NULL:
        if (v->type != KCLI_T_REF || v->ref != KCLI_REF_NULL) return false;
        return p->val.heap == KCLI_HEAP_ANY || v->heap == KCLI_HEAP_ANY || p->val.heap == v->heap;
    case KCLI_PAT_REF_FUNC:
        return is_nonnull_ref(v) && v->ref == KCLI_REF_FUNC;
    case KCLI_PAT_REF_EXTERN:
        return is_nonnull_ref(v) && (v->ref == KCLI_REF_EXTERN || v->ref == KCLI_REF_OTHER);
    case KCLI_PAT_REF_ANY:
        return is_nonnull_ref(v) && v->ref != KCLI_REF_FUNC && v->ref != KCLI_REF_EXN;
    case KCLI_PAT_REF_EQ:
        return is_nonnull_ref(v) && (v->ref == KCLI_REF_I31 || v->ref == KCLI_REF_STRUCT ||
                                     v->ref == KCLI_REF_ARRAY || v->ref == KCLI_REF_OTHER);
    case KCLI_PAT_REF_STRUCT:
        return is_nonnull_ref(v) && (v->ref == KCLI_REF_STRUCT || v->ref == KCLI_REF_OTHER);
    case KCLI_PAT_REF_ARRAY:
        return is_nonnull_ref(v) && (v->ref == KCLI_REF_ARRAY || v->ref == KCLI_REF_OTHER);
    case KCLI_PAT_REF_I31:
        return is_nonnull_ref(v) && (v->ref == KCLI_REF_I31 || v->ref == KCLI_REF_OTHER);
    case KCLI_PAT_REF_EXN:
        return is_nonnull_ref(v) && (v->ref == KCLI_REF_EXN || v->ref == KCLI_REF_OTHER);
    case KCLI_PAT_EXACT:
    default:
        break;
    }
    const kcli_value *e = &p->val;
    if (v->type != e->type) return false;
    switch (v->type) {
    case KCLI_T_I32:
    case KCLI_T_F32:
        return (uint32_t)v->lo == (uint32_t)e->lo;
    case KCLI_T_I64:
    case KCLI_T_F64:
        return v->lo == e->lo;
    case KCLI_T_V128:
        return v->lo == e->lo && v->hi == e->hi;
    case KCLI_T_REF:
        if (e->ref == KCLI_REF_NULL) return v->ref == KCLI_REF_NULL;
        /*
        ** 'ref.host N' lives in the any hierarchy, which the C ABI v1 hands
        ** out as an opaque anyref (KCLI_REF_OTHER): accept any non-null one.
        */
        if (e->ref == KCLI_REF_HOST && v->ref == KCLI_REF_OTHER) return true;
        if (e->ref == KCLI_REF_EXTERN || e->ref == KCLI_REF_HOST)
            return v->ref == e->ref && v->lo == e->lo;
        return v->ref == e->ref;
    default:
        return false;
    }
}

static const char *shape_name(uint32_t shape) {
    static const char *names[] = {"i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2"};
    return shape < 6 ? names[shape] : "?";
}

void kcli_format_pattern(const kcli_pattern *p, char *buf, size_t size) {
    size_t n;
    switch (p->pat) {
    case KCLI_PAT_NAN:
        snprintf(buf, size, "%s:nan:%s", kcli_type_name(p->val.type),
                 p->nan == KCLI_NAN_CANONICAL ? "canonical" : "arithmetic");
        return;
    case KCLI_PAT_LANES: {
        static const unsigned widths[] = {1, 2, 4, 8, 4, 8};
        unsigned width = p->shape < 6 ? widths[p->shape] : 1;
        n = (size_t)snprintf(buf, size, "v128:%s", shape_name(p->shape));
        for (unsigned i = 0; i < 16 / width && n < size; i++) {
            uint64_t lane = v128_lane(&p->val, i, width);
            char tmp[64];
            if (p->lane_nan[i])
                snprintf(tmp, sizeof tmp, "nan:%s",
                         p->lane_nan[i] == KCLI_NAN_CANONICAL ? "canonical" : "arithmetic");
            else if (p->shape == KCLI_SHAPE_F32X4) format_f32((uint32_t)lane, tmp, sizeof tmp);
            else if (p->shape == KCLI_SHAPE_F64X2) format_f64(lane, tmp, sizeof tmp);
            else snprintf(tmp, sizeof tmp, "0x%" PRIx64, lane);
            n += (size_t)snprintf(buf + n, size - n, " %s", tmp);
        }
        return;
    }
    case KCLI_PAT_REF_NULL:
        snprintf(buf, size, "ref.null%s%s", p->val.heap ? " " : "", heap_name(p->val.heap));
        return;
    case KCLI_PAT_REF_FUNC: snprintf(buf, size, "ref.func"); return;
    case KCLI_PAT_REF_ANY: snprintf(buf, size, "ref.any"); return;
    case KCLI_PAT_REF_EQ: snprintf(buf, size, "ref.eq"); return;
    case KCLI_PAT_REF_STRUCT: snprintf(buf, size, "ref.struct"); return;
    case KCLI_PAT_REF_ARRAY: snprintf(buf, size, "ref.array"); return;
    case KCLI_PAT_REF_I31: snprintf(buf, size, "ref.i31"); return;
    case KCLI_PAT_REF_EXN: snprintf(buf, size, "ref.exn"); return;
    case KCLI_PAT_REF_EXTERN: snprintf(buf, size, "ref.extern"); return;
    case KCLI_PAT_EITHER:
        n = (size_t)snprintf(buf, size, "(either");
        for (size_t i = 0; i < p->alt_count && n + 2 < size; i++) {
            buf[n++] = ' ';
            kcli_format_pattern(&p->alts[i], buf + n, size - n);
            n += strlen(buf + n);
        }
        if (n + 2 < size) {
            buf[n++] = ')';
            buf[n] = 0;
        }
        return;
    default:
        kcli_format_value(&p->val, buf, size);
        return;
    }
}
