#!/usr/bin/env python3
"""harness.py -- Keel's benchmark suite against native code (bench/run.sh).

usage: bench/run.sh [--smoke] [--runs N] [--scale F] [--only A,B] [--wasi]
                    [--compare-build DIR] [--no-engine] [--no-json] BUILD_DIR

BUILD_DIR is a CMake build of this repository with libkeel.a in
BUILD_DIR/lib (target keel_static). Every program under bench/programs is
compiled three ways from the same C file: natively (clang -O2), to wasm32
without libc (run(N) exported, driven through the C ABI by bench/src/driver.c)
and to wasm32-wasi (through keel_wasi_run). All builds of a program must give
the same checksum; a mismatch is an error (exit status 1).

Full mode: each program runs --runs times (default 3), native then Keel,
the ratio Keel/native taken within each run; the table shows the medians and
the geometric mean of the ratios, then the engine costs. A JSON record goes
to bench/results/DATE-COMMIT.json.

--smoke: every program once with a tiny iteration count, checksums only, the
engine-cost commands once with tiny counts (do they work at all?); no JSON.
--wasi: time the wasm32-wasi builds (libc, printf, clocks through WASI)
instead of the freestanding ones.
--compare-build DIR: also run every wasm measurement with DIR's libkeel.a
(another build of Keel, e.g. an optimized one for issue 9) and show B/A.
"""
import argparse
import concurrent.futures
import datetime
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(BENCH)
PROGRAMS_DIR = os.path.join(BENCH, "programs")

# name, category, default iterations (native about 1 s of CPU on the development
# machine, a shared 2-core x86-64 VM),
# smoke iterations, what it measures. ORDER: README.md's program table.
PROGRAMS = [
    ("list", "integer", 85, 1, "linked lists: pointer chasing, reversal, sorted insertion"),
    ("fsm", "integer", 650, 1, "state machine: a tokenizer switching per byte"),
    ("crc", "integer", 400, 1, "CRC-32 and FNV-1a over a 1 MiB buffer"),
    ("imatrix", "integer", 3000, 1, "i32 matrix multiplication 128x128"),
    ("nbody", "float", 1600, 1, "n-body simulation (f64, sqrt)"),
    ("spectral", "float", 290, 1, "spectral norm (f64 division, multiply-add)"),
    ("dmatmul", "float", 7500, 1, "f64 matrix multiplication 96x96"),
    ("quicksort", "memory", 14, 1, "quicksort of 1M ints"),
    ("memops", "memory", 3300, 1, "memcpy/memmove/memset-heavy buffer work"),
    ("fib", "calls", 1800, 1, "recursive fib(27): direct calls"),
    ("indirect", "calls", 130, 1, "calls through a table of function pointers"),
    ("mixed", "mixed", 600, 1, "word counts: hash table, merge sort, bytecode VM, stats, CRC"),
]

CFLAGS = ["-O2", "-fno-math-errno", "-Wall", "-Wextra"]
WASM_LDFLAGS = ["-Wl,-z,stack-size=1048576"]
ENGINE_FUNCS = 4000          # functions in the generated compile-throughput module
ENGINE_FULL = {"compile_reps": 5, "cache_reps": 21, "instantiate": 2000, "h2w": 2000000, "w2h": 2000000}
ENGINE_SMOKE = {"compile_reps": 1, "cache_reps": 1, "instantiate": 10, "h2w": 1000, "w2h": 1000}

# A small module for the instantiation figure: a memory with data, a table
# with elements, globals and a handful of functions.
SMALL_WAT = """(module
  (memory 1)
  (data (i32.const 16) "instantiation benchmark")
  (global $g (mut i32) (i32.const 7))
  (global i64 (i64.const 42))
  (table 4 funcref)
  (elem (i32.const 0) $a $b $c)
  (func $a (result i32) global.get $g)
  (func $b (param i32) (result i32) local.get 0 i32.const 1 i32.add)
  (func $c (param i32 i32) (result i32) local.get 0 local.get 1 i32.mul)
  (func (export "get") (result i32) call $a)
  (func (export "load") (param i32) (result i32) local.get 0 i32.load))
"""


class Failure(Exception):
    pass


def log(msg):
    print(msg, flush=True)


