// Match kinds: exact (two fields), lpm, ternary with priorities, range with an exact field,
// optional, and a table with const entries and a const default action. Each table writes its
// own result byte; `hits` has one bit per table that hit.
#include <core.p4>
#include <v1model.p4>

header k_t   { bit<8> a; bit<8> b; bit<32> w; bit<16> c; }
header res_t { bit<8> ex; bit<8> lpm; bit<8> tern; bit<8> rng; bit<8> opt; bit<8> cst; bit<8> hits; }

struct headers_t {
    res_t res;
    k_t   k;
}
struct meta_t { }

parser P(packet_in pkt, out headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    state start {
        pkt.extract(h.k);
        transition accept;
    }
}

control VC(inout headers_t h, inout meta_t m) { apply { } }

control I(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    action set_ex(bit<8> v) { h.res.ex = v; }
    action set_signed(int<8> v) { h.res.ex = (bit<8>)(v >> 1); }
    action set_lpm(bit<8> v) { h.res.lpm = v; }
    action set_tern(bit<8> v) { h.res.tern = v; }
    action set_rng(bit<8> v) { h.res.rng = v; }
    action set_opt(bit<8> v) { h.res.opt = v; }
    action set_cst(bit<8> v) { h.res.cst = v; }

    table t_exact {
        key = { h.k.a: exact; h.k.b: exact; }
        actions = { set_ex; set_signed; NoAction; }
        default_action = set_ex(0xEE);
    }
    table t_lpm {
        key = { h.k.w: lpm; }
        actions = { set_lpm; }
        default_action = set_lpm(0);
    }
    table t_tern {
        key = { h.k.a: ternary; h.k.b: ternary; }
        actions = { set_tern; }
        default_action = set_tern(0);
    }
    table t_range {
        key = { h.k.c: range; h.k.a: exact; }
        actions = { set_rng; }
        default_action = set_rng(0);
    }
    table t_opt {
        key = { h.k.a: optional; h.k.b: optional; }
        actions = { set_opt; }
        default_action = set_opt(0);
    }
    table t_const {
        key = { h.k.a: ternary; h.k.c: range; }
        actions = { set_cst; }
        const entries = {
            (8w0x10 &&& 8w0xF0, 16w0 .. 16w100): set_cst(1);
            (8w0x12, _): set_cst(2);
            (_, 16w50 .. 16w60): set_cst(3);
        }
        const default_action = set_cst(0xFF);
    }

    apply {
        h.res.setValid();
        if (t_exact.apply().hit) { h.res.hits = h.res.hits | 1; }
        if (t_lpm.apply().hit) { h.res.hits = h.res.hits | 2; }
        if (t_tern.apply().hit) { h.res.hits = h.res.hits | 4; }
        if (t_range.apply().hit) { h.res.hits = h.res.hits | 8; }
        if (t_opt.apply().hit) { h.res.hits = h.res.hits | 16; }
        if (t_const.apply().hit) { h.res.hits = h.res.hits | 32; }
        sm.egress_spec = 1;
    }
}

control E(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) { apply { } }
control CC(inout headers_t h, inout meta_t m) { apply { } }

control D(packet_out pkt, in headers_t h) {
    apply {
        pkt.emit(h.res);
        pkt.emit(h.k);
    }
}

V1Switch(P(), VC(), I(), E(), CC(), D()) main;
