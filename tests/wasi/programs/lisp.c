/*
** lisp.c -- a small Lisp interpreter: the "substantial program" of the WASI
** tests. It reads a program from stdin and prints what it evaluates. It
** exercises much of libc: malloc/realloc, string functions, strtod,
** snprintf with %g and %s widths, qsort, strtok, ctype, math (floor, fmod,
** sqrt, pow), and deep recursion. Errors propagate as a flag checked after
** every evaluation step (wasm32-wasi has no setjmp/longjmp).
**
** Values: numbers (double), strings, symbols (interned in a hash table),
** pairs, builtins and closures. Special forms: quote, if, define, set!,
** lambda, let, begin, and, or, while, cond. No garbage collector: a test
** program is small.
*/
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { T_NIL, T_NUM, T_STR, T_SYM, T_PAIR, T_PRIM, T_FN, T_TRUE } type_t;

typedef struct obj obj;
typedef obj *(*prim_fn)(obj *args);

struct obj {
    type_t t;
    union {
        double num;
        char *str;                              /* T_STR, T_SYM */
        struct { obj *car, *cdr; } p;           /* T_PAIR */
        struct { prim_fn fn; const char *name; } prim;
        struct { obj *params, *body, *env; } fn;
    } u;
};

static obj nil_obj = {T_NIL, {0}}, true_obj = {T_TRUE, {0}};
#define NIL (&nil_obj)
#define TRUE (&true_obj)

static int err_set;
static char err_msg[256];
static size_t allocated;

/* Records the first error; every evaluation step returns at once after it. */
static void error(const char *fmt, ...) {
    if (err_set) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err_msg, sizeof err_msg, fmt, ap);
    va_end(ap);
    err_set = 1;
}

static obj *alloc(type_t t) {
    obj *o = calloc(1, sizeof *o);
    if (!o) {
        fprintf(stderr, "out of memory\n");
        exit(3);
    }
    allocated++;
    o->t = t;
    return o;
}

static obj *num(double d) {
    obj *o = alloc(T_NUM);
    o->u.num = d;
    return o;
}

static obj *str(const char *s, size_t n) {
    obj *o = alloc(T_STR);
    o->u.str = malloc(n + 1);
    memcpy(o->u.str, s, n);
    o->u.str[n] = 0;
    return o;
}

static obj *cons(obj *a, obj *b) {
    obj *o = alloc(T_PAIR);
    o->u.p.car = a;
    o->u.p.cdr = b;
    return o;
}

/* ---------------------------------------------------------------- symbols */

#define SYMTAB 256
static obj *symtab[SYMTAB];
static size_t symcount;

static uint32_t hash(const char *s) {
    uint32_t h = 5381;
    while (*s) h = h * 33 + (unsigned char)*s++;
    return h;
}

static obj *intern(const char *name) {
    uint32_t h = hash(name) % SYMTAB;
    for (obj *l = symtab[h]; l != NULL && l != NIL; l = l->u.p.cdr)
        if (strcmp(l->u.p.car->u.str, name) == 0) return l->u.p.car;
    obj *s = alloc(T_SYM);
    s->u.str = strdup(name);
    symtab[h] = cons(s, symtab[h] ? symtab[h] : NIL);
    symcount++;
    return s;
}

static obj *s_quote, *s_if, *s_define, *s_set, *s_lambda, *s_let, *s_begin, *s_and, *s_or, *s_while, *s_cond,
    *s_else;

/* ---------------------------------------------------------------- reader */

static const char *src;
static int line_no = 1;

static void skip_ws(void) {
    for (;;) {
        while (isspace((unsigned char)*src)) {
            if (*src == '\n') line_no++;
            src++;
        }
        if (*src == ';') {
            while (*src && *src != '\n') src++;
            continue;
        }
        return;
    }
}

static obj *read_expr(void);

