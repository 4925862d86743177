"""Weights: sha256 verification, manifest-driven loading, head transfer, download and cache."""

from __future__ import annotations

import functools
import hashlib
import http.server
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from foundation.helpers import file_sha256, random_image
from zoo.errors import WeightsError, ZooError
from zoo.weights import manifest, resolve_weights, sha256_of, verify_file, write_manifest

pytestmark = pytest.mark.model
ROOT = Path(__file__).resolve().parents[2]


def _weights_by_path(model) -> dict[str, np.ndarray]:
    return {v.path: np.asarray(v.numpy()) for v in model.weights}


# --- sha256 ---------------------------------------------------------------------------------


def test_sha256_of_matches_hashlib(tmp_path):
    path = tmp_path / "blob.bin"
    data = np.random.default_rng(0).bytes(3 << 20)  # more than one read chunk
    path.write_bytes(data)
    assert sha256_of(path) == hashlib.sha256(data).hexdigest()


def test_verify_file_accepts_matching_file(weights_env):
    assert verify_file(weights_env.path, weights_env.record["sha256"]) == weights_env.path


def _corrupt(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("damage", [_corrupt, _truncate], ids=["corrupted", "truncated"])
def test_damaged_weights_are_refused(weights_env, damage):
    """A corrupted or truncated file fails the sha256 check, by name, saying what to do."""
    damage(weights_env.path)
    record = manifest()[weights_env.name]
    for call in (
        lambda: resolve_weights(record, weights_env.name),
        lambda: _create(weights_env.name, weights="default"),
    ):
        with pytest.raises(WeightsError) as info:
            call()
        message = str(info.value)
        assert weights_env.path.name in message
        assert "sha256" in message
        assert "download it again" in message or "restore" in message


def test_missing_weights_are_refused(weights_env):
    weights_env.path.unlink()
    with pytest.raises(WeightsError) as info:
        _create(weights_env.name, weights="default")
    message = str(info.value)
    assert weights_env.path.name in message
    assert "missing" in message
    assert "restore" in message or "download" in message


# --- create_model / load --------------------------------------------------------------------


def _create(*args, **kwargs):
    from zoo.api import create_model

    return create_model(*args, **kwargs)


def test_default_weights_load_the_saved_model(weights_env, tiny_model_file):
    from zoo.api import load, load_model_file

    saved = load_model_file(tiny_model_file)
    model = _create(weights_env.name, weights="default")
    assert model.class_names == weights_env.record["classes"]
    x = random_image(40, 56, batch=1)
    expected = np.asarray(saved(x))
    np.testing.assert_allclose(np.asarray(model(x)), expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(load(weights_env.name)(x)), expected, atol=1e-5)


def test_new_num_classes_keeps_everything_but_the_head(weights_env):
    from zoo.api import load_model_file

    saved = _weights_by_path(load_model_file(weights_env.path))
    model = _create(weights_env.name, weights="default", num_classes=5)
    assert model.num_classes == 5
    assert tuple(model.get_layer("score_fr").kernel.shape)[-1] == 5
    new = _weights_by_path(model)
    assert set(new) == set(saved)
    head = {p for p in new if new[p].shape != saved[p].shape}
    assert head, "the head should have new shapes"
    assert all(p.split("/")[0].startswith(("score_", "upscore")) for p in head), head
    np.testing.assert_array_equal(new["stem_conv/kernel"], saved["stem_conv/kernel"])
    for path in set(new) - head:
        np.testing.assert_array_equal(new[path], saved[path], err_msg=path)


def test_class_names_give_a_new_head(weights_env):
    model = _create(weights_env.name, weights="default", class_names=["bg", "fg"])
    assert model.num_classes == 2
    assert model.class_names == ["bg", "fg"]


def test_config_overrides_keep_the_weights(weights_env):
    from zoo.api import load_model_file

    saved = _weights_by_path(load_model_file(weights_env.path))
    model = _create(weights_env.name, weights="default", dropout=0.3)
    assert model.dropout == 0.3 and model.num_classes == 3
    for path, value in _weights_by_path(model).items():
        np.testing.assert_array_equal(value, saved[path], err_msg=path)


def test_with_new_head(weights_env):
    from zoo.api import load_model_file, with_new_head

    model = load_model_file(weights_env.path)
    assert with_new_head(model, list(model.class_names)) is model
    new = with_new_head(model, ["a", "b", "c", "d"])
    assert new.num_classes == 4 and new.class_names == ["a", "b", "c", "d"]
    np.testing.assert_array_equal(
        new.get_layer("score_fr").kernel.shape[:-1], model.get_layer("score_fr").kernel.shape[:-1]
    )
    saved, copied = _weights_by_path(model), _weights_by_path(new)
    np.testing.assert_array_equal(copied["stem_conv/kernel"], saved["stem_conv/kernel"])


def test_architecture_without_weights_is_random(weights_env):
    model = _create("fcn8s", num_classes=4, backbone_config={"widths": [8] * 5, "depths": [1] * 5})
    assert model.num_classes == 4


def test_load_keras_path(weights_env, tiny_model_file):
    from zoo.api import load

    model = load(tiny_model_file)
    assert model.num_classes == 3
    assert type(model).__name__ == "FCN"
    assert load(str(tiny_model_file)).num_classes == 3


def test_load_from_path_with_new_head(tiny_model_file):
    model = _create(tiny_model_file, num_classes=2)
    assert model.num_classes == 2


def test_top_level_api(weights_env, tiny_model_file):
    import zoo

    assert zoo.load(tiny_model_file).num_classes == 3
    assert zoo.create_model(weights_env.name, weights="default").num_classes == 3
    assert weights_env.name in zoo.list_models("fcn8s*")


def test_unknown_names_raise_zoo_error(weights_env, tmp_path):
    from zoo.api import load

    with pytest.raises(ZooError, match="unknown architecture"):
        _create("no-such-model")
    with pytest.raises(ZooError, match="'no-such-model' is not a model"):
        _create("no-such-model", weights="default")
    with pytest.raises(ZooError, match="'fcn8s' has no default weights"):
        _create("fcn8s", weights="default")
    with pytest.raises(ZooError, match="no-such-model"):
        load("no-such-model")
    with pytest.raises(ZooError, match="no such model file"):
        load(tmp_path / "absent.keras")


def test_not_a_keras_file_is_refused(tmp_path):
    from zoo.api import load

    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"not a zip at all")
    with pytest.raises(WeightsError, match=r"bad\.keras"):
        load(bad)


