import factcheck


def test_all_is_sorted_and_complete():
    assert factcheck.__all__ == sorted(factcheck.__all__)
    for name in factcheck.__all__:
        assert hasattr(factcheck, name)
    public = {n for n in dir(factcheck) if not n.startswith("_") and not isinstance(getattr(factcheck, n), type(factcheck))}
    assert public <= set(factcheck.__all__) | {"annotations"}


def test_the_names_docs_architecture_md_promises_are_importable():
    import importlib
    import re
    from pathlib import Path

    page = (Path(__file__).resolve().parent.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `factcheck/(\w+)/` \| [^|]+ \| ([^|]+) \|$", page, re.MULTILINE)
    assert len(rows) >= 7  # inputs, text, quotes, align, assess, embed, report
    for folder, names in rows:
        module = importlib.import_module(f"factcheck.{folder}")
        for name in re.findall(r"`(\w+)`", names.split(";")[0]):
            assert hasattr(module, name), f"factcheck.{folder}.{name}"