static obj *read_list(void) {
    obj *head = NIL, **tail = &head;
    for (;;) {
        skip_ws();
        if (err_set) return NIL;
        if (*src == 0) {
            error("line %d: unterminated list", line_no);
            return NIL;
        }
        if (*src == ')') {
            src++;
            return head;
        }
        if (*src == '.' && isspace((unsigned char)src[1])) {
            src++;
            *tail = read_expr();
            skip_ws();
            if (*src != ')') {
                error("line %d: expected ) after dotted tail", line_no);
                return NIL;
            }
            src++;
            return head;
        }
        *tail = cons(read_expr(), NIL);
        tail = &(*tail)->u.p.cdr;
    }
}

static obj *read_expr(void) {
    skip_ws();
    char c = *src;
    if (c == 0) return NULL;
    if (c == '(') {
        src++;
        return read_list();
    }
    if (c == ')') {
        src++;
        error("line %d: unexpected )", line_no);
        return NIL;
    }
    if (c == '\'') {
        src++;
        return cons(s_quote, cons(read_expr(), NIL));
    }
    if (c == '"') {
        src++;
        char buf[1024];
        size_t n = 0;
        while (*src && *src != '"' && n < sizeof buf - 1) {
            char ch = *src++;
            if (ch == '\\' && *src) {
                ch = *src++;
                if (ch == 'n') ch = '\n';
                else if (ch == 't') ch = '\t';
            }
            buf[n++] = ch;
        }
        if (*src != '"') {
            error("line %d: unterminated string", line_no);
            return NIL;
        }
        src++;
        return str(buf, n);
    }
    const char *start = src;
    while (*src && !isspace((unsigned char)*src) && *src != '(' && *src != ')' && *src != ';') src++;
    size_t n = (size_t)(src - start);
    char tok[128];
    if (n >= sizeof tok) {
        error("line %d: token too long", line_no);
        return NIL;
    }
    memcpy(tok, start, n);
    tok[n] = 0;
    char *end;
    double d = strtod(tok, &end);
    if (*end == 0 && (isdigit((unsigned char)tok[0]) || ((tok[0] == '-' || tok[0] == '.') && n > 1)))
        return num(d);
    if (strcmp(tok, "#t") == 0) return TRUE;
    if (strcmp(tok, "#f") == 0 || strcmp(tok, "nil") == 0) return NIL;
    return intern(tok);
}

/* ---------------------------------------------------------------- printer */

typedef struct sbuf {
    char *d;
    size_t n, cap;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->d = realloc(b->d, b->cap);
    }
    memcpy(b->d + b->n, s, n);
    b->n += n;
    b->d[b->n] = 0;
}

static void sb_fmt(sbuf *b, const char *fmt, ...) {
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    sb_put(b, tmp, (size_t)n);
}

static void print_obj(sbuf *b, obj *o, int display) {
    switch (o->t) {
    case T_NIL: sb_put(b, "()", 2); break;
    case T_TRUE: sb_put(b, "#t", 2); break;
    case T_NUM:
        if (o->u.num == floor(o->u.num) && fabs(o->u.num) < 1e15) sb_fmt(b, "%.0f", o->u.num);
        else sb_fmt(b, "%.10g", o->u.num);
        break;
    case T_STR:
        if (display) sb_put(b, o->u.str, strlen(o->u.str));
        else {
            sb_put(b, "\"", 1);
            sb_put(b, o->u.str, strlen(o->u.str));
            sb_put(b, "\"", 1);
        }
        break;
    case T_SYM: sb_put(b, o->u.str, strlen(o->u.str)); break;
    case T_PRIM: sb_fmt(b, "#<builtin %s>", o->u.prim.name); break;
    case T_FN: sb_put(b, "#<lambda>", 9); break;
    case T_PAIR:
        sb_put(b, "(", 1);
        for (;;) {
            print_obj(b, o->u.p.car, display);
            o = o->u.p.cdr;
            if (o->t != T_PAIR) break;
            sb_put(b, " ", 1);
        }
        if (o != NIL) {
            sb_put(b, " . ", 3);
            print_obj(b, o, display);
        }
        sb_put(b, ")", 1);
        break;
    }
}

static char *to_string(obj *o, int display) {
    sbuf b = {0};
    sb_put(&b, "", 0);
    print_obj(&b, o, display);
    return b.d;
}

/* ---------------------------------------------------------------- environment */

