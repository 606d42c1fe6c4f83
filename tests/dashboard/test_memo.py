"""dashboard.memo: inside read_once() a read is made once per key; outside, every time."""

from dashboard.memo import once, read_once


def test_reads_are_kept_only_inside_the_scope_and_per_key():
    calls: list[str] = []

    def read(name: str):
        return lambda: calls.append(name) or len(calls)

    assert once("a", read("a")) == 1 and once("a", read("a")) == 2  # no scope: read each time
    with read_once():
        assert once("a", read("a")) == 3
        assert once("a", read("a")) == 3  # kept
        assert once("b", read("b")) == 4  # another key reads
        with read_once():
            assert once("a", read("a")) == 5  # a nested scope starts empty
        assert once("a", read("a")) == 3  # and the outer one is back
    assert once("a", read("a")) == 6  # gone with the scope
    assert calls == ["a", "a", "a", "b", "a", "a"]
