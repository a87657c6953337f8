"""Package the QGIS plugin into an installable zip (qgis-plugin-tools' plugin_maker).

    .venv-qgis/bin/python qgis_plugin/build.py [--out DIR] [--ref COMMIT]

What goes in is exactly what git holds for ``qgis_plugin/``: the working tree as
``git add`` would stage it (untracked files included, ignored ones such as
``__pycache__`` or compiled catalogues left out), or the committed tree of
``--ref``. plugin_maker's ``package`` command ``git archive``s that tree under the
plugin's package name; then the English catalogue is compiled with lrelease and
qgis-plugin-tools is bundled (the library's "submodule" layout), so the zip needs
nothing but QGIS and the gridplanner core.

Run it with a Python that has QGIS's bindings and qgis-plugin-tools (plugin_maker
imports them); the result is ``DIR/gridplanner_qgis.zip`` (default: ``dist/``).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PACKAGE = "gridplanner_qgis"
LEFT_OUT = ("build.py",)  # packaging only


def git(*args: str, env: dict[str, str] | None = None) -> str:
    """Run git in the repository; returns stdout."""
    done = subprocess.run(
        ["git", "-C", str(REPO), *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    return done.stdout.strip()


def plugin_tree(ref: str | None) -> str:
    """The git tree id of qgis_plugin/ (of ``ref``, or of the working tree as staged)."""
    folder = HERE.relative_to(REPO).as_posix()
    with tempfile.TemporaryDirectory() as tmp:
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        if ref:
            git("read-tree", ref, env=env)
        else:
            git("add", "--all", "--", folder, env=env)
        for name in LEFT_OUT:
            git("rm", "--cached", "--quiet", "--ignore-unmatch", "--", f"{folder}/{name}", env=env)
        return git("write-tree", f"--prefix={folder}/", env=env)


@contextlib.contextmanager
def _argv(args: list[str]) -> Iterator[None]:
    saved = sys.argv
    sys.argv = args
    try:
        yield
    finally:
        sys.argv = saved


def archive(tree: str, out: Path) -> Path:
    """plugin_maker's ``package`` command: ``git archive`` of ``tree`` as PACKAGE/."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from qgis_plugin_tools.infrastructure import plugin_maker

    plugin_maker.PLUGINNAME = PACKAGE
    previous = Path.cwd()
    saved_git_dir = os.environ.get("GIT_DIR")
    os.environ["GIT_DIR"] = git("rev-parse", "--absolute-git-dir")
    os.chdir(out)
    try:
        with _argv(["build.py", "package", "--version", tree]):
            plugin_maker.PluginMaker(
                py_files=[],
                ui_files=[],
                resources=[],
                extra_dirs=[],
                extras=[],
                compiled_resources=[],
                locales=[],
                submodules=[],
            )
    finally:
        os.chdir(previous)
        if saved_git_dir is None:
            os.environ.pop("GIT_DIR", None)
        else:
            os.environ["GIT_DIR"] = saved_git_dir
    return out / f"{PACKAGE}.zip"


def lrelease() -> str:
    """An lrelease binary: $LRELEASE, one on PATH, Qt5's, or PySide6's (not imported)."""
    candidates = [os.environ.get("LRELEASE", ""), shutil.which("lrelease") or ""]
    candidates.append("/usr/lib/qt5/bin/lrelease")
    spec = importlib.util.find_spec("PySide6")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            candidates += [str(Path(location) / "lrelease"), str(Path(location) / "lrelease.exe")]
    candidates.append(shutil.which("pyside6-lrelease") or "")
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    raise SystemExit(
        "build: lrelease not found (install qttools5-dev-tools, or PySide6, or set LRELEASE)"
    )


def add_catalogues(zip_path: Path) -> list[str]:
    """Compile the .ts files in the zip (as archived) and add the .qm files."""
    names = []
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(zip_path, "a") as bundle:
        for name in bundle.namelist():
            if not name.endswith(".ts"):
                continue
            ts = Path(tmp) / Path(name).name
            ts.write_bytes(bundle.read(name))
            qm = ts.with_suffix(".qm")
            subprocess.run([lrelease(), "-silent", str(ts), "-qm", str(qm)], check=True)
            target = name[: -len(".ts")] + ".qm"
            bundle.write(qm, target)
            names.append(target)
    return names


def add_plugin_tools(zip_path: Path) -> int:
    """Bundle qgis_plugin_tools (less its dev-only infrastructure) as PACKAGE/qgis_plugin_tools."""
    spec = importlib.util.find_spec("qgis_plugin_tools")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("build: qgis-plugin-tools is not installed in this Python")
    source = Path(next(iter(spec.submodule_search_locations)))
    count = 0
    with zipfile.ZipFile(zip_path, "a", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(source.rglob("*")):
            rel = path.relative_to(source)
            if path.is_dir() or "__pycache__" in rel.parts or rel.parts[0] == "infrastructure":
                continue
            bundle.write(path, f"{PACKAGE}/qgis_plugin_tools/{rel.as_posix()}")
            count += 1
        licence = _licence(source)
        if licence is not None and f"{PACKAGE}/qgis_plugin_tools/LICENSE" not in bundle.namelist():
            bundle.write(licence, f"{PACKAGE}/qgis_plugin_tools/LICENSE")
    return count


def _licence(source: Path) -> Path | None:
    for dist in source.parent.glob("qgis_plugin_tools-*.dist-info"):
        for path in dist.rglob("LICENSE*"):
            return path
    return None


def build(out: Path, ref: str | None = None) -> Path:
    """Build ``out/gridplanner_qgis.zip``; returns its path."""
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{PACKAGE}.zip"
    target.unlink(missing_ok=True)
    tree = plugin_tree(ref)
    zip_path = archive(tree, out)
    add_catalogues(zip_path)
    add_plugin_tools(zip_path)
    with zipfile.ZipFile(zip_path) as bundle:
        names = bundle.namelist()
    for required in ("__init__.py", "metadata.txt", "icon.svg", "i18n/gridplanner_qgis_en.qm"):
        if f"{PACKAGE}/{required}" not in names:
            raise SystemExit(f"build: {zip_path} lacks {PACKAGE}/{required}")
    return zip_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "dist", help="folder for the zip")
    parser.add_argument("--ref", help="build from this commit instead of the working tree")
    args = parser.parse_args(argv)
    path = build(args.out.resolve(), args.ref)
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
