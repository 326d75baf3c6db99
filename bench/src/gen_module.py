#!/usr/bin/env python3
"""gen_module.py -- writes a large WebAssembly text module for the compile
throughput figure: FUNCS functions of mixed i32/i64/f64 arithmetic, memory
loads and stores, if/else, loops with br_if, br_table over nested blocks,
select and direct calls to earlier functions. Deterministic for a seed, so
two runs (or two builds of keel) compile the same bytes.

usage: gen_module.py OUT.wat [FUNCS] [SEED]

The module is converted to binary by Keel itself (driver wat2wasm) and then
compiled with keel_module_new; it is never run, but it validates, so the
compiler sees realistic, well-typed code.
"""
import random
import sys

SIG = "(param $p0 i32) (param $p1 i64) (param $p2 f64) (result i32)"
LOCALS = "(local $a i32) (local $b i32) (local $c i32) (local $x i64) (local $y i64) (local $f f64) (local $g f64)"
I32_LOCALS = ["$p0", "$a", "$b", "$c"]
I64_LOCALS = ["$p1", "$x", "$y"]
F64_LOCALS = ["$p2", "$f", "$g"]


class Gen:
    def __init__(self, rng, index):
        self.r = rng
        self.index = index  # functions 0..index-1 may be called

    def i32(self, d):
        r = self.r
        if d <= 0:
            return r.choice([f"(local.get {r.choice(I32_LOCALS)})", f"(i32.const {r.randint(-1000, 100000)})"])
        k = r.randrange(14)
        if k < 4:
            op = r.choice(["add", "sub", "mul", "and", "or", "xor", "shl", "shr_u", "shr_s", "rotl"])
            return f"(i32.{op} {self.i32(d - 1)} {self.i32(d - 1)})"
        if k == 4:
            op = r.choice(["lt_s", "lt_u", "gt_s", "le_u", "eq", "ne", "ge_s"])
            return f"(i32.{op} {self.i32(d - 1)} {self.i32(d - 1)})"
        if k == 5:
            return f"(i32.eqz {self.i32(d - 1)})"
        if k == 6:
            return f"(i32.wrap_i64 {self.i64(d - 1)})"
        if k == 7:
            op = r.choice(["load", "load8_u", "load16_s"])
            return f"(i32.{op} offset={r.randrange(0, 64) * 4} (i32.and {self.i32(d - 1)} (i32.const 0xfff0)))"
        if k == 8:
            return f"(select {self.i32(d - 1)} {self.i32(d - 1)} {self.i32(d - 1)})"
        if k == 9 and self.index > 0:
            callee = r.randrange(max(0, self.index - 50), self.index)
            return f"(call $f{callee} {self.i32(d - 1)} {self.i64(d - 1)} {self.f64(d - 1)})"
        if k == 10:
            return f"(if (result i32) {self.i32(d - 1)} (then {self.i32(d - 1)}) (else {self.i32(d - 1)}))"
        if k == 11:
            return f"(i32.trunc_sat_f64_s {self.f64(d - 1)})"
        if k == 12:
            op = r.choice(["lt", "gt", "eq", "le"])
            return f"(f64.{op} {self.f64(d - 1)} {self.f64(d - 1)})"
        return f"(local.tee {r.choice(I32_LOCALS[1:])} {self.i32(d - 1)})"

    def i64(self, d):
        r = self.r
        if d <= 0:
            return r.choice([f"(local.get {r.choice(I64_LOCALS)})", f"(i64.const {r.randint(-(1 << 40), 1 << 40)})"])
        k = r.randrange(6)
        if k < 3:
            op = r.choice(["add", "sub", "mul", "xor", "or", "rotl", "shr_u"])
            return f"(i64.{op} {self.i64(d - 1)} {self.i64(d - 1)})"
        if k == 3:
            return f"(i64.extend_i32_{r.choice('su')} {self.i32(d - 1)})"
        if k == 4:
            return f"(i64.load offset={r.randrange(0, 32) * 8} (i32.and {self.i32(d - 1)} (i32.const 0xff00)))"
        return f"(i64.trunc_sat_f64_u {self.f64(d - 1)})"

    def f64(self, d):
        r = self.r
        if d <= 0:
            return r.choice([f"(local.get {r.choice(F64_LOCALS)})", f"(f64.const {r.uniform(-1e3, 1e3):.6f})"])
        k = r.randrange(6)
        if k < 3:
            op = r.choice(["add", "sub", "mul", "div", "min", "max", "copysign"])
            return f"(f64.{op} {self.f64(d - 1)} {self.f64(d - 1)})"
        if k == 3:
            return f"(f64.{r.choice(['sqrt', 'abs', 'neg', 'floor', 'nearest'])} {self.f64(d - 1)})"
        if k == 4:
            return f"(f64.convert_i32_s {self.i32(d - 1)})"
        return f"(f64.convert_i64_u {self.i64(d - 1)})"

    def stmt(self, d):
        r = self.r
        k = r.randrange(7)
        if k == 0:
            return f"(local.set {r.choice(I32_LOCALS[1:])} {self.i32(d)})"
        if k == 1:
            return f"(local.set {r.choice(I64_LOCALS[1:])} {self.i64(d)})"
        if k == 2:
            return f"(local.set {r.choice(F64_LOCALS[1:])} {self.f64(d)})"
        if k == 3:
            return (f"(i32.store offset={r.randrange(0, 64) * 4} (i32.and {self.i32(d - 1)} (i32.const 0xfff0)) "
                    f"{self.i32(d - 1)})")
        if k == 4:
            body = " ".join(self.stmt(d - 1) for _ in range(r.randint(1, 3))) if d > 1 else ""
            return (f"(block $out (loop $top {body} (local.set $c (i32.add (local.get $c) (i32.const 1))) "
                    f"(br_if $out (i32.ge_u (local.get $c) (i32.const {r.randint(2, 64)}))) (br $top)))")
        if k == 5:
            then = self.stmt(d - 1) if d > 1 else "(nop)"
            other = self.stmt(d - 1) if d > 1 else "(nop)"
            return f"(if {self.i32(d - 1)} (then {then}) (else {other}))"
        inner = f"(br_table $c0 $c1 $c2 $c2 $c1 {self.i32(d - 1)})"
        return (f"(block $c2 (block $c1 (block $c0 {inner}) (local.set $a {self.i32(d - 1)})) "
                f"(local.set $b {self.i32(d - 1)}))")

    def func(self):
        r = self.r
        body = " ".join(self.stmt(3) for _ in range(r.randint(4, 9)))
        return (f"  (func $f{self.index} (export \"f{self.index}\") {SIG} {LOCALS}\n"
                f"    {body}\n    {self.i32(3)})\n")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    funcs = int(sys.argv[2]) if len(sys.argv) > 2 else 4000
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    rng = random.Random(seed)
    with open(out, "w") as f:
        f.write(";; generated by bench/src/gen_module.py: %d functions, seed %d\n(module\n  (memory 1)\n" % (funcs, seed))
        for i in range(funcs):
            f.write(Gen(rng, i).func())
        f.write(")\n")


if __name__ == "__main__":
    main()
