/*
** cli_timeout.c -- 'keel run --timeout SECONDS': when the time is up, print
** where the guest is (a live sample with function names, keel/sample.h),
** interrupt it (keel_store_interrupt: the call traps with "interrupted" at
** its next function entry or loop back-edge) and exit with 124 as
** timeout(1) does. A guest blocked inside a host call never reaches a
** check: after a grace second the process exits anyway.
*/
#include "kcli_watch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define GRACE_SECONDS 1.0

static bool parse_seconds(const char *s, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v > 0) || v > 1e9) return false;
    *out = v;
    return true;
}

int kcli_watch_options(int *argc, char ***argv, kcli_watch *w) {
    memset(w, 0, sizeof *w);
    w->hz = 1000;
    int n = *argc;
    char **a = *argv;
    while (n > 0 && a[0][0] == '-' && strcmp(a[0], "--invoke") != 0) {
        const char *opt = a[0];
        if (n < 2) {
            fprintf(stderr, "keel run: %s needs a value\n", opt);
            return 1;
        }
        if (!strcmp(opt, "--timeout")) {
            if (!parse_seconds(a[1], &w->timeout)) {
                fprintf(stderr, "keel run: --timeout needs a positive number of seconds, not '%s'\n", a[1]);
                return 1;
            }
        } else if (!strcmp(opt, "--profile")) {
            w->profile = a[1];
        } else if (!strcmp(opt, "--hz")) {
            char *end;
            long hz = strtol(a[1], &end, 10);
            if (end == a[1] || *end || hz < 1 || hz > 100000) {
                fprintf(stderr, "keel run: --hz needs a number from 1 to 100000, not '%s'\n", a[1]);
                return 1;
            }
            w->hz = (unsigned)hz;
        } else {
            fprintf(stderr, "keel run: unknown option '%s'\n", opt);
            return 1;
        }
        a += 2;
        n -= 2;
    }
    *argc = n;
    *argv = a;
    return 0;
}

void kcli_print_stack(FILE *f, keel_store *store) {
    keel_frame_sample frames[64];
    size_t n = 0;
    int st = keel_store_sample(store, frames, 64, &n);
    if (n == 0) {
        fprintf(f, "  (no wasm frame: the guest is in a host call or between calls)\n");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        char text[256];
        keel_frame_format(&frames[i], text, sizeof text);
        fprintf(f, "  #%zu %s\n", i, text);
    }
    if (st == KEEL_SAMPLE_TRUNCATED) fprintf(f, "  ... (more frames)\n");
}

static void deadline_of(double seconds, struct timespec *ts) {
    clock_gettime(CLOCK_REALTIME, ts);
    double whole = (double)(long)seconds;
    ts->tv_sec += (time_t)whole;
    ts->tv_nsec += (long)((seconds - whole) * 1e9);
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Waits until the call is done or 'seconds' passed; true when done. */
static bool wait_done(kcli_watch *w, double seconds) {
    struct timespec ts;
    deadline_of(seconds, &ts);
    pthread_mutex_lock(&w->lock);
    while (!atomic_load(&w->done))
        if (pthread_cond_timedwait(&w->cond, &w->lock, &ts) == ETIMEDOUT) break;
    bool done = atomic_load(&w->done);
    pthread_mutex_unlock(&w->lock);
    return done;
}

static void *timer_thread(void *p) {
    kcli_watch *w = p;
    if (wait_done(w, w->timeout)) return NULL;
    fflush(stdout);
    fprintf(stderr, "keel: timed out after %g s; the guest was at:\n", w->timeout);
    kcli_print_stack(stderr, w->store);
    atomic_store(&w->fired, true);
    keel_store_interrupt(w->store);
    if (wait_done(w, GRACE_SECONDS)) return NULL;
    fprintf(stderr, "keel: the guest did not stop within %g s of the interrupt (blocked in a host call?); exiting\n",
            GRACE_SECONDS);
    fflush(NULL);
    _exit(KCLI_TIMEOUT_EXIT);
}

void kcli_watch_start(kcli_watch *w, keel_store *store) {
    w->store = store;
    atomic_store(&w->done, false);
    atomic_store(&w->fired, false);
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    if (w->timeout > 0) w->timer_on = pthread_create(&w->timer, NULL, timer_thread, w) == 0;
    if (w->profile) {
        w->prof = kcli_profile_new();
        if (w->prof) w->sampler_on = pthread_create(&w->sampler, NULL, kcli_profile_thread, w) == 0;
        if (!w->sampler_on) fprintf(stderr, "keel: cannot start the profiler\n");
    }
}

int kcli_watch_stop(kcli_watch *w, int rc) {
    if (w->store == NULL) return rc; /* never started */
    pthread_mutex_lock(&w->lock);
    atomic_store(&w->done, true);
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
    if (w->timer_on) pthread_join(w->timer, NULL);
    if (w->sampler_on) pthread_join(w->sampler, NULL);
    if (w->prof) {
        size_t stacks = 0, samples = 0;
        if (kcli_profile_write(w->prof, w->profile, &stacks, &samples)) {
            fprintf(stderr, "keel: profile: %zu samples, %zu distinct stacks written to %s\n", samples, stacks,
                    w->profile);
        } else {
            fprintf(stderr, "keel: cannot write the profile to %s: %s\n", w->profile, strerror(errno));
            if (rc == 0) rc = 1;
        }
        kcli_profile_free(w->prof);
        w->prof = NULL;
    }
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
    if (atomic_load(&w->fired)) {
        fprintf(stderr, "keel: stopped: the time limit of %g s was reached\n", w->timeout);
        rc = KCLI_TIMEOUT_EXIT;
    }
    w->store = NULL;
    return rc;
}
