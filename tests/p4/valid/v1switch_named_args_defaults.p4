// covers: V1Switch with named arguments out of order; action parameter default values in a default action
#include <core.p4>
#include <v1model.p4>
header h_t { bit<8> a; }
struct H { h_t h; }
struct M { }
parser P(packet_in p, out H hdr, inout M m, inout standard_metadata_t sm) { state start { p.extract(hdr.h); transition accept; } }
control VC(inout H hdr, inout M m) { apply { } }
control I(inout H hdr, inout M m, inout standard_metadata_t sm) {
  action add(bit<8> va, bit<8> vb = 0) { hdr.h.a = va + vb; }
  table t { key = { hdr.h.a: exact; } actions = { add; } const default_action = add(10); }
  apply { t.apply(); }
}
control E(inout H hdr, inout M m, inout standard_metadata_t sm) { apply { } }
control CC(inout H hdr, inout M m) { apply { } }
control D(packet_out p, in H hdr) { apply { p.emit(hdr.h); } }
V1Switch(p = P(), ig = I(), vr = VC(), eg = E(), ck = CC(), dep = D()) main;
