/*
** keel/wasi.h -- WASI preview 1 (wasi_snapshot_preview1): run programs
** compiled for wasm32-wasi, sandboxed.
**
** Build a keel_wasi_config (arguments, environment, preopened directories,
** standard streams), then either add WASI to a linker with
** keel_linker_define_wasi and instantiate as usual, or let keel_wasi_run do
** everything for a command module (what `keel run` does).
**
** Sandbox: a guest reaches the host file system only through the preopened
** directories. Paths are resolved component by component from the
** directory's fd: '..' above a preopen, absolute paths, symlinks that lead
** outside and symlink loops all fail (ENOTCAPABLE, ELOOP) whatever the host
** layout. Nothing else of the host is visible: no environment variable
** unless pushed, no stream unless inherited or connected.
**
** Exit: a guest calling proc_exit makes the running call (or instantiation)
** return an error of kind KEEL_ERROR_EXIT; keel_error_exit_code gives the
** status. The store stays usable.
**
** Interrupts: keel_store_interrupt also stops a guest blocked inside WASI
** (poll_oneoff sleeps, reads and writes on pipes, terminals and sockets,
** sock_accept/sock_recv) within about 50 ms: the call traps with
** KEEL_TRAP_INTERRUPTED, as for a guest spinning in a loop.
**
** A config and a keel_wasi have one owner: use each from one thread at a time,
** and read captured output only while no call runs in the store.
*/
#ifndef KEEL_WASI_H
#define KEEL_WASI_H

#include "keel/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Standard streams. */
typedef uint32_t keel_wasi_stream;
#define KEEL_WASI_STDIN 0
#define KEEL_WASI_STDOUT 1
#define KEEL_WASI_STDERR 2

/** The import module name WASI functions are defined under. */
#define KEEL_WASI_MODULE "wasi_snapshot_preview1"

typedef struct keel_wasi_config keel_wasi_config;
typedef struct keel_wasi keel_wasi;

/**
 * Creates an empty WASI configuration: no arguments, no environment, no
 * preopened directory; stdin reads end of file and stdout/stderr discard
 * what is written until connected otherwise.
 * @param[out] out receives the configuration.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (out is NULL) or
 *         KEEL_ERROR_OUT_OF_MEMORY. Gives ownership of *out to the caller
 *         (keel_wasi_config_free).
 */
KEEL_API keel_error *keel_wasi_config_new(keel_wasi_config **out);

/**
 * Frees a configuration.
 * @param[in] config owned; NULL is a harmless no-op. Takes ownership of config.
 */
KEEL_API void keel_wasi_config_free(keel_wasi_config *config);

/**
 * Appends one argument. The first argument is the program name (argv[0]).
 * @param[in] config borrowed.
 * @param[in] arg borrowed NUL-terminated string, copied.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (NULL config or arg),
 *         KEEL_ERROR_INVALID_HANDLE or KEEL_ERROR_OUT_OF_MEMORY.
 */
KEEL_API keel_error *keel_wasi_config_push_arg(keel_wasi_config *config, const char *arg);

/**
 * Replaces every argument by argv[0..argc).
 * @param[in] argv borrowed array of NUL-terminated strings, copied; may be
 *            NULL when argc is 0.
 * @return as keel_wasi_config_push_arg.
 */
KEEL_API keel_error *keel_wasi_config_set_args(keel_wasi_config *config, const char *const *argv,
                                               size_t argc);

/**
 * Appends an environment variable.
 * @param[in] name borrowed, copied; non-empty, without '='.
 * @param[in] value borrowed, copied.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (NULL, empty name or a name with
 *         '='), KEEL_ERROR_INVALID_HANDLE or KEEL_ERROR_OUT_OF_MEMORY.
 */
KEEL_API keel_error *keel_wasi_config_push_env(keel_wasi_config *config, const char *name,
                                               const char *value);

