/* clock_random.c -- sanity checks of clocks, sleeping and randomness; prints
   only verdicts, never values, so every run prints the same. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>

static int64_t ns(clockid_t c) {
    struct timespec t;
    if (clock_gettime(c, &t) != 0) return -1;
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int main(void) {
    int64_t r = ns(CLOCK_REALTIME);
    printf("realtime after 2020: %s\n", r > (int64_t)1577836800 * 1000000000 ? "yes" : "no");
    printf("time() agrees: %s\n", llabs((long long)time(NULL) - r / 1000000000) <= 2 ? "yes" : "no");
    int64_t m1 = ns(CLOCK_MONOTONIC);
    struct timespec d = {0, 20 * 1000000};
    nanosleep(&d, NULL);
    int64_t m2 = ns(CLOCK_MONOTONIC);
    printf("monotonic advances: %s\n", m2 > m1 ? "yes" : "no");
    printf("slept at least 20ms: %s\n", m2 - m1 >= 20 * 1000000 ? "yes" : "no");
    printf("slept under 2s: %s\n", m2 - m1 < 2000000000 ? "yes" : "no");
    usleep(1000);
    int64_t m3 = ns(CLOCK_MONOTONIC);
    printf("usleep advances: %s\n", m3 - m2 >= 1000000 ? "yes" : "no");
    struct timespec res;
    printf("resolution ok: %s\n", clock_getres(CLOCK_MONOTONIC, &res) == 0 && res.tv_sec == 0 ? "yes" : "no");
    printf("cpu clock: %s\n", ns(CLOCK_PROCESS_CPUTIME_ID) >= 0 ? "yes" : "no");
    unsigned char a[64], b[64];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    printf("getentropy: %s\n", getentropy(a, sizeof a) == 0 && getentropy(b, sizeof b) == 0 ? "ok" : "failed");
    int zeros = 0;
    for (size_t i = 0; i < sizeof a; i++) zeros += a[i] == 0;
    printf("random not all zero: %s\n", zeros < 16 ? "yes" : "no");
    printf("two draws differ: %s\n", memcmp(a, b, sizeof a) != 0 ? "yes" : "no");
    return 0;
}
