// hash() with every algorithm BMv2 implements, a base and a max, and a field of a header that
// is only valid when k.flags == 1 (BMv2 leaves fields of invalid headers out of the data).
// One call passes its arguments by name, in another order than declared.
#include <core.p4>
#include <v1model.p4>

header k_t   { bit<32> a; bit<16> b; bit<8> c; bit<8> flags; }
header opt_t { bit<16> x; }
header res_t {
    bit<16> crc16;
    bit<32> crc32;
    bit<16> crc16c;
    bit<32> crc32c;
    bit<48> ident;
    bit<16> csum;
    bit<16> xor;
    bit<16> based;
    bit<32> opt;
    bit<8>  narrow;
}

struct headers_t {
    res_t res;
    k_t   k;
    opt_t o;
}
struct meta_t { }

parser P(packet_in pkt, out headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    state start {
        pkt.extract(h.k);
        transition select(h.k.flags) {
            1: parse_opt;
            default: accept;
        }
    }
    state parse_opt {
        pkt.extract(h.o);
        transition accept;
    }
}

control VC(inout headers_t h, inout meta_t m) { apply { } }

control I(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    apply {
        h.res.setValid();
        hash(h.res.crc16, HashAlgorithm.crc16, 16w0, { h.k.a, h.k.b, h.k.c }, 32w65536);
        hash(h.res.crc32, HashAlgorithm.crc32, 32w0, { h.k.a, h.k.b, h.k.c }, 64w4294967296);
        hash(h.res.crc16c, HashAlgorithm.crc16_custom, 16w0, { h.k.a, h.k.b, h.k.c }, 32w65536);
        hash(h.res.crc32c, HashAlgorithm.crc32_custom, 32w0, { h.k.a, h.k.b, h.k.c },
             64w4294967296);
        hash(h.res.ident, HashAlgorithm.identity, 48w0, { h.k.a, h.k.b }, 64w281474976710656);
        hash(h.res.csum, HashAlgorithm.csum16, 16w0, { h.k.a, h.k.b, h.k.c, h.k.flags },
             32w65536);
        hash(h.res.xor, HashAlgorithm.xor16, 16w0, { h.k.a, h.k.b, h.k.c, h.k.flags }, 32w65536);
        hash(max = 32w7, data = { h.k.a }, base = 16w1000, algo = HashAlgorithm.crc16,
             result = h.res.based);
        hash(h.res.opt, HashAlgorithm.crc32, 32w0, { h.k.c, h.o.x }, 64w4294967296);
        hash(h.res.narrow, HashAlgorithm.crc32, 32w0, { h.k.a }, 64w4294967296);
        sm.egress_spec = 1;
    }
}

control E(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) { apply { } }
control CC(inout headers_t h, inout meta_t m) { apply { } }

control D(packet_out pkt, in headers_t h) {
    apply {
        pkt.emit(h.res);
        pkt.emit(h.k);
        pkt.emit(h.o);
    }
}

V1Switch(P(), VC(), I(), E(), CC(), D()) main;
