/* exit_code.c -- prints a line, then exits with the status given as argv[1]
   through exit() (flushing stdio), or returns it from main with "ret". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    int code = argc > 1 ? atoi(argv[1]) : 0;
    printf("exiting with %d\n", code);
    if (argc > 2 && strcmp(argv[2], "ret") == 0) return code;
    exit(code);
}
