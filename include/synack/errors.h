/*
 * synack/errors.h — the error codes every synack function returns.
 *
 * Functions return a value >= 0 on success and a negated code from this list
 * on failure (e.g. -SYNACK_EAGAIN).  Names follow POSIX; the numbers are the
 * ones Linux uses, so that printing or comparing them with a host errno is
 * unsurprising.  The list below is the only place a code is defined: the enum
 * and synack_strerror() are both generated from it.
 */
#ifndef SYNACK_ERRORS_H
#define SYNACK_ERRORS_H

#ifdef __cplusplus
extern "C" {
#endif

/* X(name, number, description) */
#define SYNACK_ERROR_LIST(X)                                                  \
    X(EPERM, 1, "operation not permitted")                                    \
    X(ENOENT, 2, "no such file or device")                                    \
    X(EIO, 5, "input/output error")                                           \
    X(EBADF, 9, "bad socket handle")                                          \
    X(EAGAIN, 11, "resource temporarily unavailable")                         \
    X(ENOMEM, 12, "out of memory")                                            \
    X(EEXIST, 17, "already exists")                                           \
    X(EINVAL, 22, "invalid argument")                                         \
    X(EMFILE, 24, "too many open sockets")                                    \
    X(EPIPE, 32, "broken pipe")                                               \
    X(EPROTO, 71, "protocol error")                                           \
    X(ENOTSOCK, 88, "handle is not a socket of the right kind")               \
    X(EDESTADDRREQ, 89, "destination address required")                      \
    X(EMSGSIZE, 90, "message too long")                                       \
    X(ENOPROTOOPT, 92, "protocol option not available")                       \
    X(EOPNOTSUPP, 95, "operation not supported")                              \
    X(EAFNOSUPPORT, 97, "address family not supported")                       \
    X(EADDRINUSE, 98, "address already in use")                               \
    X(EADDRNOTAVAIL, 99, "cannot assign requested address")                   \
    X(ENETUNREACH, 101, "network is unreachable")                             \
    X(ECONNABORTED, 103, "connection aborted")                                \
    X(ECONNRESET, 104, "connection reset by peer")                            \
    X(ENOBUFS, 105, "no buffer space available")                              \
    X(EISCONN, 106, "socket is already connected")                            \
    X(ENOTCONN, 107, "socket is not connected")                               \
    X(ETIMEDOUT, 110, "connection timed out")                                 \
    X(ECONNREFUSED, 111, "connection refused")                                \
    X(EHOSTUNREACH, 113, "no route to host")                                  \
    X(EALREADY, 114, "operation already in progress")                         \
    X(EINPROGRESS, 115, "operation now in progress")

enum synack_error {
    SYNACK_OK = 0,
#define SYNACK_ERROR_ENUM_(name, num, desc) SYNACK_##name = num,
    SYNACK_ERROR_LIST(SYNACK_ERROR_ENUM_)
#undef SYNACK_ERROR_ENUM_
};

/* Description of a code; accepts either sign (-SYNACK_EAGAIN or SYNACK_EAGAIN). */
const char *synack_strerror(int err);
/* The code's POSIX name ("EAGAIN"), or "E?" for an unknown code. */
const char *synack_errname(int err);

#ifdef __cplusplus
}
#endif
#endif