def run_cmd(argv, timeout, cwd=None):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=cwd)
    except subprocess.TimeoutExpired:
        raise Failure("timed out after %ds: %s" % (timeout, " ".join(argv)))
    except OSError as e:
        raise Failure("cannot run %s: %s" % (argv[0], e))
    if p.returncode != 0:
        raise Failure("%s exited with %d: %s" % (" ".join(os.path.basename(a) if i == 0 else a
                                                          for i, a in enumerate(argv)),
                                                 p.returncode, (p.stderr or p.stdout).strip()[-500:]))
    return p.stdout


def keyvals(text):
    return dict(kv.split("=", 1) for kv in text.split() if "=" in kv)


# ---- toolchain ---------------------------------------------------------------

def probe(argv_tail, source, suffix):
    """Compiles a one-line program with clang; returns None or the error text."""
    clang = shutil.which("clang")
    if not clang:
        return "clang not found on PATH"
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "probe.c")
        with open(src, "w") as f:
            f.write(source)
        p = subprocess.run([clang] + argv_tail + [src, "-o", os.path.join(d, "probe" + suffix)],
                           capture_output=True, text=True)
        return None if p.returncode == 0 else (p.stderr.strip().splitlines() or ["failed"])[-1]


def check_toolchain():
    err = probe(["--target=wasm32", "-O2", "-nostdlib", "-Wl,--no-entry", "-Wl,--export=f"],
                "int f(int x) { return x + 1; }\n", ".wasm")
    wasi_err = None
    if err is None:
        wasi_err = probe(["--target=wasm32-wasi", "-O2"],
                         "#include <stdio.h>\nint main(void) { printf(\"x\"); return 0; }\n", ".wasm")
    return err, wasi_err


def lib_has_wasi(lib):
    if not os.path.exists(os.path.join(REPO, "capi", "include", "keel", "wasi.h")):
        return False
    nm = shutil.which("nm") or shutil.which("llvm-nm")
    if not nm:
        return False
    p = subprocess.run([nm, "-g", "--defined-only", lib], capture_output=True, text=True)
    return re.search(r"\bkeel_wasi_run\b", p.stdout) is not None


def build_type(build):
    try:
        with open(os.path.join(build, "CMakeCache.txt")) as f:
            for line in f:
                if line.startswith("CMAKE_BUILD_TYPE:"):
                    # Empty: the root CMakeLists.txt's default (RelWithDebInfo).
                    return line.split("=", 1)[1].strip() or "default"
    except OSError:
        pass
    return "unknown"


def build_driver(lib, out):
    argv = ["clang"] + CFLAGS + ["-I", os.path.join(REPO, "capi", "include")]
    has_wasi = lib_has_wasi(lib)
    if has_wasi:
        argv.append("-DBENCH_HAVE_WASI")
    argv += [os.path.join(BENCH, "src", "driver.c"), lib, "-lpthread", "-lm", "-o", out]
    run_cmd(argv, 300)
    return has_wasi


def build_programs(names, work, want_wasi):
    jobs = []
    for name in names:
        src = os.path.join(PROGRAMS_DIR, name + ".c")
        main = os.path.join(PROGRAMS_DIR, "main.c")
        free = os.path.join(PROGRAMS_DIR, "freestanding.c")
        base = os.path.join(work, name)
        jobs.append(["clang"] + CFLAGS + [src, main, "-lm", "-o", base + ".native"])
        jobs.append(["clang", "--target=wasm32", "-mbulk-memory", "-nostdlib", "-Wl,--no-entry"] + CFLAGS
                    + WASM_LDFLAGS + [src, free, "-o", base + ".wasm"])
        if want_wasi:
            jobs.append(["clang", "--target=wasm32-wasi"] + CFLAGS + WASM_LDFLAGS + [src, main, "-o", base + ".wasi.wasm"])
    # Two compilers at a time: the machine may be shared.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for f in [pool.submit(run_cmd, j, 300) for j in jobs]:
            f.result()


# ---- measurements ------------------------------------------------------------

def parse_program_output(text, what):
    """'CHECKSUM WALL_NS CPU_NS' (native/WASI main.c) or 'checksum=.. ns=.. cpu_ns=..'
    (driver run) -> (checksum, {"wall": ns, "cpu": ns})."""
    kv = keyvals(text)
    if "checksum" in kv:
        return int(kv["checksum"]), {"wall": int(kv["ns"]), "cpu": int(kv.get("cpu_ns", kv["ns"]))}
    parts = text.split()
    if len(parts) >= 3 and all(p.isdigit() for p in parts[:3]):
        return int(parts[0]), {"wall": int(parts[1]), "cpu": int(parts[2])}
    raise Failure("%s printed no checksum: %r" % (what, text.strip()[:200]))


