// An action profile table (members only) and an action selector table whose group member is
// chosen by the crc16 of the selector fields (k.a, k.c), as BMv2 does.
#include <core.p4>
#include <v1model.p4>

header k_t   { bit<8> a; bit<8> b; bit<16> c; }
header res_t { bit<8> v1; bit<8> v2; bit<8> hits; }

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
    action_profile(32w16) ap;
    action_selector(HashAlgorithm.crc16, 32w16, 32w16) sel;

    action set_v1(bit<8> v) { h.res.v1 = v; }
    action set_v2(bit<8> v) { h.res.v2 = v; }

    table t_prof {
        key = { h.k.a: exact; }
        actions = { set_v1; NoAction; }
        implementation = ap;
    }
    table t_sel {
        key = { h.k.b: exact; h.k.a: selector; h.k.c: selector; }
        actions = { set_v2; NoAction; }
        implementation = sel;
    }

    apply {
        h.res.setValid();
        if (t_prof.apply().hit) { h.res.hits = h.res.hits | 1; }
        if (t_sel.apply().hit) { h.res.hits = h.res.hits | 2; }
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
