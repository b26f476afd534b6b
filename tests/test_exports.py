import factcheck


def test_all_is_sorted_and_complete():
    assert factcheck.__all__ == sorted(factcheck.__all__)
    for name in factcheck.__all__:
        assert hasattr(factcheck, name)
    public = {n for n in dir(factcheck) if not n.startswith("_") and not isinstance(getattr(factcheck, n), type(factcheck))}
    assert public <= set(factcheck.__all__) | {"annotations"}
