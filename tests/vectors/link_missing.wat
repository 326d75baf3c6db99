(module
  (import "host" "missing" (func (param i32)))
  (func (export "f")))
