(module
  (import "host" "fail" (func $fail (param i32) (result i32)))
  (global $after (mut i32) (i32.const 0))
  (func (export "call_fail") (param i32) (result i32)
    (call $fail (local.get 0))
    (global.set $after (i32.const 1)))
  (func (export "after") (result i32) (global.get $after)))
