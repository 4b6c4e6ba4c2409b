// Arithmetic edge cases: unsigned/signed wrap-around, saturating operators, shifts by run-time
// amounts (including >= width), negation and complement, concatenation, slices read and
// written, casts between widths and signedness, comparisons, and a 72-bit value.
#include <core.p4>
#include <v1model.p4>

header in_t {
    bit<8>  a;
    bit<8>  b;
    int<8>  sa;
    int<8>  sb;
    bit<8>  sh;
    bit<32> w;
}

header out_t {
    bit<8>  add;
    bit<8>  sub;
    bit<8>  mul;
    bit<8>  usat_add;
    bit<8>  usat_sub;
    int<8>  ssat_add;
    int<8>  ssat_sub;
    int<8>  sadd;
    int<8>  ssub;
    bit<8>  shl;
    bit<8>  shr;
    int<8>  sshl;
    int<8>  sshr;
    bit<8>  shc;
    bit<8>  neg;
    bit<8>  inv;
    int<8>  sneg;
    int<8>  sinv;
    bit<8>  bits;
    bit<16> cat;
    bit<16> slc;
    bit<32> lv;
    bit<16> zext;
    bit<4>  trunc;
    bit<1>  slt;
    bit<1>  ult;
    bit<1>  eq;
    bit<1>  sge;
    int<16> sext;
    bit<8>  reint;
    int<8>  toint;
    bit<16> sext_u;
    bit<72> wide;
}

struct headers_t {
    in_t  i;
    out_t o;
}
struct meta_t { }

parser P(packet_in pkt, out headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    state start {
        pkt.extract(h.i);
        transition accept;
    }
}

control VC(inout headers_t h, inout meta_t m) { apply { } }

control I(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    apply {
        h.o.setValid();
        h.o.add = h.i.a + h.i.b;
        h.o.sub = h.i.a - h.i.b;
        h.o.mul = h.i.a * h.i.b;
        h.o.usat_add = h.i.a |+| h.i.b;
        h.o.usat_sub = h.i.a |-| h.i.b;
        h.o.ssat_add = h.i.sa |+| h.i.sb;
        h.o.ssat_sub = h.i.sa |-| h.i.sb;
        h.o.sadd = h.i.sa + h.i.sb;
        h.o.ssub = h.i.sa - h.i.sb;
        h.o.shl = h.i.a << h.i.sh;
        h.o.shr = h.i.a >> h.i.sh;
        h.o.sshl = h.i.sa << h.i.sh;
        h.o.sshr = h.i.sa >> h.i.sh;
        h.o.shc = (h.i.a << 3) | (h.i.b >> 7);
        h.o.neg = -h.i.a;
        h.o.inv = ~h.i.a;
        h.o.sneg = -h.i.sa;
        h.o.sinv = ~h.i.sa;
        h.o.bits = (h.i.a & h.i.b) ^ (h.i.a | 8w0x0F);
        h.o.cat = h.i.a ++ h.i.b;
        h.o.slc = h.i.w[23:8];
        h.o.lv = h.i.w;
        h.o.lv[7:0] = h.i.a;
        h.o.lv[31:24] = h.i.b;
        h.o.lv[15:12] = h.i.a[3:0];
        h.o.zext = (bit<16>)h.i.a;
        h.o.trunc = (bit<4>)h.i.a;
        h.o.slt = (bit<1>)(h.i.sa < h.i.sb);
        h.o.ult = (bit<1>)(h.i.a < h.i.b);
        h.o.eq = (bit<1>)(h.i.a == h.i.b);
        h.o.sge = (bit<1>)(h.i.sa >= h.i.sb);
        h.o.sext = (int<16>)h.i.sa;
        h.o.reint = (bit<8>)h.i.sa;
        h.o.toint = (int<8>)h.i.a;
        h.o.sext_u = (bit<16>)(int<16>)h.i.sa;
        h.o.wide = ((bit<72>)h.i.w << 40) + (bit<72>)h.i.a - 1;
        sm.egress_spec = 1;
    }
}

control E(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) { apply { } }
control CC(inout headers_t h, inout meta_t m) { apply { } }

control D(packet_out pkt, in headers_t h) {
    apply {
        pkt.emit(h.i);
        pkt.emit(h.o);
    }
}

V1Switch(P(), VC(), I(), E(), CC(), D()) main;