/* An environment is a list of frames; a frame is an association list. */
static obj *lookup(obj *env, obj *sym) {
    for (; env != NIL; env = env->u.p.cdr)
        for (obj *f = env->u.p.car; f != NIL; f = f->u.p.cdr)
            if (f->u.p.car->u.p.car == sym) return f->u.p.car;
    return NULL;
}

static void define(obj *env, obj *sym, obj *val) {
    obj *b = NULL;
    for (obj *f = env->u.p.car; f != NIL; f = f->u.p.cdr)
        if (f->u.p.car->u.p.car == sym) b = f->u.p.car;
    if (b) b->u.p.cdr = val;
    else env->u.p.car = cons(cons(sym, val), env->u.p.car);
}

/* ---------------------------------------------------------------- eval */

static int depth;

static obj *eval(obj *x, obj *env);

static obj *eval_list(obj *l, obj *env) {
    obj *head = NIL, **tail = &head;
    for (; l != NIL && !err_set; l = l->u.p.cdr) {
        *tail = cons(eval(l->u.p.car, env), NIL);
        tail = &(*tail)->u.p.cdr;
    }
    return head;
}

static obj *apply(obj *f, obj *args);

static obj *eval_body(obj *body, obj *env) {
    obj *r = NIL;
    for (; body != NIL && !err_set; body = body->u.p.cdr) r = eval(body->u.p.car, env);
    return r;
}

#define CAR(o) ((o)->t == T_PAIR ? (o)->u.p.car : (error("car of a non-pair"), NIL))
#define CDR(o) ((o)->t == T_PAIR ? (o)->u.p.cdr : (error("cdr of a non-pair"), NIL))

static obj *eval(obj *x, obj *env) {
    if (err_set) return NIL;
    if (depth + 1 > 5000) {
        error("recursion too deep");
        return NIL;
    }
    depth++;
    obj *r;
    switch (x->t) {
    case T_SYM: {
        obj *b = lookup(env, x);
        if (!b) error("undefined symbol: %s", x->u.str);
        r = b ? b->u.p.cdr : NIL;
        break;
    }
    case T_PAIR: {
        obj *op = x->u.p.car, *args = x->u.p.cdr;
        if (op == s_quote) r = CAR(args);
        else if (op == s_if) {
            obj *c = eval(CAR(args), env);
            obj *rest = CDR(args);
            if (c != NIL) r = eval(CAR(rest), env);
            else r = CDR(rest) != NIL ? eval(CAR(CDR(rest)), env) : NIL;
        } else if (op == s_define) {
            obj *target = CAR(args);
            if (target->t == T_PAIR) { /* (define (f args) body...) */
                obj *fn = alloc(T_FN);
                fn->u.fn.params = target->u.p.cdr;
                fn->u.fn.body = CDR(args);
                fn->u.fn.env = env;
                define(env, target->u.p.car, fn);
                r = target->u.p.car;
            } else {
                define(env, target, eval(CAR(CDR(args)), env));
                r = target;
            }
        } else if (op == s_set) {
            obj *b = lookup(env, CAR(args));
            if (!b) {
                error("set! of undefined symbol: %s", CAR(args)->u.str);
                r = NIL;
            } else {
                b->u.p.cdr = eval(CAR(CDR(args)), env);
                r = b->u.p.cdr;
            }
        } else if (op == s_lambda) {
            r = alloc(T_FN);
            r->u.fn.params = CAR(args);
            r->u.fn.body = CDR(args);
            r->u.fn.env = env;
        } else if (op == s_let) {
            obj *frame = NIL;
            for (obj *b = CAR(args); b != NIL && !err_set; b = b->u.p.cdr)
                frame = cons(cons(CAR(CAR(b)), eval(CAR(CDR(CAR(b))), env)), frame);
            r = eval_body(CDR(args), cons(frame, env));
        } else if (op == s_begin) r = eval_body(args, env);
        else if (op == s_and) {
            r = TRUE;
            for (; args != NIL && r != NIL && !err_set; args = args->u.p.cdr) r = eval(args->u.p.car, env);
        } else if (op == s_or) {
            r = NIL;
            for (; args != NIL && r == NIL && !err_set; args = args->u.p.cdr) r = eval(args->u.p.car, env);
        } else if (op == s_while) {
            r = NIL;
            while (!err_set && eval(CAR(args), env) != NIL) r = eval_body(CDR(args), env);
        } else if (op == s_cond) {
            r = NIL;
            for (; args != NIL && !err_set; args = args->u.p.cdr) {
                obj *clause = args->u.p.car;
                if (CAR(clause) == s_else || eval(CAR(clause), env) != NIL) {
                    r = eval_body(CDR(clause), env);
                    break;
                }
            }
        } else {
            obj *f = eval(op, env), *av = eval_list(args, env);
            r = err_set ? NIL : apply(f, av);
        }
        break;
    }
    default: r = x;
    }
    depth--;
    return r;
}

