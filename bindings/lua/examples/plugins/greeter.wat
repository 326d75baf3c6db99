;; greeter: writes messages into its memory and asks the host to print them;
;; uses the "math" plugin through an import the host wires up.
(module
  (import "host" "log" (func $log (param i32 i32)))
  (import "host" "counter" (func $counter (result i32)))
  (import "math" "fib" (func $fib (param i32) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 0) "hello from greeter")
  (data (i32.const 32) "fib is ready")
  (func (export "run") (param $n i32) (result i64)
    (call $log (i32.const 0) (i32.const 18))
    (drop (call $counter))
    (call $log (i32.const 32) (i32.const 12))
    (call $fib (local.get $n)))
  (func (export "fail") (unreachable)))