def run_native(work, name, iters, timeout):
    return parse_program_output(run_cmd([os.path.join(work, name + ".native"), str(iters)], timeout), name + ".native")


def run_keel(driver, work, name, iters, wasi, timeout):
    if wasi:
        out = run_cmd([driver, "wasi", os.path.join(work, name + ".wasi.wasm"), str(iters)], timeout)
        return parse_program_output(out, name + ".wasi.wasm")
    out = run_cmd([driver, "run", os.path.join(work, name + ".wasm"), str(iters)], timeout)
    return parse_program_output(out, name + ".wasm")


def engine_costs(driver, work, counts, funcs, timeout):
    big_wat = os.path.join(work, "gen-%d.wat" % funcs)
    big_wasm = os.path.join(work, "gen-%d.wasm" % funcs)
    if not os.path.exists(big_wasm):
        run_cmd([sys.executable, os.path.join(BENCH, "src", "gen_module.py"), big_wat, str(funcs), "1"], timeout)
        run_cmd([driver, "wat2wasm", big_wat, big_wasm], timeout)
    small_wat = os.path.join(work, "small.wat")
    small_wasm = os.path.join(work, "small.wasm")
    with open(small_wat, "w") as f:
        f.write(SMALL_WAT)
    run_cmd([driver, "wat2wasm", small_wat, small_wasm], timeout)

    c = keyvals(run_cmd([driver, "compile", big_wasm, str(counts["compile_reps"])], timeout))
    code_bytes = int(c["code_bytes"])
    ns = int(c["ns"])
    # Issue 7: a hit of the file cache against compiling, alternated in one process.
    cache = keyvals(run_cmd([driver, "cache", big_wasm, str(counts["cache_reps"])], timeout))
    inst = keyvals(run_cmd([driver, "instantiate", small_wasm, str(counts["instantiate"])], timeout))
    h2w = keyvals(run_cmd([driver, "h2w", str(counts["h2w"])], timeout))
    w2h = keyvals(run_cmd([driver, "w2h", str(counts["w2h"])], timeout))
    return {
        "compile_module_bytes": int(c["wasm_bytes"]),
        "compile_code_bytes": code_bytes,
        "compile_functions": int(c["funcs"]),
        "compile_ms": ns / 1e6,
        "compile_mb_per_s": code_bytes / 1e6 / (ns / 1e9) if ns else 0.0,
        "memory_rss_delta_bytes": int(c["rss_delta"]),
        "memory_heap_delta_bytes": int(c["heap_delta"]),
        "memory_rss_per_code_byte": int(c["rss_delta"]) / code_bytes if code_bytes else 0.0,
        "memory_heap_per_code_byte": int(c["heap_delta"]) / code_bytes if code_bytes else 0.0,
        "cache_hit_ms": int(cache["hit_ns"]) / 1e6,
        "cache_hit_speedup": int(cache["compile_ns"]) / int(cache["hit_ns"]) if int(cache["hit_ns"]) else 0.0,
        "instantiate_us": float(inst["ns"]) / 1e3,
        "host_to_wasm_call_ns": float(h2w["ns"]),
        "wasm_to_host_call_ns": float(w2h["ns"]),
        "wasm_to_wasm_call_ns": float(w2h["base_ns"]),
    }


ENGINE_ROWS = [  # key, label, format, better-when
    ("compile_mb_per_s", "compile throughput (MB of code section per s)", "%.2f", "higher"),
    ("compile_ms", "compile time of the generated module (ms)", "%.1f", "lower"),
    ("cache_hit_ms", "code-cache hit of the same module (ms)", "%.2f", "lower"),
    ("cache_hit_speedup", "  compile time / cache-hit time (x)", "%.1f", "higher"),
    ("instantiate_us", "instantiation of a small module (us, store + instance)", "%.1f", "lower"),
    ("host_to_wasm_call_ns", "host->wasm call, add(i32,i32)->i32 (ns)", "%.1f", "lower"),
    ("wasm_to_host_call_ns", "wasm->host call from a wasm loop (ns, loop included)", "%.1f", "lower"),
    ("wasm_to_wasm_call_ns", "  the same loop calling a wasm function instead (ns)", "%.1f", "lower"),
    ("memory_rss_per_code_byte", "RSS growth per byte of wasm code (module alive)", "%.2f", "lower"),
    ("memory_heap_per_code_byte", "malloc heap growth per byte of wasm code", "%.2f", "lower"),
]


