"""Page code rules that no rendered page shows: cached functions never hash a whole upload."""

from __future__ import annotations

import ast

from .conftest import PROJECT_ROOT


def _cached_functions():
    for path in sorted((PROJECT_ROOT / "pages").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and any("cache_data" in ast.unparse(d) for d in node.decorator_list):
                yield path.name, node


def test_cached_functions_take_bytes_only_unhashed():
    """Streamlit hashes every argument of an st.cache_data function on every rerun, ``bytes`` in full
    (about 0.4 s a call for a 1-hour WAV); an argument whose name starts with ``_`` is not hashed."""
    found = list(_cached_functions())
    assert any(name == "analyze.py" for name, _ in found)
    for name, function in found:
        for arg in function.args.args + function.args.kwonlyargs:
            annotation = ast.unparse(arg.annotation) if arg.annotation else ""
            if "bytes" in annotation or "Audio" in annotation:
                assert arg.arg.startswith("_"), f"{name}: {function.name}({arg.arg}: {annotation}) is hashed on every rerun"