def test_list_models_sees_the_manifest(weights_env):
    from zoo.registry import list_models

    assert weights_env.name in list_models("fcn8s*")
    assert "fcn8s" in list_models("fcn8s*")
    assert list_models(pretrained=True) == [weights_env.name]
    assert list_models("fcn3*") == ["fcn32s"]


# --- download and cache ---------------------------------------------------------------------


class _Server:
    """A loopback HTTP server of one folder, counting its requests."""

    def __init__(self, folder):
        self.requests: list[str] = []
        outer = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self):
                outer.requests.append(self.path)
                super().do_GET()

            def log_message(self, *args):
                pass

        handler = functools.partial(Handler, directory=str(folder))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.timeout = 5
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def served(weights_env, tmp_path, monkeypatch):
    """The tiny model moved from the weights folder to a loopback server; its record has a url."""
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    remote = tmp_path / "remote"
    remote.mkdir()
    shutil.move(weights_env.path, remote / weights_env.path.name)
    server = _Server(remote)
    record = dict(weights_env.record, url=f"{server.url}/{weights_env.path.name}")
    write_manifest({weights_env.name: record})
    yield server, remote / weights_env.path.name
    server.close()


def test_remote_weights_are_downloaded_verified_and_cached(weights_env, served):
    server, _ = served
    model = _create(weights_env.name, weights="default")
    assert model.num_classes == 3
    cached = weights_env.cache / weights_env.path.name
    assert cached.is_file()
    assert file_sha256(cached) == weights_env.record["sha256"]
    assert not weights_env.path.exists(), "downloads go to the cache, not the weights folder"
    assert len(server.requests) == 1
    _create(weights_env.name, weights="default")
    assert len(server.requests) == 1, "the second load must come from the cache"


def test_remote_file_with_wrong_sha256_is_refused(weights_env, served):
    server, remote_file = served
    good = remote_file.read_bytes()
    _corrupt(remote_file)
    with pytest.raises(WeightsError) as info:
        _create(weights_env.name, weights="default")
    message = str(info.value)
    assert weights_env.path.name in message
    assert "sha256" in message
    assert len(server.requests) == 1
    # The refused download does not stay in the cache: once the server is fixed, a retry works.
    remote_file.write_bytes(good)
    assert _create(weights_env.name, weights="default").num_classes == 3
    assert len(server.requests) == 2


def test_download_failure_is_a_weights_error(weights_env, served):
    _, remote_file = served
    remote_file.unlink()
    with pytest.raises(WeightsError, match="could not download"):
        _create(weights_env.name, weights="default")


class _SlowServer(_Server):
    """A loopback server sending files in small, slow pieces, so two downloads overlap."""

    def __init__(self, folder):
        super().__init__(folder)
        self.httpd.shutdown()
        self.httpd.server_close()
        outer = self

        class Slow(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests.append(self.path)
                data = (folder / self.path.lstrip("/")).read_bytes()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                for start in range(0, len(data), 1 << 14):
                    self.wfile.write(data[start : start + (1 << 14)])
                    time.sleep(0.02)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"


def test_two_processes_fetching_at_once_leave_one_good_file(weights_env, tmp_path, monkeypatch):
    """Two processes resolve the same remote weights at the same moment: both get the verified
    file, the cache holds it once, whole, and nothing half-written is left beside it."""
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    remote = tmp_path / "remote"
    remote.mkdir()
    shutil.move(weights_env.path, remote / weights_env.path.name)
    server = _SlowServer(remote)
    try:
        record = dict(weights_env.record, url=f"{server.url}/{weights_env.path.name}")
        write_manifest({weights_env.name: record})
        code = (
            "import sys; from zoo.weights import manifest, resolve_weights; "
            f"print(resolve_weights(manifest()[{weights_env.name!r}]))"
        )
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", code],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [p.communicate(timeout=300) for p in procs]
    finally:
        server.close()
    cached = weights_env.cache / weights_env.path.name
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert out.strip().splitlines()[-1] == str(cached)
    assert file_sha256(cached) == weights_env.record["sha256"]
    assert len(server.requests) == 1, "the second process must wait and reuse the first's file"
    leftovers = [p.name for p in weights_env.cache.iterdir() if p != cached]
    assert leftovers == [f".{cached.name}.lock"], leftovers
