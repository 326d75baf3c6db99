/*
** fsm.c -- a state machine: a tokenizer for a small expression language
** (identifiers, numbers, operators, strings with escapes, comments) run over
** a generated text, a switch on (state, character class) per byte.
** Measures unpredictable branches and table dispatch.
*/
#include "bench.h"

#define TEXT 262144

static uint8_t text[TEXT];

enum { S_START, S_IDENT, S_NUMBER, S_STRING, S_ESCAPE, S_SLASH, S_COMMENT, S_OP };
enum { C_ALPHA, C_DIGIT, C_SPACE, C_QUOTE, C_BACKSLASH, C_SLASH, C_NEWLINE, C_OP, C_OTHER };

static uint8_t cls[256];

static void generate(uint32_t seed) {
    static const char *const pieces[] = {"alpha", "x1", " ", "  ", "42", "3141", "+", "-", "==",
                                         "\"str\\\"ing\"", "// note\n", "\n", "(", ")", "*", "beta_9",
                                         "/", "\"\"", "7", "gamma"};
    uint32_t s = seed | 1, i = 0;
    while (i < TEXT) {
        const char *p = pieces[bench_rand(&s) % 20];
        while (*p && i < TEXT) text[i++] = (uint8_t)*p++;
    }
}

static void classes(void) {
    for (int c = 0; c < 256; c++) {
        uint8_t k = C_OTHER;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') k = C_ALPHA;
        else if (c >= '0' && c <= '9') k = C_DIGIT;
        else if (c == ' ' || c == '\t') k = C_SPACE;
        else if (c == '"') k = C_QUOTE;
        else if (c == '\\') k = C_BACKSLASH;
        else if (c == '/') k = C_SLASH;
        else if (c == '\n') k = C_NEWLINE;
        else if (c == '+' || c == '-' || c == '*' || c == '=' || c == '(' || c == ')') k = C_OP;
        cls[c] = k;
    }
}

static uint64_t tokenize(void) {
    uint64_t h = 0, tokens = 0, value = 0;
    int state = S_START;
    for (uint32_t i = 0; i < TEXT; i++) {
        uint8_t c = text[i];
        uint8_t k = cls[c];
    again:
        switch (state) {
        case S_START:
            switch (k) {
            case C_ALPHA: state = S_IDENT; value = c; break;
            case C_DIGIT: state = S_NUMBER; value = (uint64_t)(c - '0'); break;
            case C_QUOTE: state = S_STRING; value = 0; break;
            case C_SLASH: state = S_SLASH; break;
            case C_OP: state = S_OP; value = c; break;
            default: break;
            }
            break;
        case S_IDENT:
            if (k == C_ALPHA || k == C_DIGIT) { value = value * 31 + c; break; }
            h = bench_mix(h, value); tokens++; state = S_START; goto again;
        case S_NUMBER:
            if (k == C_DIGIT) { value = value * 10 + (uint64_t)(c - '0'); break; }
            h += value * 2654435761u; tokens++; state = S_START; goto again;
        case S_STRING:
            if (k == C_BACKSLASH) state = S_ESCAPE;
            else if (k == C_QUOTE) { h ^= value; tokens++; state = S_START; }
            else value = value * 7 + c;
            break;
        case S_ESCAPE: value = value * 7 + c + 1000; state = S_STRING; break;
        case S_SLASH:
            if (k == C_SLASH) { state = S_COMMENT; break; }
            h += '/'; tokens++; state = S_START; goto again;
        case S_COMMENT:
            if (k == C_NEWLINE) state = S_START;
            break;
        case S_OP:
            if (value == '=' && c == '=') { h += 0x3d3d; tokens++; state = S_START; break; }
            h += value; tokens++; state = S_START; goto again;
        }
    }
    return bench_mix(h, tokens);
}

uint64_t bench_run(uint32_t iterations) {
    uint64_t sum = 0;
    classes();
    for (uint32_t it = 0; it < iterations; it++) {
        if (it % 16 == 0) generate(it / 16 + 1);
        sum = bench_mix(sum, tokenize());
    }
    return sum;
}
