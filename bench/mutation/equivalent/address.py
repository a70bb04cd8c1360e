"""Equivalent mutants of the address row."""

from __future__ import annotations

from bench.mutation.mutators import MODULE_SCOPE

EQUIVALENT: dict[tuple[str, str, str, str], str] = {
    ("address", "search/address.py", MODULE_SCOPE, "right operand dropped: ipaddress.IPv4Address | ipaddress.IPv6Address"):
        "a type alias, read by annotations only",
    **{
        ("address", "search/address.py", MODULE_SCOPE, f"element dropped: ('{net}', '{why}')"):
            f"ipaddress's own is_{flag} catches the row's addresses under the same name ({why})"
        for net, why, flag in (
            ("10.0.0.0/8", "private", "private"),
            ("127.0.0.0/8", "loopback", "loopback"),
            ("169.254.0.0/16", "link-local", "link_local"),
            ("172.16.0.0/12", "private", "private"),
            ("192.168.0.0/16", "private", "private"),
            ("224.0.0.0/4", "multicast", "multicast"),
            ("::/128", "unspecified", "unspecified"),
            ("::1/128", "loopback", "loopback"),
            ("fe80::/10", "link-local", "link_local"),
            ("fec0::/10", "site-local", "site_local"),
            ("ff00::/8", "multicast", "multicast"),
        )
    },
    **{
        ("address", "search/address.py", "address_problem", f"element dropped: '{flag}'"):
            "a second line of defence: every address under this flag is named by a table row first"
        for flag in ("unspecified", "loopback", "link_local", "multicast", "private", "reserved", "site_local")
    },
    ("address", "search/address.py", "address_problem", "guard removed: if not ip.is_global"):
        "a third line: every address ipaddress calls not global is named by a row or a flag first (Python 3.11)",
    ("address", "search/address.py", "parse_ipv4_spelling", "len(label) > 1: Gt -> GtE"): "'0' read as octal is 0 all the same",
    ("address", "search/address.py", "parse_ipv4_spelling", "operand dropped: len(label) > 1"): "'0' read as octal is 0 all the same",
    ("address", "search/address.py", "parse_ipv4_spelling", "operand dropped: not labels"): "str.split never returns an empty list",
    ("address", "search/address.py", "Target", "False -> True"): "Fetcher.check always sets Target.allowed itself",
}
