"""rnntutor.data.fetch_file: pooch downloads with a deadline, a size cap, clean-up and permissions.

Files are served from a loopback HTTP server started here (127.0.0.1, a thread) or
from ``file://`` folders the tests write; nothing goes to the internet.
"""

from __future__ import annotations

import hashlib
import http.server
import os
import threading
import time
from pathlib import Path

import pytest
from _helpers import read_only_folder, umask

from rnntutor import data

PAYLOAD = bytes(range(256)) * 40  # 10,240 bytes
MD5 = "md5:" + hashlib.md5(PAYLOAD).hexdigest()
SHA = "sha256:" + hashlib.sha256(PAYLOAD).hexdigest()


class _Handler(http.server.BaseHTTPRequestHandler):
    """``/good.bin``: the payload; ``/drip.bin``: one byte every 0.2 s; ``/endless.bin``: no end;
    ``/huge.bin``: announces 10 GB; anything else: 404. Every loop is bounded in time."""

    def log_message(self, *args):  # keep the test output clean
        pass

    def do_GET(self):  # noqa: N802 - http.server API
        name = self.path.rsplit("/", 1)[-1]
        try:
            if name == "good.bin":
                self._head(len(PAYLOAD))
                self.wfile.write(PAYLOAD)
            elif name == "drip.bin":
                self._head(len(PAYLOAD))
                for i in range(50):  # at most 10 s
                    self.wfile.write(PAYLOAD[i : i + 1])
                    self.wfile.flush()
                    time.sleep(0.2)
            elif name == "endless.bin":
                self._head(None)
                stop = time.monotonic() + 10
                while time.monotonic() < stop:
                    self.wfile.write(b"\0" * 65536)
            elif name == "huge.bin":
                self._head(10**10)
                self.wfile.write(b"\0" * 1024)
            else:
                self.send_error(404)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as it should

    def _head(self, length):
        self.send_response(200)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def _fetch(server, cache_dir, subdir, *, name="good.bin", known=SHA, **kwargs):
    """``fetch_file(name)`` from the loopback server into ``cache_dir / subdir``."""
    return data.fetch_file(
        name,
        known,
        mirrors=[server],
        subdir=subdir,
        cache_dir=cache_dir,
        **kwargs,
    )


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_http_download_is_verified_cached_and_readable(server, tmp_path):
    with umask(0o022):
        path = _fetch(server, tmp_path, "set", progress=False)
    assert (
        path == tmp_path / "set" / "good.bin" and path.read_bytes() == PAYLOAD
    )
    assert (
        path.stat().st_mode & 0o777 == 0o644
    )  # not 0600: a shared cache is readable by others
    assert _leftovers(tmp_path / "set") == ["good.bin"]
    # a valid cached file is reused: no mirror is contacted
    again = data.fetch_file(
        "good.bin",
        SHA,
        mirrors=["http://127.0.0.1:9/"],
        subdir="set",
        cache_dir=tmp_path,
    )
    assert again == path


def test_file_mode_follows_the_umask(server, tmp_path):
    with umask(0o027):
        path = _fetch(server, tmp_path, "s", known=MD5, progress=False)
    assert path.stat().st_mode & 0o777 == 0o640


def test_mirrors_are_tried_in_turn_and_the_cache_env_is_used(
    server, tmp_path, monkeypatch
):
    src = tmp_path / "files"
    src.mkdir()
    (src / "good.bin").write_bytes(PAYLOAD)
    monkeypatch.setenv("RNNTUTOR_DATA", str(tmp_path / "env-cache"))
    missing = server + "nothing/"  # 404 for every file
    path = data.fetch_file(
        "good.bin",
        MD5,
        mirrors=[missing, src.as_uri()],
        subdir="x",
        progress=False,
    )
    assert (
        path == tmp_path / "env-cache" / "x" / "good.bin"
        and path.read_bytes() == PAYLOAD
    )


