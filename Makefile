# Keel: a thin layer over CMake. `make help` lists the targets.
BUILD     ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
# The threaded C tests that also run under ThreadSanitizer (ctest -R).
TSAN_TESTS ?= lifetime|sample|interrupt|thread|calls|cache
PREFIX    ?= /usr/local
TESTSUITE ?= $(if $(KEEL_TESTSUITE),$(KEEL_TESTSUITE),$(abspath ../shared/testsuite))
CMAKE_FLAGS ?=
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: help deps deps-core build test test-c test-go test-python test-lua test-asan test-tsan abi-check demo spec bench bench-smoke install clean

help:
	@echo "make demo      install what is missing, build, run the shipped examples"
	@echo "make test      install what is missing, build, run every test suite"
	@echo "make build     build the CLI ($(BUILD)/bin/keel) and libraries ($(BUILD)/lib)"
	@echo "make test-c    C tests (cmocka) and the spec suite through ctest"
	@echo "make test-python the Python binding: a wheel in .venv, then pytest (bindings/python)"
	@echo "make test-go   the Go binding: go vet and go test -race (bindings/go)"
	@echo "make test-lua  the Lua binding and keel-lua, also under ASan (bindings/lua)"
	@echo "make test-asan the C tests under AddressSanitizer + UBSan ($(ASAN_BUILD))"
	@echo "make test-tsan the threaded C tests under ThreadSanitizer ($(TSAN_BUILD))"
	@echo "make abi-check headers compile alone; exported symbols and ABI match abi-check/"
	@echo "make spec      keel wast over the spec test suite ($(TESTSUITE))"
	@echo "make bench     the benchmark suite against native code (bench/README.md)"
	@echo "make install PREFIX=...  headers, libkeel.so/.a, keel.pc, CMake package"

deps-core:
	@scripts/install-deps.sh core

deps:
	@scripts/install-deps.sh test

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

build: deps-core $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

test: deps
	$(MAKE) test-c
	$(MAKE) test-python
	$(MAKE) test-go
	$(MAKE) test-lua

test-python: deps
	bindings/python/run-tests.sh

test-go: deps $(BUILD)/build.ninja
	bindings/go/run-tests.sh $(BUILD)

test-lua: deps $(BUILD)/build.ninja
	bindings/lua/run-tests.sh $(BUILD)

test-c: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && KEEL_TESTSUITE=$(TESTSUITE) ctest --output-on-failure -j $(JOBS)

test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DKEEL_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && KEEL_TESTSUITE=$(TESTSUITE) ASAN_OPTIONS=detect_leaks=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)

test-tsan: deps
	cmake -S . -B $(TSAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DKEEL_TSAN=ON $(CMAKE_FLAGS)
	cmake --build $(TSAN_BUILD) -j $(JOBS)
	cd $(TSAN_BUILD) && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  ctest --output-on-failure -j $(JOBS) -R '$(TSAN_TESTS)'

abi-check: build
	abi-check/check.sh $(BUILD)

demo: build
	@examples/demo.sh $(BUILD)

spec: build
	$(BUILD)/bin/keel wast $(TESTSUITE)

bench: build
	bench/run.sh $(BUILD)

bench-smoke: build
	bench/run.sh --smoke $(BUILD)

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
