/*
 * synack/synack.h — everything a program embedding synack needs.
 *   errors.h  error codes          addr.h   addresses and endpoints
 *   stack.h   stack, input, poll   socket.h TCP and UDP sockets
 *   trace.h   trace events         sim.h    deterministic simulated network
 *   pcap.h    pcap writer          trace_text.h  tcpdump-like text
 */
#ifndef SYNACK_SYNACK_H
#define SYNACK_SYNACK_H
#include "synack/errors.h"
#include "synack/addr.h"
#include "synack/trace.h"
#include "synack/stack.h"
#include "synack/socket.h"
#include "synack/sim.h"
#include "synack/pcap.h"
#include "synack/trace_text.h"
#include "synack/packet.h"
#include "synack/runtime.h"
#include "synack/tun.h"
#include "synack/tap.h"
#endif
