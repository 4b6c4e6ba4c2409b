/*
 * core.p4 -- p4sim's declaration of the P4-16 core library.
 *
 * Every P4-16 program starts with `#include <core.p4>`.  The declarations
 * below are the public interface that programs (and p4c) rely on: their
 * names, type parameters, parameter names, directions and types match the
 * core.p4 shipped with p4c, so a program written against one compiles
 * against the other.  Behaviour lives in the p4sim compiler and executor,
 * not here.  See README.md in this directory.
 */

#ifndef _CORE_P4_
#define _CORE_P4_

/*
 * Built-in error codes.  Programs may add their own with further
 * `error { ... }` declarations; all of them share one namespace.
 */
error {
    NoError,               // nothing went wrong
    PacketTooShort,        // extract/lookahead ran past the end of the packet
    NoMatch,               // a select expression had no matching case
    StackOutOfBounds,      // header stack index (next, push, ...) out of range
    HeaderTooShort,        // varbit extract asked for more bits than the field holds
    ParserTimeout,         // the parser exceeded the target's time budget
    ParserInvalidArgument  // a parser operation got an argument it cannot use
}

/*
 * Input packet seen by a parser.  The cursor starts at the first bit of
 * the packet and only moves forward.
 */
extern packet_in {
    // Copy a fixed-size header out of the packet, mark it valid and
    // advance the cursor past it.
    void extract<T>(out T hdr);
    // Same, for a header with exactly one varbit field; the second
    // argument is the number of bits that field takes in this packet.
    void extract<T>(out T variableSizeHeader,
                    in bit<32> variableFieldSizeInBits);
    // Read the next bits as a value of type T without moving the cursor.
    T lookahead<T>();
    // Skip the given number of bits.
    void advance(in bit<32> sizeInBits);
    // Total packet length in bytes (not every target offers it).
    bit<32> length();
}

/*
 * Output packet built by a deparser.
 */
extern packet_out {
    // Append hdr: a header, header stack, header union, or a struct of
    // those (emitted member by member); invalid headers are skipped.
    void emit<T>(in T hdr);
}

/*
 * Parser-only check: when `check` is false the parser stops, records
 * `toSignal` as its error and goes to the reject state.
 */
extern void verify(in bool check, in error toSignal);

/*
 * The empty action; also the default action of tables that name none.
 */
@noWarn("unused")
action NoAction() {}

/*
 * Match kinds every architecture understands.  v1model.p4 adds more.
 */
match_kind {
    exact,    // key equals the entry's value
    ternary,  // key equals the value on the bits set in the entry's mask
    lpm       // longest-prefix match
}

/*
 * Compile-time assertion.  Evaluated by the compiler; when `check` is
 * false compilation fails with `message` (or a default text).  Returns
 * bool so it can initialise a constant, e.g.
 *     const bool ok = static_assert(V1MODEL_VERSION >= 20180101, "old");
 */
extern bool static_assert(bool check, string message);
extern bool static_assert(bool check);

#endif  /* _CORE_P4_ */
