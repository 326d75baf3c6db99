(module
  (import "host" "echo" (func $echo (param i64 f32 externref) (result i64 f32 externref)))
  (func (export "roundtrip") (param i64 f32 externref) (result i64 f32 externref)
    (call $echo (local.get 0) (local.get 1) (local.get 2))))
