/*
** kcomp_forms.h -- compile/-private: which fused form replaces an internal
** op (ORDER KX: indexed by KX_* of kcomp_ops.def). Included by kcomp.c only.
**   imm_form   the op with a constant right operand (i32, or i64 fitting
**              a sign-extended 32-bit immediate)
**   addr_form  a load/store whose i32 address is an add: [0] _AI, [1] _AR
**   br_form    a compare fused with br_if
**   inverse    a compare fused with a branch taken when it is false ('if')
*/
#ifndef KCOMP_FORMS_H
#define KCOMP_FORMS_H

#include <stdint.h>

#include "compile/kcomp.h"

/* Direct translations: wasm op -> internal op for KD rows (ORDER KX). */
typedef struct direct_op {
    uint16_t kx;
    uint8_t cls;  /* KC_* or 0: not a direct translation */
    uint8_t type; /* result KVT_* */
} direct_op;

static const direct_op direct[KOP_COUNT_] = {
#define KX(NAME, text, words)
#define KD(NAME, text, words, cls, type) [KOP_##NAME] = {KX_##NAME, cls, type},
#include "compile/kcomp_ops.def"
};

/*
** Multiply-add fusion (ORDER KX): an add or sub -> the mul it absorbs and the
** fused op when the product is its right or left operand (0: none), and the
** constant-operand mul (_I) and its fused op. c + a*b and a*b + c both become
** MADD: for floats only the choice among NaN operands' payloads could differ,
** which core spec 4.3.3 (nans_N) leaves open.
*/
typedef struct madd_shape {
    uint16_t mul, right, left, mul_i, imm;
} madd_shape;

static const madd_shape madd_form[KX_COUNT_] = {
    [KX_I32_ADD] = {KX_I32_MUL, KX_I32_MADD, KX_I32_MADD, KX_I32_MUL_I, KX_I32_MADD_I},
    [KX_I64_ADD] = {KX_I64_MUL, KX_I64_MADD, KX_I64_MADD, KX_I64_MUL_I, KX_I64_MADD_I},
    [KX_F32_ADD] = {KX_F32_MUL, KX_F32_MADD, KX_F32_MADD, 0, 0},
    [KX_F64_ADD] = {KX_F64_MUL, KX_F64_MADD, KX_F64_MADD, 0, 0},
    [KX_I32_SUB] = {KX_I32_MUL, KX_I32_MSUB, 0, 0, 0},
    [KX_I64_SUB] = {KX_I64_MUL, KX_I64_MSUB, 0, 0, 0},
    [KX_F32_SUB] = {KX_F32_MUL, KX_F32_MSUB, 0, 0, 0},
    [KX_F64_SUB] = {KX_F64_MUL, KX_F64_MSUB, 0, 0, 0},
};

static const uint16_t imm_form[KX_COUNT_] = {
    [KX_I32_ADD] = KX_I32_ADD_I, [KX_I32_SUB] = KX_I32_SUB_I, [KX_I32_AND] = KX_I32_AND_I,
    [KX_I32_OR] = KX_I32_OR_I, [KX_I32_XOR] = KX_I32_XOR_I, [KX_I32_SHL] = KX_I32_SHL_I,
    [KX_I32_SHR_S] = KX_I32_SHR_S_I, [KX_I32_SHR_U] = KX_I32_SHR_U_I,
    [KX_I32_EQ] = KX_I32_EQ_I, [KX_I32_NE] = KX_I32_NE_I,
    [KX_I32_LT_S] = KX_I32_LT_S_I, [KX_I32_LT_U] = KX_I32_LT_U_I,
    [KX_I32_GT_S] = KX_I32_GT_S_I, [KX_I32_GT_U] = KX_I32_GT_U_I,
    [KX_I32_LE_S] = KX_I32_LE_S_I, [KX_I32_LE_U] = KX_I32_LE_U_I,
    [KX_I32_GE_S] = KX_I32_GE_S_I, [KX_I32_GE_U] = KX_I32_GE_U_I,
    [KX_I64_ADD] = KX_I64_ADD_I, [KX_I64_SUB] = KX_I64_SUB_I, [KX_I64_AND] = KX_I64_AND_I,
    [KX_I64_OR] = KX_I64_OR_I, [KX_I64_XOR] = KX_I64_XOR_I, [KX_I64_SHL] = KX_I64_SHL_I,
    [KX_I64_SHR_S] = KX_I64_SHR_S_I, [KX_I64_SHR_U] = KX_I64_SHR_U_I, [KX_I64_MUL] = KX_I64_MUL_I,
    [KX_I32_MUL] = KX_I32_MUL_I,
};

