"""OpenVINO's model cache: CACHE_DIR for GPU and NPU loads, not for the CPU (measured
slower there on the demo pair), and a CPU load with a cache folder is unchanged."""

from __future__ import annotations

from pathlib import Path

from app.core.engine import GenerationRequest, PairSpec, load_session
from app.core.engine.model_cache import cache_properties, cache_size_bytes, device_family


def test_cache_is_asked_for_gpu_and_npu_only(tmp_path: Path) -> None:
    cache = tmp_path / "ov-cache"
    assert cache_properties(cache, "GPU") == {"CACHE_DIR": str(cache)}
    assert cache_properties(cache, "GPU.1") == {"CACHE_DIR": str(cache)}
    assert cache_properties(cache, "NPU") == {"CACHE_DIR": str(cache)}
    assert cache.is_dir()  # created for OpenVINO to write into
    assert cache_properties(cache, "CPU") == {}
    assert cache_properties(None, "GPU") == {}
    assert device_family("HETERO:GPU,CPU") == "HETERO"


def test_a_cpu_load_with_a_cache_folder_writes_nothing(tmp_path: Path, demo_dir: Path,
                                                       draft_session) -> None:
    cache = tmp_path / "ov-cache"
    spec = PairSpec(demo_dir / "target", demo_dir / "draft", cache_dir=cache)
    assert spec == PairSpec(demo_dir / "target", demo_dir / "draft")  # same pair
    session = load_session(spec)
    try:
        request = GenerationRequest.chat("Hello!", max_new_tokens=12, num_assistant_tokens=3)
        assert session.generate(request).text == draft_session.generate(request).text
    finally:
        session.close()
    assert cache_size_bytes(cache) == 0
