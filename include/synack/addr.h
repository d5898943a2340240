/*
 * synack/addr.h — network addresses and transport endpoints.
 *
 * An address carries its family, so that IPv6 fits in without reshaping any
 * function that takes one.  IPv4 addresses occupy bytes[0..3] in network
 * order; the remaining bytes are zero.  Two addresses are equal exactly when
 * their structs are equal byte for byte (the constructors zero the padding).
 */
#ifndef SYNACK_ADDR_H
#define SYNACK_ADDR_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

enum synack_family {
    SYNACK_AF_UNSPEC = 0,
    SYNACK_AF_INET = 4,
    SYNACK_AF_INET6 = 6,
};

struct synack_addr {
    uint8_t family;      /* enum synack_family */
    uint8_t pad_[3];     /* always zero */
    uint8_t bytes[16];   /* network order */
};

struct synack_endpoint {
    struct synack_addr addr;
    uint16_t port;       /* host order */
    uint16_t pad_;       /* always zero */
};

/* Longest text form of an endpoint: "[ipv6]:port" plus NUL. */
#define SYNACK_ENDPOINT_STRLEN 56

struct synack_addr synack_addr_v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d);
/* From a host-order 32-bit value (0xC6120001 is 198.18.0.1). */
struct synack_addr synack_addr_v4_u32(uint32_t host_order);
/* The IPv4 address as a host-order integer; 0 for other families. */
uint32_t synack_addr_v4_value(const struct synack_addr *a);
struct synack_addr synack_addr_v6(const uint8_t bytes[16]);
/* The unspecified address of a family (0.0.0.0 or ::). */
struct synack_addr synack_addr_any(int family);
struct synack_endpoint synack_endpoint_make(struct synack_addr addr, uint16_t port);

bool synack_addr_equal(const struct synack_addr *a, const struct synack_addr *b);
bool synack_addr_is_any(const struct synack_addr *a);
bool synack_endpoint_equal(const struct synack_endpoint *a, const struct synack_endpoint *b);

/* Parses dotted-quad IPv4 text or IPv6 text (RFC 4291 §2.2, "::" and a
 * dotted IPv4 tail included; no zone suffix).  Returns 0, or
 * -SYNACK_EINVAL. */
int synack_addr_parse(const char *text, struct synack_addr *out);
/* Parses "A.B.C.D/N" or "ipv6/N".  Returns 0, or -SYNACK_EINVAL. */
int synack_prefix_parse(const char *text, struct synack_addr *out, uint8_t *prefix_len);
/* Parses "A.B.C.D:port" or "[ipv6]:port".  Returns 0, or -SYNACK_EINVAL. */
int synack_endpoint_parse(const char *text, struct synack_endpoint *out);
/* Writes the text form (IPv6 as RFC 5952 recommends), always
 * NUL-terminated; returns buf. */
char *synack_addr_format(const struct synack_addr *a, char *buf, size_t len);
/* "198.18.0.1:80", "[fd00:5ac::1]:80" */
char *synack_endpoint_format(const struct synack_endpoint *e, char *buf, size_t len);
/* Whether a and b share their first prefix_len bits (same family required). */
bool synack_addr_in_prefix(const struct synack_addr *a, const struct synack_addr *net, uint8_t prefix_len);

#ifdef __cplusplus
}
#endif
#endif
