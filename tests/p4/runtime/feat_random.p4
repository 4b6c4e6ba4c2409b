// random() in a range, and hash() with HashAlgorithm.random (p4sim only: BMv2's hash registry
// has no "random" algorithm, so simple_switch refuses this program at load time).
#include <core.p4>
#include <v1model.p4>

header k_t   { bit<8> lo; bit<8> hi; bit<8> keep; }
header res_t { bit<8> r; bit<16> rh; }

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
    apply {
        h.res.setValid();
        random(h.res.r, h.k.lo, h.k.hi);
        random(h.k.keep, h.k.hi, h.k.lo);
        hash(h.res.rh, HashAlgorithm.random, 16w100, { h.k.lo }, 32w5);
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