/**
 * Appends an environment variable given as "NAME=VALUE" (the CLI's --env).
 * @param[in] spec borrowed, copied.
 * @return as keel_wasi_config_push_env; a spec without '=' is
 *         KEEL_ERROR_INVALID_ARGUMENT.
 */
KEEL_API keel_error *keel_wasi_config_push_env_spec(keel_wasi_config *config, const char *spec);

/**
 * Appends every variable of the host process's environment.
 * @return as keel_wasi_config_push_env.
 */
KEEL_API keel_error *keel_wasi_config_inherit_env(keel_wasi_config *config);

/**
 * Preopens a host directory: the guest sees it under 'guest_path' and can
 * reach what lies below it, nothing above. The directory is opened when the
 * configuration is used (keel_linker_define_wasi, keel_wasi_run).
 * @param[in] host_path borrowed, copied.
 * @param[in] guest_path borrowed, copied; NULL or "" uses host_path.
 * @param[in] read_only when true, the guest can read but not create, write,
 *            truncate, rename or remove anything below it (ENOTCAPABLE).
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT, KEEL_ERROR_INVALID_HANDLE or
 *         KEEL_ERROR_OUT_OF_MEMORY.
 */
KEEL_API keel_error *keel_wasi_config_preopen_dir(keel_wasi_config *config, const char *host_path,
                                                  const char *guest_path, bool read_only);

/**
 * Preopens a directory given as "HOST[::GUEST]" (the CLI's --dir; without
 * "::GUEST" the guest path equals the host path).
 * @return as keel_wasi_config_preopen_dir.
 */
KEEL_API keel_error *keel_wasi_config_preopen_dir_spec(keel_wasi_config *config, const char *spec,
                                                       bool read_only);

/**
 * Preopens a host socket (listening or connected) for sock_accept,
 * sock_recv, sock_send and sock_shutdown. It gets the next fd after the
 * preopened directories.
 * @param[in] host_fd borrowed: Keel never closes it (sockets the guest
 *            accepts from it are Keel's and closed with the store).
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (negative fd),
 *         KEEL_ERROR_INVALID_HANDLE or KEEL_ERROR_OUT_OF_MEMORY.
 */
KEEL_API keel_error *keel_wasi_config_preopen_socket(keel_wasi_config *config, int host_fd);

/**
 * Connects a standard stream to the host process's own stream.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (unknown stream) or
 *         KEEL_ERROR_INVALID_HANDLE.
 */
KEEL_API keel_error *keel_wasi_config_inherit_stdio(keel_wasi_config *config, keel_wasi_stream which);

/**
 * Connects a standard stream to a host file: stdin reads it, stdout and
 * stderr create or truncate it. The file is opened when the configuration
 * is used; failing to open it is KEEL_ERROR_IO there.
 * @param[in] path borrowed, copied.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT, KEEL_ERROR_INVALID_HANDLE or
 *         KEEL_ERROR_OUT_OF_MEMORY.
 */
KEEL_API keel_error *keel_wasi_config_stdio_file(keel_wasi_config *config, keel_wasi_stream which,
                                                 const char *path);

/**
 * Connects a standard stream to a host file descriptor (a pipe, a socket, a
 * file). Keel duplicates it when the configuration is used, so the caller
 * may close its own fd afterwards.
 * @param[in] host_fd borrowed; must stay open until keel_linker_define_wasi
 *            or keel_wasi_run has used the configuration (an fd closed by
 *            then is KEEL_ERROR_IO there).
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (unknown stream, negative fd) or
 *         KEEL_ERROR_INVALID_HANDLE.
 */
KEEL_API keel_error *keel_wasi_config_stdio_fd(keel_wasi_config *config, keel_wasi_stream which, int host_fd);

/**
 * Makes stdin read the given bytes, then end of file.
 * @param[in] bytes borrowed, copied; may be NULL when len is 0.
 * @return as keel_wasi_config_stdio_file.
 */
