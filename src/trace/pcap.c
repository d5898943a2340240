/*
 * pcap.c — a classic pcap writer (the "libpcap file format" that tcpdump,
 * Wireshark and tshark read).
 *
 * Layout of the file:
 *
 *   file header, 24 bytes:  magic 0xa1b2c3d4 | version 2.4 | thiszone 0 |
 *                           sigfigs 0 | snaplen | linktype
 *   then per packet:        ts_sec | ts_usec | incl_len | orig_len | bytes
 *
 * Every field is written little-endian whatever the host, so the same run
 * gives the same file byte for byte on every machine (readers recognise the
 * byte order from the magic).  LINKTYPE_RAW (101, snaplen 65535) means
 * each record is one IP packet with no link header, which is what an IP
 * interface and the trace hooks carry; LINKTYPE_ETHERNET (1, snaplen
 * 262144 as tcpdump's, room for a largest IP packet and its 14-byte
 * header) that each is one Ethernet frame, without FCS.
 *
 * I/O errors do not interrupt the caller: the first one is remembered,
 * later writes are skipped, and synack_pcap_close() reports it.
 */
#include "synack/pcap.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#define PCAP_MAGIC 0xa1b2c3d4u
#define PCAP_VERSION_MAJOR 2
#define PCAP_VERSION_MINOR 4
/* The largest IP packet without jumbograms; nothing synack handles is
 * bigger. */
#define PCAP_SNAPLEN_RAW 65535u
#define PCAP_SNAPLEN_ETHERNET 262144u

struct synack_pcap {
    FILE *file;
    uint32_t snaplen;
    bool failed;     /* some write or the flush failed */
};

static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void write_bytes(struct synack_pcap *p, const void *data, size_t len)
{
    if (p->failed || len == 0)
        return;
    if (fwrite(data, 1, len, p->file) != len)
        p->failed = true;
}

struct synack_pcap *synack_pcap_open(const char *path)
{
    return synack_pcap_open_link(path, SYNACK_PCAP_LINKTYPE_RAW);
}

struct synack_pcap *synack_pcap_open_link(const char *path, uint32_t linktype)
{
    if (linktype != SYNACK_PCAP_LINKTYPE_RAW && linktype != SYNACK_PCAP_LINKTYPE_ETHERNET) {
        errno = EINVAL;
        return NULL;
    }
    struct synack_pcap *p = malloc(sizeof *p);
    if (!p)
        return NULL;
    p->file = fopen(path, "wb");
    if (!p->file) {
        int saved = errno;
        free(p);
        errno = saved;
        return NULL;
    }
    p->failed = false;
    p->snaplen = linktype == SYNACK_PCAP_LINKTYPE_RAW ? PCAP_SNAPLEN_RAW : PCAP_SNAPLEN_ETHERNET;

    uint8_t h[24];
    put_le32(h, PCAP_MAGIC);
    put_le16(h + 4, PCAP_VERSION_MAJOR);
    put_le16(h + 6, PCAP_VERSION_MINOR);
    put_le32(h + 8, 0);                /* thiszone: timestamps are UTC */
    put_le32(h + 12, 0);               /* sigfigs: always 0 in practice */
    put_le32(h + 16, p->snaplen);
    put_le32(h + 20, linktype);
    write_bytes(p, h, sizeof h);
    if (p->failed) {
        int saved = errno ? errno : EIO;
        fclose(p->file);
        free(p);
        errno = saved;
        return NULL;
    }
    return p;
}

int synack_pcap_write(struct synack_pcap *p, synack_time_us when, const uint8_t *packet, size_t len)
{
    if (!p)
        return -1;
    if (!packet)
        len = 0;
    uint32_t incl = len > p->snaplen ? p->snaplen : (uint32_t)len;
    uint32_t orig = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
    uint8_t r[16];
    /* Seconds wrap at 2^32 (the year 2106 for wall-clock captures). */
    put_le32(r, (uint32_t)(when / 1000000u));
    put_le32(r + 4, (uint32_t)(when % 1000000u));
    put_le32(r + 8, incl);
    put_le32(r + 12, orig);
    write_bytes(p, r, sizeof r);
    write_bytes(p, packet, incl);
    return p->failed ? -1 : 0;
}

int synack_pcap_close(struct synack_pcap *p)
{
    if (!p)
        return 0;
    bool failed = p->failed;
    if (fflush(p->file) != 0)
        failed = true;
    if (fclose(p->file) != 0)
        failed = true;
    free(p);
    return failed ? -1 : 0;
}

void synack_pcap_trace_out(void *pcap, const struct synack_trace_event *ev)
{
    if (!pcap || !ev || ev->kind != SYNACK_TRACE_PACKET_OUT || !ev->packet)
        return;
    synack_pcap_write(pcap, ev->now, ev->packet, ev->len);
}