static obj *apply(obj *f, obj *args) {
    if (f->t == T_PRIM) return f->u.prim.fn(args);
    if (f->t != T_FN) {
        char *s = to_string(f, 0);
        error("not a function: %s", s);
        free(s);
        return NIL;
    }
    obj *frame = NIL, *p = f->u.fn.params;
    for (; p != NIL && p->t == T_PAIR; p = p->u.p.cdr) {
        if (args == NIL) {
            error("too few arguments");
            return NIL;
        }
        frame = cons(cons(p->u.p.car, args->u.p.car), frame);
        args = args->u.p.cdr;
    }
    if (p != NIL && p->t == T_SYM) frame = cons(cons(p, args), frame); /* rest parameter */
    else if (args != NIL) {
        error("too many arguments");
        return NIL;
    }
    return eval_body(f->u.fn.body, cons(frame, f->u.fn.env));
}

/* ---------------------------------------------------------------- builtins */

static double arg_num(obj *a) {
    if (a == NIL || a->u.p.car->t != T_NUM) {
        error("expected a number");
        return 0;
    }
    return a->u.p.car->u.num;
}

static obj *p_add(obj *a) { double s = 0; for (; a != NIL; a = a->u.p.cdr) s += arg_num(a); return num(s); }
static obj *p_mul(obj *a) { double s = 1; for (; a != NIL; a = a->u.p.cdr) s *= arg_num(a); return num(s); }
static obj *p_sub(obj *a) {
    double s = arg_num(a);
    if (a->u.p.cdr == NIL) return num(-s);
    for (a = a->u.p.cdr; a != NIL; a = a->u.p.cdr) s -= arg_num(a);
    return num(s);
}
static obj *p_div(obj *a) {
    double s = arg_num(a);
    for (a = a->u.p.cdr; a != NIL; a = a->u.p.cdr) {
        double d = arg_num(a);
        if (d == 0) error("division by zero");
        s /= d;
    }
    return num(s);
}
static obj *p_mod(obj *a) {
    double d = arg_num(a->u.p.cdr);
    if (d == 0) error("division by zero");
    return num(fmod(arg_num(a), d));
}
#define CMP(name, op) \
    static obj *name(obj *a) { return arg_num(a) op arg_num(a->u.p.cdr) ? TRUE : NIL; }
CMP(p_lt, <) CMP(p_gt, >) CMP(p_le, <=) CMP(p_ge, >=) CMP(p_numeq, ==)

static obj *p_car(obj *a) { return CAR(CAR(a)); }
static obj *p_cdr(obj *a) { return CDR(CAR(a)); }
static obj *p_cons(obj *a) { return cons(CAR(a), CAR(CDR(a))); }
static obj *p_list(obj *a) { return a; }
static obj *p_nullp(obj *a) { return CAR(a) == NIL ? TRUE : NIL; }
static obj *p_pairp(obj *a) { return CAR(a)->t == T_PAIR ? TRUE : NIL; }
static obj *p_eq(obj *a) {
    obj *x = CAR(a), *y = CAR(CDR(a));
    if (x->t == T_NUM && y->t == T_NUM) return x->u.num == y->u.num ? TRUE : NIL;
    return x == y ? TRUE : NIL;
}
static int equal(obj *x, obj *y) {
    if (x->t != y->t) return 0;
    switch (x->t) {
    case T_NUM: return x->u.num == y->u.num;
    case T_STR: return strcmp(x->u.str, y->u.str) == 0;
    case T_PAIR: return equal(x->u.p.car, y->u.p.car) && equal(x->u.p.cdr, y->u.p.cdr);
    default: return x == y;
    }
}
static obj *p_equal(obj *a) { return equal(CAR(a), CAR(CDR(a))) ? TRUE : NIL; }

