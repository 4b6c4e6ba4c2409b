"""Code generation for v1model's extern functions and extern object methods.

Each call becomes a few Python statements acting on the generated values, the per-packet
context `ctx` (clone/resubmit/recirculate requests, digests, checksum error, payload) or a
run-time object (register, counter, meter). The BMv2 behaviours that matter for identical
output are noted where they are implemented.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from p4sim.executor.program import Node, TypeJ, bad_config, bind_arguments, bits_of, plain_name
from p4sim.executor.resources import FieldListSpec
from p4sim.executor.types import class_name, slot

if TYPE_CHECKING:
    from p4sim.executor.codegen import CodeGen


class DataFields:
    """A v1model data list (`{a, b, hdr.h}`) as the bytes BMv2 hashes (its BufBuilder): the
    fields' bits concatenated most-significant first, zero-padded at the end to whole bytes.

    BMv2 leaves the fields of invalid headers out of the data, so each header's fields are
    guarded by its validity. The bytes are built with one integer expression per guard group
    (no per-field loop at run time): hashes and checksums run for every packet.
    """

    def __init__(self, gen: CodeGen) -> None:
        self.gen = gen

    def packed_code(self, e: Node) -> str:
        """An expression for the data bytes; may first emit statements (several guards)."""
        gen = self.gen
        groups: list[tuple[list[tuple[str, int]], str | None]] = []
        self._terms(e, groups, None)
        if not groups:
            return "b''"
        if len(groups) == 1:
            terms, guard = groups[0]
            total = sum(w for _, w in terms)
            pad = -total % 8
            code = f"{_concat(terms, pad)}.to_bytes({(total + pad) // 8}, 'big')"
            return f"({code} if {guard} else b'')" if guard else code
        acc, n = gen.fresh("acc"), gen.fresh("n")
        gen.emit(f"{acc} = 0")
        gen.emit(f"{n} = 0")
        for terms, guard in groups:
            width = sum(w for _, w in terms)
            line = f"{acc} = ({acc} << {width}) | {_concat(terms, 0)}; {n} += {width}"
            gen.emit(f"if {guard}: {line}" if guard else line)
        return f"({acc} << (-{n} & 7)).to_bytes(({n} + 7) >> 3, 'big')"

    def _terms(self, e: Node, groups: list, guard: str | None) -> None:
        gen = self.gen
        kind = e["node"]
        if kind == "ListExpr":
            for item in e["items"]:
                self._terms(item, groups, guard)
            return
        if kind == "StructInit":
            for _, value in e["fields"]:
                self._terms(value, groups, guard)
            return
        t = e["type"]
        if t["t"] in ("header", "struct", "header_union"):
            code = gen.expr(e)
            self._composite(code, t, groups, guard)
            return
        if t["t"] == "stack":
            code = gen.expr(e)
            for i in range(t["size"]):
                self._composite(f"{code}.items[{i}]", t["element"], groups, guard)
            return
        term_guard = guard
        if kind == "Member" and e["expr"]["type"]["t"] == "header":
            term_guard = f"{gen.expr(e['expr'])}.valid_"
        self._add(groups, (gen.key_value(e), gen.width_of(t)), term_guard)

    def _composite(self, code: str, t: TypeJ, groups: list, guard: str | None) -> None:
        prog = self.gen.prog
        if t["t"] == "header":
            guard = f"{code}.valid_"
        for name, ft, _ in prog.fields(t):
            sub = f"{code}.{slot(name)}"
            if ft["t"] in ("header", "struct", "header_union"):
                self._composite(sub, ft, groups, guard)
                continue
            b = bits_of(ft)
            if b is None:
                continue
            value = f"int({sub})" if ft["t"] == "bool" else (
                f"({sub} & {(1 << b[0]) - 1:#x})" if b[1] else sub)
            self._add(groups, (value, b[0]), guard)

    @staticmethod
    def _add(groups: list, term: tuple[str, int], guard: str | None) -> None:
        if groups and groups[-1][1] == guard:
            groups[-1][0].append(term)
        else:
            groups.append(([term], guard))


def _positional(e: Node, overloads: list[list[Node]]) -> list[Node | None]:
    """The call's argument expressions in parameter order (P4 allows named arguments), bound
    to the first overload that has a parameter for each of them."""
    args = e["args"]
    if not any(a.get("name") for a in args):
        return [a.get("value") for a in args]
    names = {a["name"] for a in args}
    for params in overloads:
        if len(params) == len(args) and names <= {p["name"] for p in params}:
            return [value for _, value in bind_arguments(params, args)]
    raise bad_config(f"{e.get('coord', '?')}: cannot match the named arguments of this call")


def _concat(terms: list[tuple[str, int]], pad: int) -> str:
    """The integer of the terms' bits, MSB first, shifted left by `pad` (values are already
    non-negative and within their widths)."""
    shift = sum(w for _, w in terms) + pad
    parts = []
    for code, width in terms:
        shift -= width
        parts.append(f"({code} << {shift})" if shift else f"({code})")
    return "(" + " | ".join(parts) + ")"


class ExternFunctions:
    """v1model/core extern functions."""

    def __init__(self, gen: CodeGen) -> None:
        self.gen = gen

    def call(self, e: Node, statement: bool) -> str | None:
        name = e["target"]["name"]
        method = getattr(self, "fn_" + name, None)
        if method is None:
            raise bad_config(f"{e.get('coord', '?')}: extern function {name} is not supported")
        protos = self.gen.prog.prototypes.get(name, [])
        return method(e, _positional(e, [p["params"] for p in protos]))

    # -- drops and copies
    def fn_mark_to_drop(self, e: Node, args: list) -> None:
        sm = self.gen.expr(args[0]) if args else "ctx.sm"
        # BMv2's mark_to_drop also clears mcast_grp, so a later multicast does not revive it
        self.gen.emit(f"{sm}.f_egress_spec = 511")
        self.gen.emit(f"{sm}.f_mcast_grp = 0")

    def fn_clone(self, e: Node, args: list) -> str:
        return f"ctx.request_clone({self.gen.expr(args[0])}, {self.gen.key_value(args[1])}, None)"

    def fn_clone3(self, e: Node, args: list) -> str:
        fl = self._data_field_list(args[2])
        return (
            f"ctx.request_clone({self.gen.expr(args[0])}, {self.gen.key_value(args[1])}, {fl!r})"
        )

    def fn_clone_preserving_field_list(self, e: Node, args: list) -> str:
        gen = self.gen
        session, index = gen.key_value(args[1]), gen.key_value(args[2])
        return f"ctx.request_clone({gen.expr(args[0])}, {session}, {index})"

    def fn_resubmit(self, e: Node, args: list) -> str:
        return f"ctx.request_resubmit({self._data_field_list(args[0])!r})"

    def fn_resubmit_preserving_field_list(self, e: Node, args: list) -> str:
        return f"ctx.request_resubmit({self.gen.key_value(args[0])})"

    def fn_recirculate(self, e: Node, args: list) -> str:
        return f"ctx.request_recirculate({self._data_field_list(args[0])!r})"

    def fn_recirculate_preserving_field_list(self, e: Node, args: list) -> str:
        return f"ctx.request_recirculate({self.gen.key_value(args[0])})"

    def _data_field_list(self, data: Node) -> str:
        """An old-style field list (`resubmit(meta)`, `clone3(t, s, {meta.a})`): the user
        metadata fields it names become an anonymous field list."""
        gen = self.gen
        key = f"list{len(gen.resources.field_lists)}"
        spec = gen.resources.field_lists.setdefault(key, FieldListSpec())
        items = data["items"] if data["node"] == "ListExpr" else [data]
        meta_root = gen.block.arch_roots.get("meta") if gen.block else None
        for item in items:
            path: list[str] = []
            node = item
            while node["node"] == "Member":
                path.insert(0, slot(node["member"]))
                node = node["expr"]
            if node["node"] != "Name":
                continue
            var = gen.scope.lookup(node["name"])
            if getattr(var, "py", None) != meta_root:
                continue
            if path:
                spec.meta_paths.append(tuple(path))
            else:
                t = item["type"]
                spec.meta_paths.extend((slot(n),) for n, _, _ in gen.prog.fields(t))
        return key

    def fn_truncate(self, e: Node, args: list) -> str:
        return f"ctx.request_truncate({self.gen.key_value(args[0])})"

    # -- hashes, checksums, random
    def _calculation(self, algo: Node) -> str:
        if algo["node"] != "TypeMember":
            raise bad_config(f"{algo.get('coord', '?')}: the hash algorithm must be a constant")
        py = self.gen.fresh("CALC_" + algo["member"])
        self.gen.module.emit(f"{py} = make_calculation({algo['member']!r})")
        return py

    def fn_hash(self, e: Node, args: list) -> None:
        gen = self.gen
        result, algo, base, data, max_ = args
        calc = self._calculation(algo)
        mask = (1 << gen.width_of(result["type"])) - 1
        packed = DataFields(gen).packed_code(data)
        # BMv2: base + (H mod max) in 64 bits, max 0 taken as 1, then cut to the result width
        value = (f"(({calc}({packed}) % ({gen.key_value(max_)} or 1) + {gen.key_value(base)})"
                 f" & {mask:#x})")
        gen.assign(result, value)

    def fn_random(self, e: Node, args: list) -> None:
        """BMv2 draws uniformly from [lo, hi] and leaves the result unwritten when lo > hi."""
        gen = self.gen
        result, lo, hi = args
        lo_py, hi_py = gen.fresh("lo"), gen.fresh("hi")
        gen.emit(f"{lo_py} = {gen.key_value(lo)}")
        gen.emit(f"{hi_py} = {gen.key_value(hi)}")
        gen.emit(f"if {lo_py} <= {hi_py}:")
        gen.fn.depth += 1
        gen.assign(result, f"ctx.random({lo_py}, {hi_py})")
        gen.fn.depth -= 1

    def _checksum(self, args: list, payload: bool) -> tuple[str, str]:
        """(condition, checksum of the data) of a verify/update_checksum call; the payload is
        the packet's unparsed bytes, as BMv2 appends them."""
        gen = self.gen
        cond, data, _, algo = args
        calc = self._calculation(algo)
        packed = DataFields(gen).packed_code(data) + (" + ctx.payload" if payload else "")
        return gen.expr(cond), f"{calc}({packed})"

    def fn_verify_checksum(self, e: Node, args: list, payload: bool = False) -> None:
        """BMv2 skips the check when the checksum field's header is invalid and compares the
        full calculation output with the field (no truncation to the field's width)."""
        cond, value = self._checksum(args, payload)
        checksum = args[2]
        guard = ""
        if checksum["node"] == "Member" and checksum["expr"]["type"]["t"] == "header":
            guard = f"{self.gen.expr(checksum['expr'])}.valid_ and "
        field = self.gen.key_value(checksum)
        self.gen.emit(f"if {guard}{cond} and {value} != {field}:")
        self.gen.emit("    ctx.checksum_error = True")

    def fn_verify_checksum_with_payload(self, e: Node, args: list) -> None:
        self.fn_verify_checksum(e, args, payload=True)

    def fn_update_checksum(self, e: Node, args: list, payload: bool = False) -> None:
        cond, value = self._checksum(args, payload)
        width = self.gen.width_of(args[2]["type"])
        self.gen.emit(f"if {cond}:")
        self.gen.fn.depth += 1
        self.gen.assign(args[2], f"({value} & {(1 << width) - 1:#x})")
        self.gen.fn.depth -= 1

    def fn_update_checksum_with_payload(self, e: Node, args: list) -> None:
        self.fn_update_checksum(e, args, payload=True)

    # -- digests, logging, assertions
    def fn_digest(self, e: Node, args: list) -> str:
        gen = self.gen
        data = args[1]
        name = self._digest_name(e, data)
        # digest<T>(r, {a, b}) passes a list or initializer as the struct T
        declared = e["type_args"][0].get("resolved") if e.get("type_args") else None
        data_t = declared if declared and declared["t"] == "struct" else data["type"]
        gen.resources.digests[name] = data_t
        # BMv2 keeps one learn list id per packet: the last digest() call wins
        return f"ctx.set_digest({name!r}, {self._unsigned(gen.expr(data, data_t), data_t)})"

    def _unsigned(self, code: str, t: TypeJ) -> str:
        """A value as the control plane sees it: nested tuples of unsigned ints (signed fields
        in two's complement, booleans as 0/1), struct and header fields in order."""
        if t["t"] in ("struct", "header"):
            fields = self.gen.prog.fields(t)
            items = [self._unsigned(f"{code}.{slot(name)}", ft) for name, ft, _ in fields]
            return "(" + "".join(item + ", " for item in items) + ")"
        if t["t"] == "tuple":
            items = [self._unsigned(f"{code}[{i}]", et) for i, et in enumerate(t["elements"])]
            return "(" + "".join(item + ", " for item in items) + ")"
        if t["t"] == "bool":
            return f"int({code})"
        b = bits_of(t)
        if b is not None and b[1]:
            return f"({code} & {(1 << b[0]) - 1:#x})"
        return code

    def _digest_name(self, e: Node, data: Node) -> str:
        """The P4Info digest name: the type argument's name (a typedef name stays), else the
        data's struct type name."""
        if e.get("type_args"):
            ref = e["type_args"][0]
            if ref.get("node") == "NamedTypeRef":
                decl = self.gen.prog.types.get(ref["name"])
                return plain_name(decl) if decl is not None else ref["name"]
        t = data["type"]
        if t["t"] == "struct":
            return plain_name(self.gen.prog.struct(t["name"]))
        return f"digest_{len(self.gen.resources.digests)}"

    def fn_log_msg(self, e: Node, args: list) -> str:
        gen = self.gen
        if len(args) == 1:
            return f"ctx.log_msg({gen.expr(args[0])}, ())"
        return f"ctx.log_msg({gen.expr(args[0])}, plain_value({gen.expr(args[1])}))"

    def fn_assert(self, e: Node, args: list) -> None:
        where = e.get("coord", "?")
        self.gen.emit(f"if not {self.gen.expr(args[0])}:")
        self.gen.emit(f"    raise AssertionFailed('assert failed at {where}')")

    def fn_assume(self, e: Node, args: list) -> None:
        self.fn_assert(e, args)

    def fn_verify(self, e: Node, args: list) -> None:
        self.gen.emit(f"if not {self.gen.expr(args[0])}:")
        self.gen.emit(f"    raise P4ParserError({self.gen.expr(args[1])})")