def test_dripping_server_is_cut_by_the_overall_deadline(server, tmp_path):
    start = time.monotonic()
    with pytest.raises(data.DownloadError, match="deadline"):
        _fetch(server, tmp_path, "d", name="drip.bin", deadline=1.0, timeout=5)
    assert (
        time.monotonic() - start < 4.0
    )  # 1 s deadline + at most one packet's wait
    assert (
        _leftovers(tmp_path / "d") == []
    )  # nothing cached, no temporary file left


def test_endless_stream_is_cut_by_the_size_cap(server, tmp_path):
    with pytest.raises(data.DownloadError, match="size cap of 100000"):
        _fetch(server, tmp_path, "e", name="endless.bin", max_bytes=100_000)
    assert _leftovers(tmp_path / "e") == []
    with pytest.raises(
        data.DownloadError, match="announces 10000000000 bytes"
    ):
        _fetch(server, tmp_path, "e", name="huge.bin", max_bytes=100_000)
    assert _leftovers(tmp_path / "e") == []


def test_bad_content_is_never_cached(server, tmp_path):
    with pytest.raises(
        data.DownloadError, match="checksum mismatch: sha256 is"
    ):
        _fetch(server, tmp_path, "b", known="sha256:" + "0" * 64)
    assert _leftovers(tmp_path / "b") == []

    def refuse(path):
        raise ValueError(f"{path.name} is not what we want")

    with pytest.raises(data.DownloadError, match="is not what we want"):
        _fetch(server, tmp_path, "b", validate=refuse)
    assert _leftovers(tmp_path / "b") == []
    seen = []
    _fetch(server, tmp_path, "b", validate=seen.append)
    assert (
        len(seen) == 1
        and seen[0].parent == tmp_path / "b"
        and seen[0].name != "good.bin"
    )  # checked before the move


def test_stale_temporary_files_are_removed_and_fresh_ones_kept(
    server, tmp_path
):
    folder = tmp_path / "s"
    folder.mkdir()
    old = time.time() - 7200
    for name in (".good.bin.abc.part", "tmpk1ll3d", "other.part"):
        (folder / name).write_bytes(b"half a file")
        os.utime(folder / name, (old, old))
    (folder / "tmpfresh").write_bytes(b"another process is downloading this")
    _fetch(server, tmp_path, "s", deadline=60)
    assert _leftovers(folder) == ["good.bin", "tmpfresh"]


def test_interrupted_download_leaves_nothing_behind(server, tmp_path):
    def interrupt(path):
        raise KeyboardInterrupt  # Ctrl-C while the file is being checked

    with pytest.raises(KeyboardInterrupt):
        _fetch(server, tmp_path, "i", validate=interrupt)
    assert _leftovers(tmp_path / "i") == []


def test_read_only_cache_is_reported_as_read_only(
    server, tmp_path, monkeypatch
):
    with read_only_folder(tmp_path / "ro", monkeypatch) as folder:
        with pytest.raises(data.DownloadError, match="is read-only") as info:
            _fetch(server, tmp_path, "ro")
    assert "any mirror" not in str(info.value) and str(folder) in str(
        info.value
    )


def test_fetch_file_checks_its_arguments(tmp_path):
    with pytest.raises(ValueError, match="at least one base URL"):
        data.fetch_file(
            "a.bin", SHA, mirrors=[], subdir="x", cache_dir=tmp_path
        )
    with pytest.raises(ValueError, match="plain file name"):
        data.fetch_file(
            "../a.bin",
            SHA,
            mirrors=["file:///"],
            subdir="x",
            cache_dir=tmp_path,
        )
    with pytest.raises(ValueError, match="deadline must be a positive number"):
        data.fetch_file(
            "a.bin",
            SHA,
            mirrors=["file:///"],
            subdir="x",
            cache_dir=tmp_path,
            deadline=0,
        )
    with pytest.raises(ValueError, match="md5 .* or sha256"):
        data.fetch_file(
            "a.bin",
            "crc:00",
            mirrors=["file:///"],
            subdir="x",
            cache_dir=tmp_path,
        )