static obj *p_display(obj *a) {
    for (; a != NIL; a = a->u.p.cdr) {
        char *s = to_string(a->u.p.car, 1);
        fputs(s, stdout);
        free(s);
    }
    return NIL;
}
static obj *p_newline(obj *a) { (void)a; putchar('\n'); return NIL; }

static obj *p_strappend(obj *a) {
    sbuf b = {0};
    sb_put(&b, "", 0);
    for (; a != NIL; a = a->u.p.cdr) {
        char *s = to_string(a->u.p.car, 1);
        sb_put(&b, s, strlen(s));
        free(s);
    }
    obj *r = str(b.d, b.n);
    free(b.d);
    return r;
}
static obj *p_strlen(obj *a) {
    if (CAR(a)->t != T_STR) {
        error("string-length of a non-string");
        return NIL;
    }
    return num((double)strlen(CAR(a)->u.str));
}
static obj *p_substring(obj *a) {
    obj *s = CAR(a);
    if (s->t != T_STR) {
        error("substring of a non-string");
        return NIL;
    }
    size_t len = strlen(s->u.str);
    double from = arg_num(a->u.p.cdr), to = arg_num(a->u.p.cdr->u.p.cdr);
    if (from < 0 || to > (double)len || from > to) {
        error("substring out of range");
        return NIL;
    }
    return str(s->u.str + (size_t)from, (size_t)(to - from));
}
static obj *p_upcase(obj *a) {
    obj *r = str(CAR(a)->u.str, strlen(CAR(a)->u.str));
    for (char *p = r->u.str; *p; p++) *p = (char)toupper((unsigned char)*p);
    return r;
}
static obj *p_split(obj *a) { /* (split "a,b,,c" ",") -> ("a" "b" "c") */
    char *copy = strdup(CAR(a)->u.str);
    const char *delim = CAR(CDR(a))->u.str;
    obj *head = NIL, **tail = &head;
    for (char *tok = strtok(copy, delim); tok; tok = strtok(NULL, delim)) {
        *tail = cons(str(tok, strlen(tok)), NIL);
        tail = &(*tail)->u.p.cdr;
    }
    free(copy);
    return head;
}
static obj *p_str2num(obj *a) {
    char *end;
    double d = strtod(CAR(a)->u.str, &end);
    return *end ? NIL : num(d);
}
static obj *p_num2str(obj *a) {
    char *s = to_string(CAR(a), 1);
    obj *r = str(s, strlen(s));
    free(s);
    return r;
}
static obj *p_sqrt(obj *a) { return num(sqrt(arg_num(a))); }
static obj *p_pow(obj *a) { return num(pow(arg_num(a), arg_num(a->u.p.cdr))); }
static obj *p_floor(obj *a) { return num(floor(arg_num(a))); }
static obj *p_apply(obj *a) { return apply(CAR(a), CAR(CDR(a))); }
static obj *p_error(obj *a) {
    char *s = to_string(CAR(a), 1);
    error("%s", s);
    free(s);
    return NIL;
}

static obj *sort_fn;
static int sort_cmp(const void *x, const void *y) {
    obj *a = *(obj *const *)x, *b = *(obj *const *)y;
    if (err_set) return 0;
    if (apply(sort_fn, cons(a, cons(b, NIL))) != NIL) return -1;
    if (apply(sort_fn, cons(b, cons(a, NIL))) != NIL) return 1;
    return 0;
}
static obj *p_sort(obj *a) { /* (sort list less?) with qsort */
    size_t n = 0;
    for (obj *l = CAR(a); l != NIL; l = l->u.p.cdr) n++;
    obj **v = malloc((n ? n : 1) * sizeof *v);
    n = 0;
    for (obj *l = CAR(a); l != NIL; l = l->u.p.cdr) v[n++] = l->u.p.car;
    sort_fn = CAR(CDR(a));
    /* Libc's qsort algorithms differ in how often they compare: keep the
       allocation count (printed at the end) independent of that. */
    size_t before = allocated;
    qsort(v, n, sizeof *v, sort_cmp);
    allocated = before;
    obj *r = NIL;
    while (n > 0) r = cons(v[--n], r);
    free(v);
    return r;
}
static obj *p_stats(obj *a) { (void)a; return num((double)symcount); }

