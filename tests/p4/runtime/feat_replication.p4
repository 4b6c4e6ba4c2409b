// Packet copies: I2E and E2E clones (plain and preserving field lists), resubmit and
// recirculate preserving field lists, multicast. k.op picks the case; egress reports what each
// copy sees in `res`: instance types, the user metadata that survived, egress_rid, ports and
// packet_length.
#include <core.p4>
#include <v1model.p4>

header k_t { bit<8> op; bit<8> arg; }
header res_t {
    bit<8>  in_itype;
    bit<8>  e_itype;
    bit<8>  keep;
    bit<8>  lost;
    bit<16> both;
    bit<16> rid;
    bit<16> in_port;
    bit<16> e_port;
    bit<32> plen;
    bit<8>  passes;
}

struct headers_t {
    k_t   k;
    res_t res;
}
struct meta_t {
    @field_list(1)
    bit<8>  keep;
    bit<8>  lost;
    @field_list(1, 2)
    bit<16> both;
    @field_list(1, 2)
    bit<8>  passes;
    bit<8>  in_itype;
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
        m.passes = m.passes + 1;
        m.in_itype = (bit<8>)sm.instance_type;
        if (sm.instance_type == 0) {
            m.keep = 0x11;
            m.lost = 0x22;
            m.both = 0x3333;
        }
        sm.egress_spec = 2;
        if (h.k.op == 1) {
            clone(CloneType.I2E, 5);
        } else if (h.k.op == 2) {
            clone_preserving_field_list(CloneType.I2E, 5, 1);
        } else if (h.k.op == 4) {
            if (sm.instance_type == 0) {
                resubmit_preserving_field_list(1);
            }
        } else if (h.k.op == 6) {
            sm.mcast_grp = 1;
        } else if (h.k.op == 7) {
            clone_preserving_field_list(CloneType.I2E, 6, 1);
        } else if (h.k.op == 8) {
            clone(CloneType.I2E, 5);
            mark_to_drop(sm);
        } else if (h.k.op == 9) {
            clone(CloneType.I2E, 99);
        }
    }
}

control E(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    apply {
        if (h.k.op == 3 && sm.instance_type == 0) {
            clone_preserving_field_list(CloneType.E2E, 6, 2);
        }
        if (h.k.op == 5 && m.passes == 1) {
            recirculate_preserving_field_list(2);
        }
        h.res.setValid();
        h.res.in_itype = m.in_itype;
        h.res.e_itype = (bit<8>)sm.instance_type;
        h.res.keep = m.keep;
        h.res.lost = m.lost;
        h.res.both = m.both;
        h.res.rid = sm.egress_rid;
        h.res.in_port = (bit<16>)sm.ingress_port;
        h.res.e_port = (bit<16>)sm.egress_port;
        h.res.plen = sm.packet_length;
        h.res.passes = m.passes;
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
