(module
  (import "host" "add" (func $add (param i32 i32) (result i32)))
  (import "host" "addf" (func $addf (param f64 f64) (result f64)))
  (func (export "call_add") (param i32 i32) (result i32) (call $add (local.get 0) (local.get 1)))
  (func (export "twice") (param i32) (result i32)
    (call $add (call $add (local.get 0) (local.get 0)) (local.get 0)))
  (func (export "call_addf") (param f64 f64) (result f64) (call $addf (local.get 0) (local.get 1))))
