// A table with a direct counter and a direct meter. `fwd` reads the meter colour into
// meta.color; `other` does not, but BMv2 writes the colour on every hit anyway.
#include <core.p4>
#include <v1model.p4>

header k_t   { bit<8> a; }
header res_t { bit<8> color; }

struct headers_t {
    res_t res;
    k_t   k;
}
struct meta_t { bit<8> color; }

parser P(packet_in pkt, out headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    state start {
        pkt.extract(h.k);
        transition accept;
    }
}

control VC(inout headers_t h, inout meta_t m) { apply { } }

control I(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    direct_counter(CounterType.packets_and_bytes) dc;
    direct_meter<bit<8>>(MeterType.packets) dm;

    action fwd(bit<9> port) {
        sm.egress_spec = port;
        dm.read(m.color);
    }
    action other() {
        sm.egress_spec = 1;
    }
    table t {
        key = { h.k.a: exact; }
        actions = { fwd; other; }
        default_action = other();
        counters = dc;
        meters = dm;
    }

    apply {
        m.color = 0x77;
        t.apply();
        h.res.setValid();
        h.res.color = m.color;
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
