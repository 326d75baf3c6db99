(module
  (global $a (export "a") (mut i32) (i32.const 1))
  (global $b (export "b") (mut i64) (i64.const -1))
  (global $c (export "c") (mut f32) (f32.const -0))
  (global $d (export "d") (mut f64) (f64.const nan:0x4))
  (global $k (export "k") i32 (i32.const 99))
  (func (export "get_a") (result i32) (global.get $a))
  (func (export "set_a") (param i32) (global.set $a (local.get 0)))
  (func (export "get_d") (result f64) (global.get $d)))
