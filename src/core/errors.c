/* errors.c — names and descriptions generated from SYNACK_ERROR_LIST. */
#include "synack/errors.h"
#include "synack/trace.h"

const char *synack_strerror(int err)
{
    if (err < 0)
        err = -err;
    switch (err) {
    case 0:
        return "success";
#define SYNACK_ERROR_DESC_(name, num, desc) \
    case num:                               \
        return desc;
        SYNACK_ERROR_LIST(SYNACK_ERROR_DESC_)
#undef SYNACK_ERROR_DESC_
    default:
        return "unknown error";
    }
}

const char *synack_errname(int err)
{
    if (err < 0)
        err = -err;
    switch (err) {
    case 0:
        return "OK";
#define SYNACK_ERROR_NAME_(name, num, desc) \
    case num:                               \
        return #name;
        SYNACK_ERROR_LIST(SYNACK_ERROR_NAME_)
#undef SYNACK_ERROR_NAME_
    default:
        return "E?";
    }
}

static const char *const state_names[] = {
#define SYNACK_STATE_NAME_(name) #name,
    SYNACK_TCP_STATE_LIST(SYNACK_STATE_NAME_)
#undef SYNACK_STATE_NAME_
};

const char *synack_tcp_state_name(int state)
{
    if (state < 0 || state >= SYNACK_TCP_STATE_COUNT)
        return "?";
    return state_names[state];
}

static const char *const drop_names[] = {
#define SYNACK_DROP_NAME_(name, desc) #name,
    SYNACK_DROP_LIST(SYNACK_DROP_NAME_)
#undef SYNACK_DROP_NAME_
};
static const char *const drop_descriptions[] = {
#define SYNACK_DROP_DESC_(name, desc) desc,
    SYNACK_DROP_LIST(SYNACK_DROP_DESC_)
#undef SYNACK_DROP_DESC_
};

const char *synack_drop_name(int reason)
{
    return reason >= 0 && reason < SYNACK_DROP_COUNT ? drop_names[reason] : "?";
}

const char *synack_drop_description(int reason)
{
    return reason >= 0 && reason < SYNACK_DROP_COUNT ? drop_descriptions[reason] : "?";
}
