(module
  (func (export "all") (param i32 i64 f32 f64) (result i32 i64 f32 f64)
    (local.get 0) (local.get 1) (local.get 2) (local.get 3))
  (func (export "swap") (param i32 i32) (result i32 i32) (local.get 1) (local.get 0))
  (func (export "none"))
  (func (export "pair") (result i64 i64) (i64.const -1) (i64.const 2)))
