/*
** kexec_numops.h -- the numeric instructions (core spec 4.4.1), one line
** each, written with the interpreter's operand macros: R/U32/F32/F64(n) read
** operand n, SET32/SET64/SETF32/SETF64(1, v) write the result, NEXT ends the
** instruction, and UN32, BI32, ... DIV32, TRUNC wrap the common shapes.
** Included inside the dispatch of kexec_interp.c, and by compile/'s constant
** folding (kcomp_fold.c) with the same macros defined to evaluate one
** instruction on constants: both use this one list, so a folded value is
** always what the instruction computes. Exact semantics in kexec_numeric.h.
** No include guard: meant to be included where the macros are defined.
*/
UN32(KX_I32_EQZ, a == 0)
BI32(KX_I32_EQ, a == b)
BI32(KX_I32_NE, a != b)
BI32(KX_I32_LT_S, (int32_t)a < (int32_t)b)
BI32(KX_I32_LT_U, a < b)
BI32(KX_I32_GT_S, (int32_t)a > (int32_t)b)
BI32(KX_I32_GT_U, a > b)
BI32(KX_I32_LE_S, (int32_t)a <= (int32_t)b)
BI32(KX_I32_LE_U, a <= b)
BI32(KX_I32_GE_S, (int32_t)a >= (int32_t)b)
BI32(KX_I32_GE_U, a >= b)
vmcase(KX_I64_EQZ) { SET32(1, R(2) == 0); NEXT(3); }
CMP64(KX_I64_EQ, a == b)
CMP64(KX_I64_NE, a != b)
CMP64(KX_I64_LT_S, (int64_t)a < (int64_t)b)
CMP64(KX_I64_LT_U, a < b)
CMP64(KX_I64_GT_S, (int64_t)a > (int64_t)b)
CMP64(KX_I64_GT_U, a > b)
CMP64(KX_I64_LE_S, (int64_t)a <= (int64_t)b)
CMP64(KX_I64_LE_U, a <= b)
CMP64(KX_I64_GE_S, (int64_t)a >= (int64_t)b)
CMP64(KX_I64_GE_U, a >= b)
CMPF32(KX_F32_EQ, kexec_num_f32_eq)
CMPF32(KX_F32_NE, kexec_num_f32_ne)
CMPF32(KX_F32_LT, kexec_num_f32_lt)
CMPF32(KX_F32_GT, kexec_num_f32_gt)
CMPF32(KX_F32_LE, kexec_num_f32_le)
CMPF32(KX_F32_GE, kexec_num_f32_ge)
CMPF64(KX_F64_EQ, kexec_num_f64_eq)
CMPF64(KX_F64_NE, kexec_num_f64_ne)
CMPF64(KX_F64_LT, kexec_num_f64_lt)
CMPF64(KX_F64_GT, kexec_num_f64_gt)
CMPF64(KX_F64_LE, kexec_num_f64_le)
CMPF64(KX_F64_GE, kexec_num_f64_ge)
UN32(KX_I32_CLZ, kexec_num_i32_clz(a))
UN32(KX_I32_CTZ, kexec_num_i32_ctz(a))
UN32(KX_I32_POPCNT, kexec_num_i32_popcnt(a))
BI32(KX_I32_ADD, a + b)
BI32(KX_I32_SUB, a - b)
BI32(KX_I32_MUL, a * b)
DIV32(KX_I32_DIV_S, kexec_num_i32_div_s)
DIV32(KX_I32_DIV_U, kexec_num_i32_div_u)
DIV32(KX_I32_REM_S, kexec_num_i32_rem_s)
DIV32(KX_I32_REM_U, kexec_num_i32_rem_u)
BI32(KX_I32_AND, a & b)
BI32(KX_I32_OR, a | b)
BI32(KX_I32_XOR, a ^ b)
BI32(KX_I32_SHL, kexec_num_i32_shl(a, b))
BI32(KX_I32_SHR_S, kexec_num_i32_shr_s(a, b))
BI32(KX_I32_SHR_U, kexec_num_i32_shr_u(a, b))
BI32(KX_I32_ROTL, kexec_num_i32_rotl(a, b))
BI32(KX_I32_ROTR, kexec_num_i32_rotr(a, b))
UN64(KX_I64_CLZ, kexec_num_i64_clz(a))
UN64(KX_I64_CTZ, kexec_num_i64_ctz(a))
UN64(KX_I64_POPCNT, kexec_num_i64_popcnt(a))
BI64(KX_I64_ADD, a + b)
BI64(KX_I64_SUB, a - b)
BI64(KX_I64_MUL, a * b)
DIV64(KX_I64_DIV_S, kexec_num_i64_div_s)
DIV64(KX_I64_DIV_U, kexec_num_i64_div_u)
DIV64(KX_I64_REM_S, kexec_num_i64_rem_s)
DIV64(KX_I64_REM_U, kexec_num_i64_rem_u)
BI64(KX_I64_AND, a & b)
BI64(KX_I64_OR, a | b)
BI64(KX_I64_XOR, a ^ b)
BI64(KX_I64_SHL, kexec_num_i64_shl(a, b))
BI64(KX_I64_SHR_S, kexec_num_i64_shr_s(a, b))
BI64(KX_I64_SHR_U, kexec_num_i64_shr_u(a, b))
BI64(KX_I64_ROTL, kexec_num_i64_rotl(a, b))
BI64(KX_I64_ROTR, kexec_num_i64_rotr(a, b))
UN32(KX_F32_ABS, kexec_num_f32_abs(a))
UN32(KX_F32_NEG, kexec_num_f32_neg(a))
UF32(KX_F32_CEIL, kexec_num_f32_ceil)
UF32(KX_F32_FLOOR, kexec_num_f32_floor)
UF32(KX_F32_TRUNC, kexec_num_f32_trunc)
UF32(KX_F32_NEAREST, kexec_num_f32_nearest)
UF32(KX_F32_SQRT, kexec_num_f32_sqrt)
BF32(KX_F32_ADD, kexec_num_f32_add)
BF32(KX_F32_SUB, kexec_num_f32_sub)
BF32(KX_F32_MUL, kexec_num_f32_mul)
BF32(KX_F32_DIV, kexec_num_f32_div)
BF32(KX_F32_MIN, kexec_num_f32_min)
BF32(KX_F32_MAX, kexec_num_f32_max)
BI32(KX_F32_COPYSIGN, kexec_num_f32_copysign(a, b))
UN64(KX_F64_ABS, kexec_num_f64_abs(a))
UN64(KX_F64_NEG, kexec_num_f64_neg(a))
UF64(KX_F64_CEIL, kexec_num_f64_ceil)
UF64(KX_F64_FLOOR, kexec_num_f64_floor)
UF64(KX_F64_TRUNC, kexec_num_f64_trunc)
UF64(KX_F64_NEAREST, kexec_num_f64_nearest)
UF64(KX_F64_SQRT, kexec_num_f64_sqrt)
BF64(KX_F64_ADD, kexec_num_f64_add)
BF64(KX_F64_SUB, kexec_num_f64_sub)
BF64(KX_F64_MUL, kexec_num_f64_mul)
BF64(KX_F64_DIV, kexec_num_f64_div)
BF64(KX_F64_MIN, kexec_num_f64_min)
BF64(KX_F64_MAX, kexec_num_f64_max)
BI64(KX_F64_COPYSIGN, kexec_num_f64_copysign(a, b))
vmcase(KX_I32_WRAP_I64) { SET32(1, R(2)); NEXT(3); }
TRUNC(KX_I32_TRUNC_F32_S, kexec_num_i32_trunc_f32_s, uint32_t, F32(2), SET32)
TRUNC(KX_I32_TRUNC_F32_U, kexec_num_i32_trunc_f32_u, uint32_t, F32(2), SET32)
TRUNC(KX_I32_TRUNC_F64_S, kexec_num_i32_trunc_f64_s, uint32_t, F64(2), SET32)
TRUNC(KX_I32_TRUNC_F64_U, kexec_num_i32_trunc_f64_u, uint32_t, F64(2), SET32)
vmcase(KX_I64_EXTEND_I32_S) { SET64(1, kexec_num_i64_extend_i32_s(U32(2))); NEXT(3); }
vmcase(KX_I64_EXTEND_I32_U) { SET64(1, U32(2)); NEXT(3); }
TRUNC(KX_I64_TRUNC_F32_S, kexec_num_i64_trunc_f32_s, uint64_t, F32(2), SET64)
TRUNC(KX_I64_TRUNC_F32_U, kexec_num_i64_trunc_f32_u, uint64_t, F32(2), SET64)
TRUNC(KX_I64_TRUNC_F64_S, kexec_num_i64_trunc_f64_s, uint64_t, F64(2), SET64)
TRUNC(KX_I64_TRUNC_F64_U, kexec_num_i64_trunc_f64_u, uint64_t, F64(2), SET64)
vmcase(KX_F32_CONVERT_I32_S) { SETF32(1, kexec_num_f32_convert_i32_s(U32(2))); NEXT(3); }
vmcase(KX_F32_CONVERT_I32_U) { SETF32(1, kexec_num_f32_convert_i32_u(U32(2))); NEXT(3); }
vmcase(KX_F32_CONVERT_I64_S) { SETF32(1, kexec_num_f32_convert_i64_s(R(2))); NEXT(3); }
vmcase(KX_F32_CONVERT_I64_U) { SETF32(1, kexec_num_f32_convert_i64_u(R(2))); NEXT(3); }
vmcase(KX_F32_DEMOTE_F64) { SETF32(1, kexec_num_f32_demote_f64(F64(2))); NEXT(3); }
vmcase(KX_F64_CONVERT_I32_S) { SETF64(1, kexec_num_f64_convert_i32_s(U32(2))); NEXT(3); }
vmcase(KX_F64_CONVERT_I32_U) { SETF64(1, kexec_num_f64_convert_i32_u(U32(2))); NEXT(3); }
vmcase(KX_F64_CONVERT_I64_S) { SETF64(1, kexec_num_f64_convert_i64_s(R(2))); NEXT(3); }
vmcase(KX_F64_CONVERT_I64_U) { SETF64(1, kexec_num_f64_convert_i64_u(R(2))); NEXT(3); }
vmcase(KX_F64_PROMOTE_F32) { SETF64(1, kexec_num_f64_promote_f32(F32(2))); NEXT(3); }
UN32(KX_I32_EXTEND8_S, kexec_num_i32_extend8_s(a))
UN32(KX_I32_EXTEND16_S, kexec_num_i32_extend16_s(a))
UN64(KX_I64_EXTEND8_S, kexec_num_i64_extend8_s(a))
UN64(KX_I64_EXTEND16_S, kexec_num_i64_extend16_s(a))
UN64(KX_I64_EXTEND32_S, kexec_num_i64_extend32_s(a))
vmcase(KX_I32_TRUNC_SAT_F32_S) { SET32(1, kexec_num_i32_trunc_sat_f32_s(F32(2))); NEXT(3); }
vmcase(KX_I32_TRUNC_SAT_F32_U) { SET32(1, kexec_num_i32_trunc_sat_f32_u(F32(2))); NEXT(3); }
vmcase(KX_I32_TRUNC_SAT_F64_S) { SET32(1, kexec_num_i32_trunc_sat_f64_s(F64(2))); NEXT(3); }
vmcase(KX_I32_TRUNC_SAT_F64_U) { SET32(1, kexec_num_i32_trunc_sat_f64_u(F64(2))); NEXT(3); }
vmcase(KX_I64_TRUNC_SAT_F32_S) { SET64(1, kexec_num_i64_trunc_sat_f32_s(F32(2))); NEXT(3); }
vmcase(KX_I64_TRUNC_SAT_F32_U) { SET64(1, kexec_num_i64_trunc_sat_f32_u(F32(2))); NEXT(3); }
vmcase(KX_I64_TRUNC_SAT_F64_S) { SET64(1, kexec_num_i64_trunc_sat_f64_s(F64(2))); NEXT(3); }
vmcase(KX_I64_TRUNC_SAT_F64_U) { SET64(1, kexec_num_i64_trunc_sat_f64_u(F64(2))); NEXT(3); }
