// standard_metadata as ingress and egress see it. k.port becomes egress_spec, k.mcast the
// multicast group; ingress copies what it sees into user metadata, egress reports both views.
#include <core.p4>
#include <v1model.p4>

header k_t { bit<8> port; bit<8> mcast; }
header res_t {
    bit<16> i_port;
    bit<32> i_plen;
    bit<8>  i_itype;
    bit<16> i_eport;
    bit<48> i_ts;
    bit<8>  i_perr;
    bit<16> e_port;
    bit<16> e_spec;
    bit<16> e_inport;
    bit<32> e_plen;
    bit<8>  e_itype;
    bit<48> e_its;
    bit<48> e_ets;
    bit<32> enq_ts;
    bit<32> deq_td;
    bit<24> enq_qd;
    bit<24> deq_qd;
    bit<16> mcast;
    bit<16> rid;
    bit<8>  cksum_err;
    bit<8>  prio;
}

struct headers_t {
    k_t   k;
    res_t res;
}
struct meta_t {
    bit<16> i_port;
    bit<32> i_plen;
    bit<8>  i_itype;
    bit<16> i_eport;
    bit<48> i_ts;
    bit<8>  i_perr;
}

parser P(packet_in pkt, out headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    state start {
        pkt.extract(h.k);
        transition accept;
    }
}

control VC(inout headers_t h, inout meta_t m) { apply { } }

control I(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    apply {
        m.i_port = (bit<16>)sm.ingress_port;
        m.i_plen = sm.packet_length;
        m.i_itype = (bit<8>)sm.instance_type;
        m.i_eport = (bit<16>)sm.egress_port;
        m.i_ts = sm.ingress_global_timestamp;
        m.i_perr = sm.parser_error == error.NoError ? 8w0 : 8w1;
        sm.egress_spec = (bit<9>)h.k.port;
        sm.mcast_grp = (bit<16>)h.k.mcast;
    }
}

control E(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    apply {
        h.res.setValid();
        h.res.i_port = m.i_port;
        h.res.i_plen = m.i_plen;
        h.res.i_itype = m.i_itype;
        h.res.i_eport = m.i_eport;
        h.res.i_ts = m.i_ts;
        h.res.i_perr = m.i_perr;
        h.res.e_port = (bit<16>)sm.egress_port;
        h.res.e_spec = (bit<16>)sm.egress_spec;
        h.res.e_inport = (bit<16>)sm.ingress_port;
        h.res.e_plen = sm.packet_length;
        h.res.e_itype = (bit<8>)sm.instance_type;
        h.res.e_its = sm.ingress_global_timestamp;
        h.res.e_ets = sm.egress_global_timestamp;
        h.res.enq_ts = sm.enq_timestamp;
        h.res.deq_td = sm.deq_timedelta;
        h.res.enq_qd = (bit<24>)sm.enq_qdepth;
        h.res.deq_qd = (bit<24>)sm.deq_qdepth;
        h.res.mcast = sm.mcast_grp;
        h.res.rid = sm.egress_rid;
        h.res.cksum_err = (bit<8>)sm.checksum_error;
        h.res.prio = (bit<8>)sm.priority;
    }
}

control CC(inout headers_t h, inout meta_t m) { apply { } }

control D(packet_out pkt, in headers_t h) {
    apply {
        pkt.emit(h.k);
        pkt.emit(h.res);
    }
}

V1Switch(P(), VC(), I(), E(), CC(), D()) main;
