package keel_test

import (
	"context"
	"errors"
	"fmt"

	"keel.dev/keel"
)

func Example() {
	engine, err := keel.NewEngine()
	if err != nil {
		panic(err)
	}
	module, err := engine.CompileString(`(module
	  (import "env" "twice" (func $twice (param i32) (result i32)))
	  (func (export "add") (param i32 i32) (result i32)
	    (call $twice (i32.add (local.get 0) (local.get 1))))
	  (func $crash (export "crash") unreachable))`)
	if err != nil {
		panic(err)
	}
	linker, _ := keel.NewLinker(engine)
	_ = linker.DefineFunc("env", "twice", func(x int32) int32 { return 2 * x })
	store, _ := keel.NewStore(engine)
	inst, err := linker.Instantiate(store, module)
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	res, _ := inst.Func("add").Call(ctx, int32(20), int32(1))
	fmt.Println(res[0])

	_, err = inst.Func("crash").Call(ctx)
	var trap *keel.Trap
	if errors.As(err, &trap) {
		fmt.Println(trap.Code == keel.TrapUnreachable, trap.Message, trap.Frames[0].FuncName)
	}
	// Output:
	// 42
	// true unreachable crash
}
