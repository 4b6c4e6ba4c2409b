// covers: digest<T>(r, {...}) and digest<T>(r, {f = ...}): a list or initializer passed as the struct T
#include <core.p4>
#include <v1model.p4>
header ethernet_t { bit<48> dst; bit<48> src; bit<16> etherType; }
struct learn_t { bit<48> mac; bit<9> port; }
struct headers { ethernet_t eth; }
struct metadata { }
parser P(packet_in p, out headers h, inout metadata m, inout standard_metadata_t s) {
  state start { p.extract(h.eth); transition accept; } }
control VC(inout headers h, inout metadata m) { apply { } }
control I(inout headers h, inout metadata m, inout standard_metadata_t s) {
  apply {
    digest<learn_t>(1, {h.eth.src, s.ingress_port});
    digest<learn_t>(1, {mac = h.eth.src, port = s.ingress_port});
  } }
control E(inout headers h, inout metadata m, inout standard_metadata_t s) { apply { } }
control CC(inout headers h, inout metadata m) { apply { } }
control D(packet_out p, in headers h) { apply { p.emit(h.eth); } }
V1Switch(P(), VC(), I(), E(), CC(), D()) main;