# ---- reporting ---------------------------------------------------------------

def geomean(values):
    values = [v for v in values if v and v > 0]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def machine_info():
    info = {"nproc": os.cpu_count(), "cpu": "unknown", "memory_bytes": None, "kernel": os.uname().release,
            "arch": os.uname().machine}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    info["memory_bytes"] = int(line.split()[1]) * 1024
                    break
    except OSError:
        pass
    return info


def git_commit(path):
    try:
        sha = subprocess.run(["git", "-C", path, "rev-parse", "--short=12", "HEAD"], capture_output=True,
                             text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", path, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        return (sha or "unknown") + ("-dirty" if dirty else "")
    except OSError:
        return "unknown"


def clang_version():
    try:
        return subprocess.run(["clang", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        return "unknown"


def print_table(rows, compare, mode):
    head = "%-10s %-8s %6s %10s %10s %8s" % ("program", "kind", "iters", "native ms", "keel ms", "ratio")
    if compare:
        head += " %10s %8s" % ("keel-B ms", "B/A")
    log("")
    log("Keel (%s) against native clang -O2; times are medians, ratio = Keel/native within a run" % mode)
    log(head)
    log("-" * len(head))
    for r in rows:
        line = "%-10s %-8s %6d %10.1f %10.1f %7.2fx" % (r["program"], r["category"], r["iterations"],
                                                       r["native_ms"], r["keel_ms"], r["ratio"])
        if compare:
            line += " %10.1f %7.3fx" % (r.get("keel_b_ms", float("nan")), r.get("b_over_a", float("nan")))
        log(line)
    log("-" * len(head))
    line = "%-10s %-8s %6s %10s %10s %7.2fx" % ("geomean", "", "", "", "", geomean([r["ratio"] for r in rows]))
    if compare:
        line += " %10s %7.3fx" % ("", geomean([r.get("b_over_a") for r in rows]))
    log(line)


def print_engine(costs, compare_costs):
    log("")
    log("Engine costs (medians)")
    for key, label, fmt, better in ENGINE_ROWS:
        line = "  %-56s %12s" % (label, fmt % costs[key])
        if compare_costs:
            line += "   B: %12s" % (fmt % compare_costs[key])
        log(line)
    log("  (generated module: %d functions, %d bytes of module, %d bytes of code section; memory is measured"
        % (costs["compile_functions"], costs["compile_module_bytes"], costs["compile_code_bytes"]))
    log("   as RSS and malloc-heap growth around keel_module_new: the ABI has no code-size query)")


def median_costs(samples):
    return {k: (statistics.median([s[k] for s in samples]) if isinstance(samples[0][k], float)
                else int(statistics.median([s[k] for s in samples]))) for k in samples[0]}


# ---- main --------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(prog="bench/run.sh", description="Keel's benchmark suite against native code")
    ap.add_argument("build_dir")
    ap.add_argument("--smoke", action="store_true", help="tiny iteration counts, checksums only (CI)")
    ap.add_argument("--runs", type=int, default=3, help="runs per figure; the median is reported (default 3)")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every default iteration count")
    ap.add_argument("--only", default="", help="comma-separated program names")
    ap.add_argument("--wasi", action="store_true", help="time the wasm32-wasi builds instead of the freestanding ones")
    ap.add_argument("--compare-build", metavar="DIR", help="a second Keel build to run the wasm side with")
    ap.add_argument("--clock", choices=["cpu", "wall"], default="cpu",
                    help="time the programs by process CPU time (default: robust on a shared machine) or wall time")
    ap.add_argument("--no-engine", action="store_true", help="skip the engine-cost figures")
    ap.add_argument("--no-json", action="store_true", help="do not write bench/results/*.json")
    args = ap.parse_args()
    smoke = args.smoke
    runs = 1 if smoke else max(1, args.runs)

    build = os.path.abspath(args.build_dir)
    lib = os.path.join(build, "lib", "libkeel.a")
    if not os.path.exists(lib):
        log("bench: %s not found: build it first (ninja -C %s keel_static)" % (lib, args.build_dir))
        return 1
    lib_b = None
    if args.compare_build:
        lib_b = os.path.join(os.path.abspath(args.compare_build), "lib", "libkeel.a")
        if not os.path.exists(lib_b):
            log("bench: --compare-build: %s not found" % lib_b)
            return 1

    wasm_err, wasi_err = check_toolchain()
    if wasm_err:
        log("bench: clang cannot build for wasm32 (%s): the wasm32 target or wasm-ld is missing." % wasm_err)
        log("bench: no benchmarks run." + ("" if smoke else " Install clang and lld (wasm-ld) to run the suite."))
        return 0 if smoke else 1

    names = [p[0] for p in PROGRAMS]
    if args.only:
        wanted = args.only.split(",")
        unknown = [n for n in wanted if n not in names]
        if unknown:
            log("bench: unknown program(s): %s (have: %s)" % (", ".join(unknown), ", ".join(names)))
            return 1
        names = wanted
    programs = [p for p in PROGRAMS if p[0] in names]

    work = os.path.join(build, "bench")
    os.makedirs(work, exist_ok=True)
    driver = os.path.join(work, "driver")
    has_wasi = build_driver(lib, driver)
    driver_b = None
    if lib_b:
        driver_b = os.path.join(work, "driver-b")
        build_driver(lib_b, driver_b)
    keel_version = keel_version_b = None
    try:
        keel_version = keyvals(run_cmd([driver, "version"], 30))
        if driver_b:
            keel_version_b = keyvals(run_cmd([driver_b, "version"], 30))
    except Failure:
        pass
    btype = build_type(build)
    commit = git_commit(REPO)  # at the start: HEAD may move while a long run goes on
    if not smoke and btype.lower() not in ("release", "relwithdebinfo", "default", "unknown"):
        log("bench: warning: %s is a %s build; timings of a non-Release build say little" % (args.build_dir, btype))
    want_wasi = has_wasi and wasi_err is None
    notes = []
    if wasi_err:
        notes.append("wasm32-wasi builds skipped: no wasi-libc sysroot (%s)" % wasi_err)
    elif not has_wasi:
        notes.append("wasm32-wasi builds skipped: this libkeel has no keel_wasi_run")
    if args.wasi and not want_wasi:
        log("bench: --wasi: " + notes[-1])
        return 1
    for n in notes:
        log("bench: " + n)

    log("bench: compiling %d programs (native, wasm32%s) in %s" % (len(programs), ", wasm32-wasi" if want_wasi else "", work))
    build_programs(names, work, want_wasi)

    timeout = 120 if smoke else 900
    failures = []
    samples = {p[0]: [] for p in programs}
    iters_of = {p[0]: (p[3] if smoke else max(1, int(round(p[2] * args.scale)))) for p in programs}

    # Cross-check the WASI builds once at the smoke count (cheap) unless they are the timed ones.
    if want_wasi and not args.wasi:
        for name, _cat, _it, smoke_it, _what in programs:
            try:
                n_sum, _ = run_native(work, name, smoke_it, timeout)
                w_sum, _ = run_keel(driver, work, name, smoke_it, True, timeout)
                if n_sum != w_sum:
                    failures.append("%s: wasm32-wasi checksum %d != native %d" % (name, w_sum, n_sum))
            except Failure as e:
                failures.append("%s (wasm32-wasi): %s" % (name, e))

    mode = ("wasm32-wasi through keel_wasi_run" if args.wasi else "wasm32 freestanding through keel_func_call")
    mode += ", %s time" % ("process CPU" if args.clock == "cpu" else "wall")
    for r in range(runs):
        if not smoke:
            log("bench: run %d/%d" % (r + 1, runs))
        for name, _cat, _it, _smoke_it, _what in programs:
            iters = iters_of[name]
            try:
                n_sum, n_t = run_native(work, name, iters, timeout)
                k_sum, k_t = run_keel(driver, work, name, iters, args.wasi, timeout)
                n_ns, k_ns = n_t[args.clock], k_t[args.clock]
                sample = {"native_ns": n_ns, "keel_ns": k_ns, "ratio": k_ns / n_ns if n_ns else float("nan"),
                          "native_wall_ns": n_t["wall"], "native_cpu_ns": n_t["cpu"],
                          "keel_wall_ns": k_t["wall"], "keel_cpu_ns": k_t["cpu"]}
                if k_sum != n_sum:
                    failures.append("%s: Keel checksum %d != native %d (iterations %d)" % (name, k_sum, n_sum, iters))
                if driver_b:
                    b_sum, b_t = run_keel(driver_b, work, name, iters, args.wasi, timeout)
                    b_ns = b_t[args.clock]
                    if b_sum != n_sum:
                        failures.append("%s: build B checksum %d != native %d" % (name, b_sum, n_sum))
                    sample["keel_b_ns"] = b_ns
                    sample["b_over_a"] = b_ns / k_ns if k_ns else float("nan")
                samples[name].append(sample)
                if smoke:
                    log("  %-10s %s  (native %d, keel %d)" % (name, "ok" if k_sum == n_sum else "MISMATCH", n_sum, k_sum))
                else:
                    log("  %-10s native %8.1f ms  keel %9.1f ms  %6.2fx" % (name, n_ns / 1e6, k_ns / 1e6, sample["ratio"]))
            except Failure as e:
                failures.append("%s: %s" % (name, e))
                log("  %-10s FAILED: %s" % (name, e))

    rows = []
    for name, cat, _it, _smoke_it, what in programs:
        s = samples[name]
        if not s:
            continue
        row = {"program": name, "category": cat, "what": what, "iterations": iters_of[name],
               "native_ms": statistics.median(x["native_ns"] for x in s) / 1e6,
               "keel_ms": statistics.median(x["keel_ns"] for x in s) / 1e6,
               "ratio": statistics.median(x["ratio"] for x in s),
               "samples": s}
        if driver_b:
            row["keel_b_ms"] = statistics.median(x["keel_b_ns"] for x in s) / 1e6
            row["b_over_a"] = statistics.median(x["b_over_a"] for x in s)
        rows.append(row)

    costs = costs_b = None
    if not args.no_engine:
        counts = ENGINE_SMOKE if smoke else ENGINE_FULL
        funcs = 200 if smoke else ENGINE_FUNCS
        try:
            log("bench: engine costs")
            costs = median_costs([engine_costs(driver, work, counts, funcs, timeout) for _ in range(runs)])
            if driver_b:
                costs_b = median_costs([engine_costs(driver_b, work, counts, funcs, timeout) for _ in range(runs)])
        except (Failure, KeyError, ValueError) as e:
            failures.append("engine costs: %s" % e)

    if rows and not smoke:
        print_table(rows, bool(driver_b), mode)
    if costs and not smoke:
        print_engine(costs, costs_b)

    if not smoke and not args.no_json and rows:
        now = datetime.datetime.now(datetime.timezone.utc)
        record = {
            "suite": "keel-bench", "format": 1,
            "date": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "commit": commit,
            "build_dir": build, "build_type": btype, "keel": keel_version,
            "build_b_type": build_type(os.path.abspath(args.compare_build)) if args.compare_build else None,
            "keel_b": keel_version_b, "compare_build": os.path.abspath(args.compare_build) if args.compare_build else None,
            "mode": mode, "clock": args.clock, "runs": runs, "scale": args.scale,
            "machine": machine_info(), "compiler": clang_version(), "cflags": CFLAGS,
            "programs": rows, "geomean_ratio": geomean([r["ratio"] for r in rows]),
            "geomean_b_over_a": geomean([r.get("b_over_a") for r in rows]) if driver_b else None,
            "engine": costs, "engine_b": costs_b, "failures": failures, "notes": notes,
        }
        out_dir = os.path.join(BENCH, "results")
        os.makedirs(out_dir, exist_ok=True)
        path = os.path.join(out_dir, "%s-%s.json" % (now.strftime("%Y%m%d-%H%M%S"), commit))
        with open(path + ".tmp", "w") as f:
            json.dump(record, f, indent=1, sort_keys=False)
            f.write("\n")
        os.replace(path + ".tmp", path)
        log("")
        log("bench: results written to %s" % os.path.relpath(path, REPO))

    if failures:
        log("")
        log("bench: %d failure(s):" % len(failures))
        for f in failures:
            log("  " + f)
        return 1
    if smoke:
        log("bench: smoke ok: %d programs, native and Keel checksums agree%s"
            % (len(rows), " (wasm32 and wasm32-wasi)" if want_wasi else ""))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failure as e:
        print("bench: %s" % e, file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
