// select with masks, ranges, don't-care tuple elements, a parser value set and default.
// The parser records which state it reached in meta.path; ingress copies it into `res`.
#include <core.p4>
#include <v1model.p4>

header k_t   { bit<8> a; bit<8> b; bit<16> c; }
header res_t { bit<8> path; }

struct headers_t {
    res_t res;
    k_t   k;
}
struct meta_t { bit<8> path; }

parser P(packet_in pkt, out headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    value_set<bit<16>>(4) vs;

    state start {
        pkt.extract(h.k);
        transition select(h.k.a, h.k.b) {
            (8w0x10 &&& 8w0xF0, 8w1): s1;
            (8w0x20 .. 8w0x2F, _): s2;
            (8w0x30, 8w0x01 &&& 8w0x01): s3;
            default: check_c;
        }
    }
    state check_c {
        transition select(h.k.c) {
            vs: s4;
            16w0xFFFF: s5;
            16w0x8000 &&& 16w0x8000: s6;
            default: s7;
        }
    }
    state s1 { m.path = 1; transition accept; }
    state s2 { m.path = 2; transition accept; }
    state s3 { m.path = 3; transition accept; }
    state s4 { m.path = 4; transition accept; }
    state s5 { m.path = 5; transition accept; }
    state s6 { m.path = 6; transition accept; }
    state s7 { m.path = 7; transition accept; }
}

control VC(inout headers_t h, inout meta_t m) { apply { } }

control I(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    apply {
        h.res.setValid();
        h.res.path = m.path;
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