/* A binary op with its operands exchanged (ORDER KX): itself when commutative,
   the mirrored compare (a < b is b > a); only ops with an imm_form or fimm_form. */
static const uint16_t swap_form[KX_COUNT_] = {
    [KX_I32_ADD] = KX_I32_ADD, [KX_I32_AND] = KX_I32_AND, [KX_I32_OR] = KX_I32_OR,
    [KX_I32_XOR] = KX_I32_XOR, [KX_I32_MUL] = KX_I32_MUL, [KX_I32_EQ] = KX_I32_EQ, [KX_I32_NE] = KX_I32_NE,
    [KX_I32_LT_S] = KX_I32_GT_S, [KX_I32_LT_U] = KX_I32_GT_U, [KX_I32_GT_S] = KX_I32_LT_S,
    [KX_I32_GT_U] = KX_I32_LT_U, [KX_I32_LE_S] = KX_I32_GE_S, [KX_I32_LE_U] = KX_I32_GE_U,
    [KX_I32_GE_S] = KX_I32_LE_S, [KX_I32_GE_U] = KX_I32_LE_U,
    [KX_I64_ADD] = KX_I64_ADD, [KX_I64_AND] = KX_I64_AND, [KX_I64_OR] = KX_I64_OR,
    [KX_I64_XOR] = KX_I64_XOR, [KX_I64_MUL] = KX_I64_MUL,
    /* c + x and x + c differ at most in which NaN operand's payload a NaN
       result carries, which core spec 4.3.3 (nans_N) leaves open */
    [KX_F32_ADD] = KX_F32_ADD, [KX_F32_MUL] = KX_F32_MUL, [KX_F64_ADD] = KX_F64_ADD,
    [KX_F64_MUL] = KX_F64_MUL,
};

/* Float arithmetic with a constant right operand held in the code (ORDER KX). */
static const uint16_t fimm_form[KX_COUNT_] = {
    [KX_F32_ADD] = KX_F32_ADD_K, [KX_F32_SUB] = KX_F32_SUB_K, [KX_F32_MUL] = KX_F32_MUL_K,
    [KX_F32_DIV] = KX_F32_DIV_K, [KX_F64_ADD] = KX_F64_ADD_K, [KX_F64_SUB] = KX_F64_SUB_K,
    [KX_F64_MUL] = KX_F64_MUL_K, [KX_F64_DIV] = KX_F64_DIV_K,
};

/* Loads and stores with the address add folded in (ORDER KX): [kx][0] _AI, [kx][1] _AR. */
static const uint16_t addr_form[KX_COUNT_][2] = {
    [KX_I32_LOAD] = {KX_I32_LOAD_AI, KX_I32_LOAD_AR}, [KX_I64_LOAD] = {KX_I64_LOAD_AI, KX_I64_LOAD_AR},
    [KX_F32_LOAD] = {KX_F32_LOAD_AI, KX_F32_LOAD_AR}, [KX_F64_LOAD] = {KX_F64_LOAD_AI, KX_F64_LOAD_AR},
    [KX_I32_LOAD8_S] = {KX_I32_LOAD8_S_AI, KX_I32_LOAD8_S_AR},
    [KX_I32_LOAD8_U] = {KX_I32_LOAD8_U_AI, KX_I32_LOAD8_U_AR},
    [KX_I32_LOAD16_S] = {KX_I32_LOAD16_S_AI, KX_I32_LOAD16_S_AR},
    [KX_I32_LOAD16_U] = {KX_I32_LOAD16_U_AI, KX_I32_LOAD16_U_AR},
    [KX_I64_LOAD8_S] = {KX_I64_LOAD8_S_AI, KX_I64_LOAD8_S_AR},
    [KX_I64_LOAD8_U] = {KX_I64_LOAD8_U_AI, KX_I64_LOAD8_U_AR},
    [KX_I64_LOAD16_S] = {KX_I64_LOAD16_S_AI, KX_I64_LOAD16_S_AR},
    [KX_I64_LOAD16_U] = {KX_I64_LOAD16_U_AI, KX_I64_LOAD16_U_AR},
    [KX_I64_LOAD32_S] = {KX_I64_LOAD32_S_AI, KX_I64_LOAD32_S_AR},
    [KX_I64_LOAD32_U] = {KX_I64_LOAD32_U_AI, KX_I64_LOAD32_U_AR},
    [KX_I32_STORE] = {KX_I32_STORE_AI, KX_I32_STORE_AR}, [KX_I64_STORE] = {KX_I64_STORE_AI, KX_I64_STORE_AR},
    [KX_F32_STORE] = {KX_F32_STORE_AI, KX_F32_STORE_AR}, [KX_F64_STORE] = {KX_F64_STORE_AI, KX_F64_STORE_AR},
    [KX_I32_STORE8] = {KX_I32_STORE8_AI, KX_I32_STORE8_AR},
    [KX_I32_STORE16] = {KX_I32_STORE16_AI, KX_I32_STORE16_AR},
    [KX_I64_STORE8] = {KX_I64_STORE8_AI, KX_I64_STORE8_AR},
    [KX_I64_STORE16] = {KX_I64_STORE16_AI, KX_I64_STORE16_AR},
    [KX_I64_STORE32] = {KX_I64_STORE32_AI, KX_I64_STORE32_AR},
};

