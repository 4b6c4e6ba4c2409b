// Registers, indexed counters and meters. k.idx selects the cell: the register keeps a running
// sum of k.v (the old value is reported), the counters count the packet, the meters colour it.
#include <core.p4>
#include <v1model.p4>

header k_t   { bit<8> idx; bit<16> v; int<8> sv; }
header res_t { bit<16> old; int<8> sold; bit<8> color_b; bit<8> color_p; }

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
    register<bit<16>>(8) sums;
    register<int<8>>(2) signed_cells;
    counter(8, CounterType.packets_and_bytes) pkts_bytes;
    counter(4, CounterType.packets) pkts;
    meter(4, MeterType.bytes) by_bytes;
    meter(4, MeterType.packets) by_packets;

    apply {
        bit<32> idx = (bit<32>)h.k.idx;
        bit<16> old;
        int<8> sold;
        h.res.setValid();
        sums.read(index = idx, result = old);
        sums.write(idx, old + h.k.v);
        h.res.old = old;
        signed_cells.read(sold, idx);
        signed_cells.write(idx, h.k.sv);
        h.res.sold = sold;
        pkts_bytes.count(idx);
        pkts.count(idx);
        by_bytes.execute_meter(idx, h.res.color_b);
        by_packets.execute_meter(idx, h.res.color_p);
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
