;; Used with KEEL_WAST_SELFTEST_CRASH=1: the child crashes at the second
;; command; the runner must report it and go on.
(module (func (export "f")))
(assert_return (invoke "f"))
(assert_return (invoke "f"))
