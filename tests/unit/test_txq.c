/*
 * test_txq.c — the sender's scoreboard (tcp_txq.h): cutting a record in
 * two (txq_split, for resends after the path MTU fell), and SACK blocks
 * over a record that ends with the FIN.
 */
#include "synack/stack.h"
#include "tcp_txq.h"
#include "test.h"

/* A queue of n records of 100 bytes from sequence 1000, the first `head`
 * pushed and acknowledged before so that the ring wraps. */
static void fill(struct synack_stack *st, struct txq *q, uint32_t n, uint32_t head)
{
    txq_init(q);
    uint32_t seq = 1000 - head * 100;
    for (uint32_t i = 0; i < head; i++, seq += 100)
        REQUIRE(txq_push(st, q, seq, seq + 100, false, 1, 1));
    txq_ack(q, seq);
    for (uint32_t i = 0; i < n; i++, seq += 100)
        REQUIRE(txq_push(st, q, seq, seq + 100, i == n - 1, 2 + i, 2 + i));
}

/* Every record [start, end) in order, without gaps, from 1000 to `end`. */
static void check_contiguous(const struct txq *q, uint32_t end)
{
    uint32_t seq = 1000;
    for (uint32_t i = 0; i < q->count; i++) {
        CHECK_EQ(txq_at(q, i)->start, seq);
        CHECK(txq_at(q, i)->end > seq);
        seq = txq_at(q, i)->end;
    }
    CHECK_EQ(seq, end);
}

TEST(split_keeps_order_marks_and_byte_counts_at_every_index)
{
    struct synack_stack *st = synack_stack_new(NULL);
    REQUIRE(st);
    /* Splitting near the front moves the records before it, near the end
     * those after it; a ring that wraps (head 13 of 16) must not matter. */
    for (uint32_t head = 0; head < 16; head += 13) {
        for (uint32_t i = 0; i < 10; i++) {
            struct txq q;
            fill(st, &q, 10, head);
            txq_mark_lost(&q, txq_at(&q, i));
            uint32_t lost = q.lost_bytes;
            struct txseg before = *txq_at(&q, i);
            REQUIRE(txq_split(st, &q, i, before.start + 30));
            CHECK_EQ(q.count, 11);
            check_contiguous(&q, 2000);
            CHECK_EQ(q.lost_bytes, lost);
            const struct txseg *a = txq_at(&q, i), *b = txq_at(&q, i + 1);
            CHECK_EQ(a->start, before.start);
            CHECK_EQ(a->end, before.start + 30);
            CHECK_EQ(b->start, before.start + 30);
            CHECK_EQ(b->end, before.end);
            CHECK(a->flags & TXS_LOST);
            CHECK(b->flags & TXS_LOST);
            CHECK_EQ(a->xmit_time, before.xmit_time);
            CHECK_EQ(b->xmit_time, before.xmit_time);
            /* The FIN stays with the last piece only. */
            CHECK(!(a->flags & TXS_FIN));
            CHECK_EQ(!!(b->flags & TXS_FIN), i == 9);
            CHECK_EQ(txq_index(&q, b), i + 1);
            CHECK_EQ(txq_find(&q, before.start + 30), i + 1);
            txq_free(st, &q);
        }
    }
    synack_stack_free(st);
}

TEST(split_grows_a_full_ring)
{
    struct synack_stack *st = synack_stack_new(NULL);
    REQUIRE(st);
    struct txq q;
    fill(st, &q, 16, 0);
    CHECK_EQ(q.count, q.cap);
    REQUIRE(txq_split(st, &q, 15, 2550));
    CHECK_EQ(q.count, 17);
    CHECK(q.cap > 17);
    check_contiguous(&q, 2600);
    txq_free(st, &q);
    synack_stack_free(st);
}

/*  RFC 2018 §3: SACK blocks cover data, so a record [start, end) ending
 *  with the FIN is SACKed by a block reaching end - 1; a bare FIN never. */
TEST(a_sack_block_covers_the_data_of_a_fin_record)
{
    static const struct {
        uint32_t data, right, newly;     /* bytes before the FIN; the block [1100, right) */
    } cases[] = { { 100, 1199, 0 }, { 100, 1200, 101 }, { 0, 1101, 0 } };
    struct synack_stack *st = synack_stack_new(NULL);
    REQUIRE(st);
    for (unsigned k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        struct txq q;
        txq_init(&q);
        REQUIRE(txq_push(st, &q, 1000, 1100, false, 1, 1));
        REQUIRE(txq_push(st, &q, 1100, 1101 + cases[k].data, true, 1, 1));
        CHECK_EQ(txq_sack(&q, 1100, cases[k].right, NULL, NULL), cases[k].newly);
        CHECK_EQ(q.sacked_bytes, cases[k].newly);
        txq_free(st, &q);
    }
    synack_stack_free(st);
}
