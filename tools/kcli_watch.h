/*
** kcli_watch.h -- 'keel run --timeout SECONDS' and '--profile FILE [--hz N]':
** threads that watch a running call through the public sampling ABI
** (keel/sample.h) and keel_store_interrupt.
**   cli_timeout.c  option parsing, the deadline thread, start/stop
**   cli_profile.c  the sampling thread and the folded-stack output
*/
#ifndef KCLI_WATCH_H
#define KCLI_WATCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "keel.h"

/* Exit status after --timeout fired, as timeout(1). */
#define KCLI_TIMEOUT_EXIT 124

typedef struct kcli_profile kcli_profile; /* cli_profile.c */

typedef struct kcli_watch {
    double timeout;          /* seconds; 0: none */
    const char *profile;     /* folded-stacks output path, or NULL */
    unsigned hz;             /* samples per second for --profile */
    keel_store *store;       /* borrowed while started */
    pthread_t timer, sampler;
    bool timer_on, sampler_on;
    atomic_bool done;        /* the call returned */
    atomic_bool fired;       /* the timeout interrupted the call */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    kcli_profile *prof;
} kcli_watch;

/*
** Removes --timeout S, --profile FILE and --hz N from the front of the
** argument list (before the module path or --invoke) and fills 'w'.
** Returns 0, or 1 after printing a usage error.
*/
int kcli_watch_options(int *argc, char ***argv, kcli_watch *w);

/* Starts the threads 'w' asks for on the call about to run in 'store'. */
void kcli_watch_start(kcli_watch *w, keel_store *store);

/*
** Stops the threads after the call returned with exit status 'rc'; writes
** the profile. Returns the final status (KCLI_TIMEOUT_EXIT when the timeout
** fired).
*/
int kcli_watch_stop(kcli_watch *w, int rc);

/* cli_profile.c: the sampler thread's state and output. */
kcli_profile *kcli_profile_new(void);
void kcli_profile_add(kcli_profile *p, const keel_frame_sample *frames, size_t n);
/* Writes "outer;...;inner COUNT" lines; returns false on an I/O error. */
bool kcli_profile_write(const kcli_profile *p, const char *path, size_t *stacks, size_t *samples);
void kcli_profile_free(kcli_profile *p);
void *kcli_profile_thread(void *watch);

/* Prints the store's current wasm stack, innermost first, to 'f'. */
void kcli_print_stack(FILE *f, keel_store *store);

#endif