KEEL_API keel_error *keel_wasi_config_stdin_bytes(keel_wasi_config *config, const uint8_t *bytes,
                                                  size_t len);

/**
 * Captures what the guest writes to stdout (resp. stderr) in memory; read
 * it back with keel_wasi_stdout_bytes (resp. keel_wasi_stderr_bytes).
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT or KEEL_ERROR_INVALID_HANDLE.
 */
KEEL_API keel_error *keel_wasi_config_capture_stdout(keel_wasi_config *config);
KEEL_API keel_error *keel_wasi_config_capture_stderr(keel_wasi_config *config);

/**
 * Defines every wasi_snapshot_preview1 function in a linker, as host
 * functions of 'store' that share one WASI context (fd table, streams,
 * preopens) made from 'config'. Modules instantiated from the linker in
 * that store use it; each WASI call works on the memory of the instance
 * that called it (a guest pointer outside it gives the errno EFAULT).
 * @param[in] linker borrowed; retains the functions.
 * @param[in] store borrowed; owns the functions and the context.
 * @param[in] config borrowed; copied, so it may be freed or reused at once.
 * @param[out] out receives the WASI context (for captured output), or may
 *             be NULL when the caller does not need it.
 * @return NULL; KEEL_ERROR_INVALID_ARGUMENT (NULL argument, or a function
 *         already defined and shadowing is off); KEEL_ERROR_INVALID_HANDLE;
 *         KEEL_ERROR_IO (a preopened directory or stream file cannot be
 *         opened: the message names it); KEEL_ERROR_OUT_OF_MEMORY. Waits for
 *         the store's lock. Does not take ownership of linker, store or config.
 *         Gives ownership of *out to the caller (keel_wasi_free).
 */
KEEL_API keel_error *keel_linker_define_wasi(keel_linker *linker, keel_store *store,
                                             const keel_wasi_config *config, keel_wasi **out);

/**
 * The bytes captured from the guest's stdout (resp. stderr) so far.
 * @param[in] wasi borrowed.
 * @param[out] len receives the byte count (0 when nothing or not captured).
 * @return a pointer valid until the guest writes again or keel_wasi_free;
 *         NULL when the stream is not captured or wasi is NULL.
 */
KEEL_API const uint8_t *keel_wasi_stdout_bytes(const keel_wasi *wasi, size_t *len);
KEEL_API const uint8_t *keel_wasi_stderr_bytes(const keel_wasi *wasi, size_t *len);

/**
 * Frees the caller's reference to a WASI context. The functions defined in
 * the linker keep working: the store holds the context until it is freed.
 * @param[in] wasi owned; NULL is a harmless no-op. Takes ownership of wasi.
 */
KEEL_API void keel_wasi_free(keel_wasi *wasi);

/**
 * Runs a WASI command module: a new store, WASI from 'config', instantiation,
 * then its "_start" export. This is what `keel run` does.
 * @param[in] engine borrowed; 'module' must come from it.
 * @param[in] module borrowed.
 * @param[in] config borrowed.
 * @param[out] exit_code receives the guest's exit status: 0 when _start
 *             returns, the proc_exit code otherwise. Untouched on error.
 * @return NULL (the program ran; see *exit_code); KEEL_ERROR_UNLINKABLE (an
 *         import other than WASI, or no "_start" export); KEEL_ERROR_TRAP and
 *         the other errors of keel_func_call; KEEL_ERROR_IO (a preopen cannot
 *         be opened); KEEL_ERROR_INVALID_ARGUMENT; KEEL_ERROR_INVALID_HANDLE;
 *         KEEL_ERROR_OUT_OF_MEMORY. Does not take ownership of engine,
 *         module or config.
 */
KEEL_API keel_error *keel_wasi_run(keel_engine *engine, keel_module *module,
                                   const keel_wasi_config *config, int32_t *exit_code);

#ifdef __cplusplus
}
#endif

#endif
