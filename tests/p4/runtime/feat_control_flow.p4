// Control flow: a sub-parser, a sub-control with its own table, a function with out/inout
// parameters and a return value, an action called directly with an inout argument, switch on
// action_run and on a value, exit (in the apply block and in an action), log_msg, assert and
// assume. k.op selects the case.
#include <core.p4>
#include <v1model.p4>

header k_t { bit<8> op; bit<8> a; bit<8> b; }
header x_t { bit<8> v; }
header res_t {
    bit<8> fn_ret;
    bit<8> fn_out;
    bit<8> fn_acc;
    bit<8> inout_a;
    bit<8> sub;
    bit<8> sw_act;
    bit<8> sw_val;
    bit<8> exit_mark;
    bit<8> sp;
    bit<8> eg;
}

struct headers_t {
    k_t   k;
    x_t   x;
    res_t res;
}
struct meta_t { bit<8> count; }

parser SubP(packet_in pkt, out x_t x, inout bit<8> count) {
    state start {
        pkt.extract(x);
        count = count + 1;
        transition accept;
    }
}

parser P(packet_in pkt, out headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    SubP() sub;
    state start {
        pkt.extract(h.k);
        m.count = 10;
        transition select(h.k.op) {
            9: parse_x;
            default: accept;
        }
    }
    state parse_x {
        sub.apply(pkt, h.x, m.count);
        transition accept;
    }
}

control VC(inout headers_t h, inout meta_t m) { apply { } }

bit<8> add_and_double(in bit<8> x, out bit<8> doubled, inout bit<8> acc) {
    doubled = x << 1;
    acc = acc + x;
    return x + 1;
}

control SubC(inout bit<8> v, in bit<8> k) {
    action twice() { v = v * 2; }
    table st {
        key = { k: exact; }
        actions = { twice; NoAction; }
        default_action = NoAction();
    }
    apply {
        v = v + 1;
        st.apply();
    }
}

control I(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    SubC() sc;

    action bump(inout bit<8> v, bit<8> by) { v = v + by; }
    action set_a() { h.res.sw_act = 1; }
    action set_b() { h.res.sw_act = 2; }
    action leave() {
        h.res.exit_mark = 3;
        exit;
    }
    table ts {
        key = { h.k.a: exact; }
        actions = { set_a; set_b; NoAction; }
        default_action = NoAction();
    }

    apply {
        sm.egress_spec = 1;
        h.res.setValid();
        log_msg("op={} a={}", { h.k.op, h.k.a });
        bit<8> out_v;
        bit<8> acc = h.k.b;
        h.res.fn_ret = add_and_double(h.k.a, out_v, acc);
        h.res.fn_out = out_v;
        h.res.fn_acc = acc;
        h.res.inout_a = h.k.a;
        bump(h.res.inout_a, 3);
        h.res.sub = h.k.a;
        sc.apply(h.res.sub, h.k.b);
        switch (ts.apply().action_run) {
            set_a: { h.res.sw_act = h.res.sw_act + 10; }
            set_b: { }
            default: { h.res.sw_act = 0x55; }
        }
        switch (h.k.b) {
            1: { h.res.sw_val = 0x10; }
            2:
            3: { h.res.sw_val = 0x23; }
            default: { h.res.sw_val = 0xDD; }
        }
        if (h.x.isValid()) {
            h.res.sp = m.count + h.x.v;
        }
        if (h.k.op == 2) {
            h.res.exit_mark = 1;
            exit;
        }
        if (h.k.op == 3) {
            leave();
            h.res.exit_mark = 4;
        }
        if (h.k.op == 5) {
            assert(h.k.a != 0);
        }
        if (h.k.op == 6) {
            assume(h.k.a != 0);
        }
        h.res.exit_mark = h.res.exit_mark + 0x80;
    }
}

control E(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    apply {
        h.res.eg = 0xE0;
        log_msg("egress");
    }
}

control CC(inout headers_t h, inout meta_t m) { apply { } }

control D(packet_out pkt, in headers_t h) {
    apply {
        pkt.emit(h.k);
        pkt.emit(h.x);
        pkt.emit(h.res);
    }
}

V1Switch(P(), VC(), I(), E(), CC(), D()) main;
