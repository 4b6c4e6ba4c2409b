/*
 * v1model.p4 -- p4sim's declaration of the v1model architecture.
 *
 * v1model is the architecture of BMv2's simple_switch: a parser, a
 * checksum-verification control, ingress and egress pipelines separated by
 * the traffic manager, a checksum-update control and a deparser.  The
 * declarations below have the same names, type parameters, parameter
 * names, directions, types and annotations as the v1model.p4 shipped with
 * p4c, so programs behave alike under both compilers.  Behaviour lives in
 * p4sim's compiler and executor.  See README.md in this directory.
 *
 * Versions.  As in p4c, a program may `#define V1MODEL_VERSION 20200408`
 * before including this file to get index-type-generic counter, meter and
 * register externs and the PortId_t typedef.  Without it the original
 * 20180101 flavour applies (bit<32> indices), which is what p4c uses too.
 */

#ifndef _V1_MODEL_P4_
#define _V1_MODEL_P4_

#include "core.p4"

#ifndef V1MODEL_VERSION
#define V1MODEL_VERSION 20180101
#endif

/* Extra match kinds supported by v1model tables. */
match_kind {
    range,     // lo <= key <= hi
    optional,  // exact match, or wildcard on the whole field
    selector   // key feeds the hash of an action_selector
}

/* The flavour in effect, visible to P4 code. */
const bit<32> __v1model_version = V1MODEL_VERSION;

#if V1MODEL_VERSION >= 20200408
typedef bit<9> PortId_t;
#endif

/*
 * Per-packet intrinsic metadata shared by the program and the switch.
 * Field order and widths are part of the interface (BMv2 JSON and
 * P4Runtime see them); @alias gives the name BMv2 uses internally.
 */
@metadata @name("standard_metadata")
struct standard_metadata_t {
#if V1MODEL_VERSION >= 20200408
    PortId_t ingress_port;  // port the packet arrived on
    PortId_t egress_spec;   // output port chosen in ingress (511 = drop)
    PortId_t egress_port;   // actual output port, read-only in egress
#else
    bit<9> ingress_port;    // port the packet arrived on
    bit<9> egress_spec;     // output port chosen in ingress (511 = drop)
    bit<9> egress_port;     // actual output port, read-only in egress
#endif
    bit<32> instance_type;  // normal, clone, recirculated, replicated, ...
    bit<32> packet_length;  // bytes, as received

    // Traffic-manager queue state, valid in egress.
    @alias("queueing_metadata.enq_timestamp")
    bit<32> enq_timestamp;  // enqueue time, microseconds
    @alias("queueing_metadata.enq_qdepth")
    bit<19> enq_qdepth;     // queue depth when enqueued, in packets
    @alias("queueing_metadata.deq_timedelta")
    bit<32> deq_timedelta;  // time spent in the queue, microseconds
    @alias("queueing_metadata.deq_qdepth")
    bit<19> deq_qdepth;     // queue depth when dequeued, in packets

    // Switch-wide intrinsic metadata.
    @alias("intrinsic_metadata.ingress_global_timestamp")
    bit<48> ingress_global_timestamp;  // microseconds since switch start
    @alias("intrinsic_metadata.egress_global_timestamp")
    bit<48> egress_global_timestamp;   // microseconds since switch start
    @alias("intrinsic_metadata.mcast_grp")
    bit<16> mcast_grp;      // multicast group set in ingress (0 = none)
    @alias("intrinsic_metadata.egress_rid")
    bit<16> egress_rid;     // replica id of a multicast copy, in egress

    bit<1> checksum_error;  // set to 1 when verify_checksum* fails
    error parser_error;     // error the parser finished with

    @alias("intrinsic_metadata.priority")
    bit<3> priority;        // queue priority for the packet
}

/* What a counter counts. */
enum CounterType {
    packets,
    bytes,
    packets_and_bytes
}

/* What a meter measures. */
enum MeterType {
    packets,
    bytes
}

