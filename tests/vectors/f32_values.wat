(module
  (func (export "id") (param f32) (result f32) (local.get 0))
  (func (export "neg") (param f32) (result f32) (f32.neg (local.get 0)))
  (func (export "add") (param f32 f32) (result f32) (f32.add (local.get 0) (local.get 1)))
  (func (export "div") (param f32 f32) (result f32) (f32.div (local.get 0) (local.get 1)))
  (func (export "bits") (param f32) (result i32) (i32.reinterpret_f32 (local.get 0)))
  (func (export "from_bits") (param i32) (result f32) (f32.reinterpret_i32 (local.get 0))))
