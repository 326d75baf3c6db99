/*
** keel.c -- the 'keel' command-line tool: option parsing and dispatch.
**
** The tool is an ordinary client of the public C ABI (keel.h); nothing here
** reaches into the engine, so it doubles as a test that the ABI is enough
** to run modules and the spec test suite.
*/
#include "kcli.h"

#include <stdlib.h>
#include <string.h>

#include "keel.h"

static const char usage[] =
    "usage: keel [OPTIONS] COMMAND [ARGS...]\n"
    "\n"
    "Commands:\n"
    "  run [--timeout S] [--profile FILE [--hz N]] [--cache-dir DIR] FILE.wasm|FILE.wat|FILE.keelc\n"
    "      [--invoke NAME [ARGS...]]\n"
    "      Instantiate the module and call export NAME with ARGS, or, without\n"
    "      --invoke, run its start function and then '_start' if exported.\n"
    "      --timeout S: after S seconds print the guest's wasm stack, interrupt\n"
    "      it and exit with status 124. --profile FILE: sample the call N times\n"
    "      a second (default 1000) and write folded stacks ('f0;f1;f2 COUNT',\n"
    "      for flamegraph.pl or speedscope) to FILE. --cache-dir DIR (or the\n"
    "      environment variable KEEL_CACHE_DIR): keep compiled code in a file\n"
    "      cache in DIR. A FILE.keelc from 'keel compile' runs without compiling.\n"
    "      ARGS are parsed per the export's parameter types: integers in\n"
    "      decimal or hex (0x..., signed or unsigned range, '_' separators),\n"
    "      floats in decimal or hex (0x1.8p3), inf, -inf, nan, nan:0xPAYLOAD,\n"
    "      v128 as 0x followed by 32 hex digits (most significant byte first),\n"
    "      references as 'null', an externref also as a number N (a host\n"
    "      reference carrying N).\n"
    "      Results are printed one per line as TYPE:VALUE:\n"
    "        i32:-1  i64:42  f32:1.5  f64:-0  f32:nan  f64:nan:0x4000000000000\n"
    "        v128:i32x4 0x00000001 0x00000002 0x00000003 0x00000004\n"
    "      (integers signed decimal; floats with enough digits to round-trip,\n"
    "      NaNs with their payload unless canonical); references as in the\n"
    "      text format: ref.null func, ref.null extern, ref.func, ref.extern N.\n"
    "      A trap prints 'trap: MESSAGE' and the backtrace on stderr, exit 2.\n"
    "      The module may not import anything yet (WASI comes later): an\n"
    "      unknown import is reported as 'unknown import: module::name'.\n"
    "  compile FILE.wasm|FILE.wat -o OUT.keelc\n"
    "      Compile once and write the serialised module (code and wasm bytes,\n"
    "      checked when loaded) that 'keel run' accepts.\n"
    "  validate FILE.wasm|FILE.wat\n"
    "      Print 'valid' and exit 0, or print the error (kind, byte offset,\n"
    "      message) and exit 1.\n"
    "  wast PATH...\n"
    "      Run .wast spec scripts (directories: every *.wast below, sorted).\n"
    "      Per file: 'PASS name.wast N/N' or 'FAIL name.wast K/N' followed by\n"
    "      the first failures indented (line, command, expected vs got); last\n"
    "      line exactly 'P passed, F failed' counted over all commands.\n"
    "      Exit status 1 if anything failed.\n"
    "  help       this text\n"
    "  version    print the library and ABI version\n"
    "\n"
    "Options:\n"
    "  -v, --verbose         spectest prints; message mismatches in assert_* are\n"
    "                        reported (they never fail a command)\n"
    "  -q, --quiet           wast: only failing files (FAIL lines with their\n"
    "                        failures) and the summary\n"
    "  --max-failures N      wast: failures shown per file (default 5; 0 = all)\n"
    "  --timeout SECONDS     wast: limit per file (default 120); a file that\n"
    "                        hangs or crashes fails, the run goes on\n"
    "  --no-fork             wast: run the scripts in this process, for a\n"
    "                        debugger or a leak checker (a crash ends the run)\n"
    "  -h, --help            this text\n"
    "\n"
    "Exit status: 0 success, 1 failure (invalid module, failed tests, bad\n"
    "usage), 2 the guest trapped or the module could not be instantiated.\n";

static int cmd_version(void) {
    printf("keel %s (ABI %u.%u)\n", keel_version(), (unsigned)(keel_abi_version() >> 16),
           (unsigned)(keel_abi_version() & 0xFFFF));
    return 0;
}

int main(int argc, char **argv) {
    kcli_opts opts = {false, false, 5, 0, false};
    int i = 1;
    /* Global options come before the command; the commands parse the rest. */
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            opts.verbose = true;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            opts.quiet = true;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage, stdout);
            return 0;
        } else if (!strcmp(a, "--version")) {
            return cmd_version();
        } else {
            fprintf(stderr, "keel: unknown option '%s' (see keel --help)\n", a);
            return 1;
        }
    }
    if (i >= argc) {
        fputs(usage, stderr);
        return 1;
    }
    const char *cmd = argv[i++];
    int rest_argc = argc - i;
    char **rest = argv + i;
    if (!strcmp(cmd, "run")) return kcli_cmd_run(rest_argc, rest, &opts);
    if (!strcmp(cmd, "compile")) return kcli_cmd_compile(rest_argc, rest, &opts);
    if (!strcmp(cmd, "validate")) return kcli_cmd_validate(rest_argc, rest, &opts);
    if (!strcmp(cmd, "wast")) return kcli_cmd_wast(rest_argc, rest, &opts);
    if (!strcmp(cmd, "help")) {
        fputs(usage, stdout);
        return 0;
    }
    if (!strcmp(cmd, "version")) return cmd_version();
    fprintf(stderr, "keel: unknown command '%s' (see keel --help)\n", cmd);
    return 1;
}