/* Results of execute_meter/read, as integers in a bit<W>, W >= 2. */
#define V1MODEL_METER_COLOR_GREEN  0
#define V1MODEL_METER_COLOR_YELLOW 1
#define V1MODEL_METER_COLOR_RED    2

#if V1MODEL_VERSION >= 20200408

/* Array of `size` counters, indexed by a value of type I. */
extern counter<I> {
    counter(bit<32> size, CounterType type);
    // Count this packet in cell `index`; out-of-range indices are ignored.
    void count(in I index);
}

/* Array of `size` meters, indexed by a value of type I. */
extern meter<I> {
    meter(bit<32> size, MeterType type);
    // Meter this packet in cell `index`, writing its colour to `result`.
    void execute_meter<T>(in I index, out T result);
}

/* Array of `size` values of type T, indexed by a value of type I. */
extern register<T, I> {
    register(bit<32> size);
    // Read cell `index` into `result`.
    @noSideEffects
    void read(out T result, in I index);
    // Store `value` into cell `index`; out-of-range indices are ignored.
    void write(in I index, in T value);
}

#else

/* Array of `size` counters, indexed by bit<32>. */
extern counter {
    counter(bit<32> size, CounterType type);
    // Count this packet in cell `index`; out-of-range indices are ignored.
    void count(in bit<32> index);
}

/* Array of `size` meters, indexed by bit<32>. */
extern meter {
    meter(bit<32> size, MeterType type);
    // Meter this packet in cell `index`, writing its colour to `result`.
    void execute_meter<T>(in bit<32> index, out T result);
}

/* Array of `size` values of type T, indexed by bit<32>. */
extern register<T> {
    register(bit<32> size);
    // Read cell `index` into `result`.
    @noSideEffects
    void read(out T result, in bit<32> index);
    // Store `value` into cell `index`; out-of-range indices are ignored.
    void write(in bit<32> index, in T value);
}

#endif

/*
 * One counter per entry of the table that lists it in its `counters`
 * property; the matched entry is counted whenever the table hits.
 */
extern direct_counter {
    direct_counter(CounterType type);
    // Optional explicit call; counting happens anyway.
    void count();
}

/*
 * One meter per entry of the table that lists it in its `meters`
 * property; the matched entry's meter runs whenever the table hits.
 */
extern direct_meter<T> {
    direct_meter(MeterType type);
    // In an action of that table: the colour of this packet.
    void read(out T result);
}

/* Shared action storage for a table: `implementation = action_profile(N)`. */
extern action_profile {
    action_profile(bit<32> size);
}

/* Uniform random value in lo..hi inclusive; T is a bit<W>. */
extern void random<T>(out T result, in T lo, in T hi);

/* Send `data` to the controller; a named struct T names the digest. */
extern void digest<T>(in bit<32> receiver, in T data);

/* Hash and checksum algorithms understood by hash() and the checksum externs. */
enum HashAlgorithm {
    crc32,
    crc32_custom,
    crc16,
    crc16_custom,
    random,
    identity,
    csum16,
    xor16
}

/* Old form without arguments. */
@deprecated("Please use mark_to_drop(standard_metadata) instead.")
extern void mark_to_drop();

/* Set egress_spec to the drop port and clear mcast_grp. */
@pure
extern void mark_to_drop(inout standard_metadata_t standard_metadata);

/*
 * result = base + (H mod max), H the hash of the tuple `data` with `algo`;
 * result = base when max is 0.  O, T, M are bit<W> types.
 */
@pure
extern void hash<O, T, D, M>(out O result, in HashAlgorithm algo, in T base, in D data, in M max);

/*
 * Action profile whose members are grouped; the member of a group is
 * picked by hashing the table's `selector` key fields with `algorithm`,
 * keeping `outputWidth` bits of the hash.
 */
extern action_selector {
    action_selector(HashAlgorithm algorithm, bit<32> size, bit<32> outputWidth);
}

/* Where a clone is injected: ingress-to-egress or egress-to-egress. */
enum CloneType {
    I2E,
    E2E
}

/* Old checksum unit; kept for programs that still use it. */
@deprecated("Please use verify_checksum/update_checksum instead.")
extern Checksum16 {
    Checksum16();
    bit<16> get<D>(in D data);
}