static const struct { const char *name; prim_fn fn; } prims[] = {
    {"+", p_add}, {"-", p_sub}, {"*", p_mul}, {"/", p_div}, {"mod", p_mod}, {"<", p_lt}, {">", p_gt},
    {"<=", p_le}, {">=", p_ge}, {"=", p_numeq}, {"car", p_car}, {"cdr", p_cdr}, {"cons", p_cons},
    {"list", p_list}, {"null?", p_nullp}, {"pair?", p_pairp}, {"eq?", p_eq}, {"equal?", p_equal},
    {"display", p_display}, {"newline", p_newline}, {"string-append", p_strappend},
    {"string-length", p_strlen}, {"substring", p_substring}, {"upcase", p_upcase}, {"split", p_split},
    {"string->number", p_str2num}, {"number->string", p_num2str}, {"sqrt", p_sqrt}, {"expt", p_pow},
    {"floor", p_floor}, {"apply", p_apply}, {"error", p_error}, {"sort", p_sort}, {"symbol-count", p_stats},
};

/* Written in the language itself: exercises closures and recursion. */
static const char *prelude =
    "(define (map f l) (if (null? l) nil (cons (f (car l)) (map f (cdr l)))))\n"
    "(define (filter p l) (cond ((null? l) nil) ((p (car l)) (cons (car l) (filter p (cdr l)))) (else (filter p (cdr l)))))\n"
    "(define (foldl f acc l) (if (null? l) acc (foldl f (f acc (car l)) (cdr l))))\n"
    "(define (length l) (foldl (lambda (n x) (+ n 1)) 0 l))\n"
    "(define (reverse l) (foldl (lambda (acc x) (cons x acc)) nil l))\n"
    "(define (range a b) (if (>= a b) nil (cons a (range (+ a 1) b))))\n"
    "(define (assoc k l) (cond ((null? l) nil) ((equal? k (car (car l))) (car l)) (else (assoc k (cdr l)))))\n"
    "(define (not x) (if x #f #t))\n";

static void run(const char *text, obj *env, int echo) {
    src = text;
    for (;;) {
        obj *x = read_expr();
        if (x == NULL) break;
        obj *v = err_set ? NIL : eval(x, env);
        if (err_set) {
            printf("error: %s\n", err_msg);
            err_set = 0;
            depth = 0;
            continue; /* the reader resumes after the failing expression */
        }
        if (echo && v != NIL && !(x->t == T_PAIR && x->u.p.car == s_define)) {
            char *s = to_string(v, 0);
            printf("=> %s\n", s);
            free(s);
        }
    }
}

int main(void) {
    s_quote = intern("quote");
    s_if = intern("if");
    s_define = intern("define");
    s_set = intern("set!");
    s_lambda = intern("lambda");
    s_let = intern("let");
    s_begin = intern("begin");
    s_and = intern("and");
    s_or = intern("or");
    s_while = intern("while");
    s_cond = intern("cond");
    s_else = intern("else");
    obj *env = cons(NIL, NIL);
    for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++) {
        obj *p = alloc(T_PRIM);
        p->u.prim.fn = prims[i].fn;
        p->u.prim.name = prims[i].name;
        define(env, intern(prims[i].name), p);
    }
    run(prelude, env, 0);
    /* the program comes from stdin */
    size_t cap = 1 << 12, n = 0, k;
    char *text = malloc(cap + 1);
    while ((k = fread(text + n, 1, cap - n, stdin)) > 0) {
        n += k;
        if (n == cap) text = realloc(text, (cap *= 2) + 1);
    }
    text[n] = 0;
    run(text, env, 1);
    printf("objects allocated: %zu\n", allocated);
    free(text);
    return 0;
}
