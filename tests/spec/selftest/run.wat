(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "all") (param i64 f32 f64) (result i64 f32 f64 i32)
    (local.get 0) (local.get 1) (local.get 2) (i32.const -1))
  (func (export "nan") (result f32 f64) (f32.const -nan:0x200000) (f64.const nan))
  (func (export "ext") (param externref) (result externref) (local.get 0))
  (func (export "null") (result funcref) (ref.null func))
  (func (export "trap") (unreachable)))
