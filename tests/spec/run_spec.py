#!/usr/bin/env python3
"""Run the WebAssembly spec testsuite with `keel wast` and gate on a list.

Gating: every top-level *.wast of the testsuite runs in its own `keel wast`
process (so a crash costs one file, not the run). A file passes when every
command in it passed. The result is compared with expected-failures.txt:

  * an unlisted file that fails          -> this test fails, naming the file;
  * a listed file that passes            -> this test fails: remove it from
                                            expected-failures.txt (the list
                                            can only shrink);
  * a listed file that fails             -> fine.

The proposals/, legacy/ and custom/ subfolders run afterwards and are
reported in a separate, informational summary that never fails the test.

The testsuite is found at $KEEL_TESTSUITE, else at ../shared/testsuite
relative to the repository root. When it is absent the script prints why
and exits 77, which ctest reports as "skipped" (SKIP_RETURN_CODE).

Only the Python standard library is used.
"""
import argparse
import concurrent.futures
import os
import re
import subprocess
import sys

SKIP = 77
LINE_RE = re.compile(r"^(PASS|FAIL) (\S+) (\d+)/(\d+)\s*$")


def find_testsuite(repo):
    env = os.environ.get("KEEL_TESTSUITE")
    if env:
        return env
    return os.path.normpath(os.path.join(repo, "..", "shared", "testsuite"))


def read_expected(path):
    """Lines `name.wast  reason`; '#' starts a comment; blank lines ignored."""
    listed = {}
    if not os.path.exists(path):
        return listed
    with open(path, encoding="utf-8") as f:
        for num, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split(None, 1)
            listed[parts[0]] = (parts[1] if len(parts) > 1 else "", num)
    return listed


def wast_files(folder, recursive):
    found = []
    if recursive:
        for root, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                if name.endswith(".wast"):
                    found.append(os.path.join(root, name))
    else:
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            if name.endswith(".wast") and os.path.isfile(path):
                found.append(path)
    return found


def run_one(keel, path, timeout):
    """Returns (passed_bool, passed_cmds, total_cmds, detail_text)."""
    try:
        proc = subprocess.run([keel, "wast", "--timeout", str(timeout), path],
                              capture_output=True, text=True, errors="replace",
                              timeout=timeout + 30)
    except subprocess.TimeoutExpired:
        return False, 0, 0, "timed out after %ds" % timeout
    out = proc.stdout
    match = None
    for line in out.splitlines():
        m = LINE_RE.match(line)
        if m:
            match = m
            break
    if proc.returncode < 0:
        return False, 0, 0, "keel crashed (signal %d)\n%s" % (-proc.returncode, out[-2000:])
    if not match:
        return False, 0, 0, "no result line (exit %d)\n%s%s" % (
            proc.returncode, out[-2000:], proc.stderr[-2000:])
    ok = match.group(1) == "PASS" and proc.returncode == 0
    return ok, int(match.group(3)), int(match.group(4)), out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.normpath(os.path.join(here, "..", ".."))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--keel", required=True, help="path of the keel binary")
    ap.add_argument("--expected", default=os.path.join(here, "expected-failures.txt"))
    ap.add_argument("--timeout", type=int, default=120, help="seconds per file")
    ap.add_argument("-j", "--jobs", type=int, default=int(os.environ.get("KEEL_SPEC_JOBS", "1")),
                    help="files run at once (default $KEEL_SPEC_JOBS or 1)")
    ap.add_argument("--extra-timeout", type=int, default=30,
                    help="seconds per file in the informational folders")
    ap.add_argument("--table", help="write the per-file table to this file")
    ap.add_argument("--suggest", metavar="PATH",
                    help="write an expected-failures list for the failing files "
                         "(reason: their first failure) to PATH, for review")
    ap.add_argument("--no-extra", action="store_true",
                    help="skip proposals/, legacy/, custom/")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="show failure details of every failing file")
    args = ap.parse_args()

    suite = find_testsuite(repo)
    if not os.path.isdir(suite):
        print("spec testsuite not found at %s; skipping spec tests" % suite)
        return SKIP
    listed = read_expected(args.expected)
    table = []
    problems = []
    suggestions = []
    total_pass = total_fail = 0
    seen = set()

    core = wast_files(suite, recursive=False)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda p: run_one(args.keel, p, args.timeout), core))
    for path, (ok, npass, ntotal, detail) in zip(core, results):
        name = os.path.basename(path)
        seen.add(name)
        total_pass += npass
        total_fail += ntotal - npass
        if not ok:
            first = next((l.strip() for l in detail.splitlines() if l.startswith("    ")),
                         detail.strip().splitlines()[0] if detail.strip() else "fails")
            suggestions.append("%-40s %s [%d/%d pass]" % (name, first[:160], npass, ntotal))
        state = "PASS" if ok else "FAIL"
        table.append("%s %s %d/%d" % (state, name, npass, ntotal))
        if ok and name in listed:
            problems.append("%s passes but is listed in expected-failures.txt (line %d): "
                            "remove it from expected-failures.txt (the list can only shrink)"
                            % (name, listed[name][1]))
        elif not ok and name not in listed:
            problems.append("%s fails (%d/%d) and is not in expected-failures.txt"
                            % (name, npass, ntotal))
            if args.verbose or len(problems) <= 20:
                problems.append("    " + "\n    ".join(detail.splitlines()[:12]))
    for name in sorted(listed):
        if name not in seen:
            problems.append("%s is listed in expected-failures.txt but is not in the "
                            "testsuite: remove it" % name)

    nfiles = len(seen)
    nfail_files = sum(1 for t in table if t.startswith("FAIL"))
    print("spec core: %d files, %d passing, %d failing (%d listed as expected); "
          "commands: %d passed, %d failed"
          % (nfiles, nfiles - nfail_files, nfail_files, len(listed), total_pass, total_fail))

    if not args.no_extra:
        extra_lines = []
        for sub in ("proposals", "legacy", "custom"):
            folder = os.path.join(suite, sub)
            if not os.path.isdir(folder):
                continue
            sp = sf = files_ok = files = 0
            for path in wast_files(folder, recursive=True):
                ok, npass, ntotal, _ = run_one(args.keel, path, args.extra_timeout)
                rel = os.path.relpath(path, suite)
                table.append("%s %s %d/%d" % ("PASS" if ok else "FAIL", rel, npass, ntotal))
                files += 1
                files_ok += ok
                sp += npass
                sf += ntotal - npass
            extra_lines.append("  %-10s %d/%d files pass; commands: %d passed, %d failed"
                               % (sub + "/", files_ok, files, sp, sf))
        if extra_lines:
            print("informational (not gating):")
            print("\n".join(extra_lines))

    if args.suggest:
        with open(args.suggest, "w", encoding="utf-8") as f:
            f.write("\n".join(suggestions) + "\n")
    if args.table:
        with open(args.table, "w", encoding="utf-8") as f:
            f.write("\n".join(table) + "\n")
    if problems:
        print("\nspec.testsuite FAILED:")
        print("\n".join(problems))
        return 1
    print("spec.testsuite OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