/* Compare-and-branch fusion: the compare op -> the fused branch (ORDER KX). */
static const uint16_t br_form[KX_COUNT_] = {
    [KX_I32_EQZ] = KX_BR_I32_EQZ,
    [KX_I32_EQ] = KX_BR_I32_EQ, [KX_I32_NE] = KX_BR_I32_NE,
    [KX_I32_LT_S] = KX_BR_I32_LT_S, [KX_I32_LT_U] = KX_BR_I32_LT_U,
    [KX_I32_GT_S] = KX_BR_I32_GT_S, [KX_I32_GT_U] = KX_BR_I32_GT_U,
    [KX_I32_LE_S] = KX_BR_I32_LE_S, [KX_I32_LE_U] = KX_BR_I32_LE_U,
    [KX_I32_GE_S] = KX_BR_I32_GE_S, [KX_I32_GE_U] = KX_BR_I32_GE_U,
    [KX_I32_EQ_I] = KX_BR_I32_EQ_I, [KX_I32_NE_I] = KX_BR_I32_NE_I,
    [KX_I32_LT_S_I] = KX_BR_I32_LT_S_I, [KX_I32_LT_U_I] = KX_BR_I32_LT_U_I,
    [KX_I32_GT_S_I] = KX_BR_I32_GT_S_I, [KX_I32_GT_U_I] = KX_BR_I32_GT_U_I,
    [KX_I32_LE_S_I] = KX_BR_I32_LE_S_I, [KX_I32_LE_U_I] = KX_BR_I32_LE_U_I,
    [KX_I32_GE_S_I] = KX_BR_I32_GE_S_I, [KX_I32_GE_U_I] = KX_BR_I32_GE_U_I,
};

/* The compare with the opposite result, for branching when it is false ('if'). */
static const uint16_t inverse[KX_COUNT_] = {
    [KX_I32_EQZ] = KX_BR_I32_NEZ,
    [KX_I32_EQ] = KX_BR_I32_NE, [KX_I32_NE] = KX_BR_I32_EQ,
    [KX_I32_LT_S] = KX_BR_I32_GE_S, [KX_I32_LT_U] = KX_BR_I32_GE_U,
    [KX_I32_GT_S] = KX_BR_I32_LE_S, [KX_I32_GT_U] = KX_BR_I32_LE_U,
    [KX_I32_LE_S] = KX_BR_I32_GT_S, [KX_I32_LE_U] = KX_BR_I32_GT_U,
    [KX_I32_GE_S] = KX_BR_I32_LT_S, [KX_I32_GE_U] = KX_BR_I32_LT_U,
    [KX_I32_EQ_I] = KX_BR_I32_NE_I, [KX_I32_NE_I] = KX_BR_I32_EQ_I,
    [KX_I32_LT_S_I] = KX_BR_I32_GE_S_I, [KX_I32_LT_U_I] = KX_BR_I32_GE_U_I,
    [KX_I32_GT_S_I] = KX_BR_I32_LE_S_I, [KX_I32_GT_U_I] = KX_BR_I32_LE_U_I,
    [KX_I32_LE_S_I] = KX_BR_I32_GT_S_I, [KX_I32_LE_U_I] = KX_BR_I32_GT_U_I,
    [KX_I32_GE_S_I] = KX_BR_I32_LT_S_I, [KX_I32_GE_U_I] = KX_BR_I32_LT_U_I,
};

#endif