class ExternMethods:
    """Methods of packet_in/packet_out and of v1model's extern objects."""

    def __init__(self, gen: CodeGen) -> None:
        self.gen = gen

    def call(self, e: Node, statement: bool) -> str | None:
        callee = e["callee"]
        obj = callee["expr"]
        ext = obj["type"]["name"]
        method = getattr(self, f"m_{ext}_{callee['member']}", None)
        if method is None:
            raise bad_config(f"{e.get('coord', '?')}: {ext}.{callee['member']} is not supported")
        decl = self.gen.prog.externs.get(ext)
        methods = decl["methods"] if decl is not None else []
        params = [m["params"] for m in methods if m["name"] == callee["member"]]
        return method(e, self.gen.expr(obj), _positional(e, params))

    # -- packet_in
    def m_packet_in_extract(self, e: Node, pk: str, args: list) -> None:
        gen = self.gen
        target = args[0]
        vlen = f", {gen.key_value(args[1])}" if len(args) > 1 else ""
        if target["node"] == "Member" and target["member"] == "next":
            stack = gen.expr(target["expr"])
            h = gen.fresh("h")
            gen.emit(f"{h} = {stack}.next_for_extract()")
            gen.emit(f"{h}.extract_({pk}{vlen})")
            gen.emit(f"{stack}.next_index += 1")
            return
        gen.emit(f"{gen.expr(target)}.extract_({pk}{vlen})")
        gen._union_exclusive(target)

    def m_packet_in_lookahead(self, e: Node, pk: str, args: list) -> str:
        t = e["type"]
        width = self.gen.width_of(t)
        if t["t"] == "header":
            return f"header_from_bits({class_name(t['name'])}(), {pk}.peek({width}))"
        if t["t"] == "bool":
            return f"bool({pk}.peek(1))"
        b = bits_of(t)
        if b is not None and b[1]:
            return f"to_signed({pk}.peek({width}), {width})"
        return f"{pk}.peek({width})"

    def m_packet_in_advance(self, e: Node, pk: str, args: list) -> str:
        return f"{pk}.advance({self.gen.key_value(args[0])})"

    def m_packet_in_length(self, e: Node, pk: str, args: list) -> str:
        return f"({pk}.nbits >> 3)"

    # -- packet_out
    def m_packet_out_emit(self, e: Node, out: str, args: list) -> None:
        self._emit(self.gen.expr(args[0]), args[0]["type"], out)

    def _emit(self, code: str, t: TypeJ, out: str) -> None:
        gen = self.gen
        kind = t["t"]
        if kind == "header":
            fixed = sum(
                0 if ft["t"] == "varbit" else gen.width_of(ft) for _, ft, _ in gen.prog.fields(t)
            )
            if fixed % 8:
                # BMv2 cannot hold such a header (headers.cpp asserts whole bytes)
                raise bad_config(f"header {t['name']} is {fixed} bits, not whole bytes")
            h = gen.fresh("h")
            gen.emit(f"{h} = {code}")
            gen.emit(f"if {h}.valid_: {h}.emit_({out})")
        elif kind in ("struct", "header_union"):
            for name, ft, _ in gen.prog.fields(t):
                self._emit(f"{code}.{slot(name)}", ft, out)
        elif kind == "stack":
            gen.emit(f"for h in {code}.items:")
            gen.emit(f"    if h.valid_: h.emit_({out})")
        else:
            raise bad_config(f"emit of a {kind} value")

    # -- registers, counters, meters
    def m_register_read(self, e: Node, reg: str, args: list) -> None:
        """Out of range, BMv2 leaves the result unwritten (and logs an error)."""
        gen = self.gen
        result, index = args
        i = gen.fresh("i")
        gen.emit(f"{i} = {gen.key_value(index)}")
        gen.emit(f"if {i} < {reg}.size:")
        value = f"{reg}.values[{i}]"
        b = bits_of(result["type"])
        if b is not None and b[1]:
            value = f"to_signed({value}, {b[0]})"
        gen.fn.depth += 1
        gen.assign(result, value)
        gen.fn.depth -= 1

    def m_register_write(self, e: Node, reg: str, args: list) -> str:
        index, value = args
        return f"{reg}.write({self.gen.key_value(index)}, {self.gen.key_value(value)})"

    def m_counter_count(self, e: Node, counter: str, args: list) -> str:
        return f"{counter}.count({self.gen.key_value(args[0])}, ctx.packet_length)"

    def m_meter_execute_meter(self, e: Node, meter: str, args: list) -> None:
        """Out of range, BMv2 neither meters nor writes the result."""
        gen = self.gen
        index, result = args
        i = gen.fresh("i")
        gen.emit(f"{i} = {gen.key_value(index)}")
        gen.emit(f"if {i} < {meter}.size:")
        gen.fn.depth += 1
        gen.assign(result, f"{meter}.execute({i}, ctx.packet_length)")
        gen.fn.depth -= 1

    def m_direct_counter_count(self, e: Node, obj: str, args: list) -> None:
        """Direct counters count every hit of their table (BMv2 ignores this call)."""

    def m_direct_meter_read(self, e: Node, obj: str, args: list) -> None:
        gen = self.gen
        name = gen.scope.lookup(e["callee"]["expr"]["name"]).cp_name
        color = gen.fresh("color")
        # the colour of the entry hit by the meter's table; untouched on a miss, as in BMv2
        gen.emit(f"{color} = ctx.dm.get({name!r}) if ctx.dm else None")
        gen.emit(f"if {color} is not None:")
        gen.fn.depth += 1
        gen.assign(args[0], color)
        gen.fn.depth -= 1

    def m_Checksum16_get(self, e: Node, obj: str, args: list) -> str:
        return f"checksum16({DataFields(self.gen).packed_code(args[0])})"
