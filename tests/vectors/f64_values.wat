(module
  (func (export "id") (param f64) (result f64) (local.get 0))
  (func (export "neg") (param f64) (result f64) (f64.neg (local.get 0)))
  (func (export "mul") (param f64 f64) (result f64) (f64.mul (local.get 0) (local.get 1)))
  (func (export "sqrt") (param f64) (result f64) (f64.sqrt (local.get 0)))
  (func (export "promote") (param f32) (result f64) (f64.promote_f32 (local.get 0)))
  (func (export "trunc_s") (param f64) (result i32) (i32.trunc_f64_s (local.get 0))))