/*
 * Checksum externs, legal in VerifyChecksum / ComputeChecksum only.
 * T is a tuple of bit<W>/int<W>/varbit<W> fields, O a bit<W> checksum,
 * algo a compile-time constant.  Nothing happens when condition is false.
 */

/* Sets standard_metadata.checksum_error when checksum does not match data. */
extern void verify_checksum<T, O>(in bool condition, in T data, in O checksum, HashAlgorithm algo);

/* Writes the checksum of data into checksum. */
@pure
extern void update_checksum<T, O>(in bool condition, in T data, inout O checksum, HashAlgorithm algo);

/* As verify_checksum, with the unparsed payload appended to data. */
extern void verify_checksum_with_payload<T, O>(in bool condition, in T data, in O checksum, HashAlgorithm algo);

/* As update_checksum, with the unparsed payload appended to data. */
@noSideEffects
extern void update_checksum_with_payload<T, O>(in bool condition, in T data, inout O checksum, HashAlgorithm algo);

/* Clone the packet to the clone session `session`, carrying no metadata. */
extern void clone(in CloneType type, in bit<32> session);

/* Old resubmit that took the metadata to keep as an argument. */
@deprecated("Please use 'resubmit_preserving_field_list' instead")
extern void resubmit<T>(in T data);

/*
 * Re-run ingress on the original packet at the end of ingress, keeping
 * user metadata fields annotated @field_list(index).
 */
extern void resubmit_preserving_field_list(bit<8> index);

/* Old recirculate that took the metadata to keep as an argument. */
@deprecated("Please use 'recirculate_preserving_field_list' instead")
extern void recirculate<T>(in T data);

/*
 * Send the deparsed packet back to the parser at the end of egress,
 * keeping user metadata fields annotated @field_list(index).
 */
extern void recirculate_preserving_field_list(bit<8> index);

/* Old clone that took the metadata to keep as an argument. */
@deprecated("Please use 'clone_preserving_field_list' instead")
extern void clone3<T>(in CloneType type, in bit<32> session, in T data);

/* clone(), keeping user metadata fields annotated @field_list(index). */
extern void clone_preserving_field_list(in CloneType type, in bit<32> session, bit<8> index);

/* Emit at most `length` bytes of the packet. */
extern void truncate(in bit<32> length);

/* Run-time check: when false the target logs an error and stops (BMv2 aborts). */
extern void assert(in bool check);

/* Same as assert at run time; verification tools take it as an assumption. */
extern void assume(in bool check);

/* Write a message to the switch log; `{}` in msg is replaced by a field of data. */
extern void log_msg(string msg);
extern void log_msg<T>(string msg, in T data);

/*
 * The architecture.  H is a struct of headers, header stacks and header
 * unions; M is a struct of user metadata.  The name `standard_metadata`
 * is reserved.
 */

parser Parser<H, M>(packet_in b,
                    out H parsedHdr,
                    inout M meta,
                    inout standard_metadata_t standard_metadata);

/* Body may only contain blocks, verify_checksum* calls and return. */
control VerifyChecksum<H, M>(inout H hdr,
                             inout M meta);

@pipeline
control Ingress<H, M>(inout H hdr,
                      inout M meta,
                      inout standard_metadata_t standard_metadata);

@pipeline
control Egress<H, M>(inout H hdr,
                     inout M meta,
                     inout standard_metadata_t standard_metadata);

/* Body may only contain blocks, update_checksum* calls and return. */
control ComputeChecksum<H, M>(inout H hdr,
                              inout M meta);

@deparser
control Deparser<H>(packet_out b, in H hdr);

/* Instantiated by every program as `V1Switch(...) main;`. */
package V1Switch<H, M>(Parser<H, M> p,
                       VerifyChecksum<H, M> vr,
                       Ingress<H, M> ig,
                       Egress<H, M> eg,
                       ComputeChecksum<H, M> ck,
                       Deparser<H> dep
                       );

#endif  /* _V1_MODEL_P4_ */
