"""Download from the Hugging Face Hub with progress, cancel and clear errors.

huggingface_hub reads HF_ENDPOINT, HF_HOME and HF_HUB_OFFLINE once, at import; Tandem
reads them at each call and passes them explicitly, so a setting changed after start-up
(or by a test) is honoured. Files go to the Hugging Face cache, so models a user already
downloaded with other tools are reused, and a pull that was cancelled resumes per file:
finished files are kept, a partial file is discarded by the library and fetched again.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from threading import Lock
from typing import Any

from app.core.store.events import (
    CancelledError,
    CancelToken,
    HubAccessError,
    NotEnoughResourcesError,
    Progress,
    ProgressSink,
)
from app.core.store.hf_auth import load_token

DEFAULT_ENDPOINT = "https://huggingface.co"
# Only what Tandem needs from each kind of repo.
OV_PATTERNS = ("openvino_*.xml", "openvino_*.bin", "*.json", "*.jinja")
HF_PATTERNS = ("*.json", "*.jinja", "tokenizer.model", "*.tiktoken", "merges.txt",
               "vocab.txt", "*.safetensors")
HF_BIN_PATTERNS = ("pytorch_model*.bin",)  # only when the repo has no safetensors
SKIPPED = ("training_args.bin", "*.msgpack", "*.h5", "*.onnx", "*.gguf", "onnx/*", "original/*")
# The library checks for cancel once per chunk; 10 MB chunks (its default) make Cancel
# wait for up to 10 MB on a slow link.
CHUNK_BYTES = 1 * 2**20


@dataclass(frozen=True)
class HubSettings:
    endpoint: str
    cache_dir: Path
    token: str | None
    offline: bool


def _truthy(value: str | None) -> bool:
    return (value or "").strip().upper() in {"1", "ON", "YES", "TRUE"}


def hub_settings() -> HubSettings:
    env = os.environ
    home = env.get("HF_HOME") or os.path.join(
        env.get("XDG_CACHE_HOME", os.path.join(os.path.expanduser("~"), ".cache")),
        "huggingface")
    cache = env.get("HF_HUB_CACHE") or env.get("HUGGINGFACE_HUB_CACHE") \
        or os.path.join(os.path.expanduser(os.path.expandvars(home)), "hub")
    return HubSettings(
        endpoint=(env.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/"),
        cache_dir=Path(os.path.expanduser(os.path.expandvars(cache))),
        token=load_token(),  # HF_TOKEN, else the OS keyring, else `hf auth login`
        offline=_truthy(env.get("HF_HUB_OFFLINE")) or _truthy(env.get("TRANSFORMERS_OFFLINE")),
    )


@dataclass(frozen=True)
class Snapshot:
    repo: str
    revision: str  # as asked
    commit: str  # what it resolved to
    folder: Path  # the snapshot folder in the Hugging Face cache
    files: tuple[str, ...]
    bytes: int


def select_files(names: list[str], kind: str, patterns: tuple[str, ...] = ()) -> list[str]:
    """The files of a repo that Tandem needs: the catalog's patterns, or its defaults."""
    def matches(name: str, pats: tuple[str, ...]) -> bool:
        return any(fnmatch.fnmatch(name, p) for p in pats)

    if patterns:
        wanted = patterns
    elif kind == "ov":
        wanted = OV_PATTERNS
    else:
        has_safetensors = any(n.endswith(".safetensors") for n in names)
        wanted = HF_PATTERNS if has_safetensors else HF_PATTERNS + HF_BIN_PATTERNS
    return sorted(n for n in names if matches(n, wanted) and (patterns or not matches(n, SKIPPED)))


def _progress_class(report: Any, cancel: CancelToken) -> type:
    """A tqdm stand-in for snapshot_download: it counts bytes and files and cancels."""
    from tqdm.std import tqdm as std_tqdm

    class Bar(std_tqdm):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.pop("name", None)
            self._tandem_bytes = kwargs.get("unit") == "B"
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)

        def update(self, n: float | None = 1) -> bool | None:
            if self._tandem_bytes:
                cancel.check()  # raised on a download thread: that file is abandoned
                if n:
                    report(bytes_delta=int(n))
            elif n:
                # tqdm calls this from a future's done-callback, where raising is only
                # logged: count the finished file and let the byte bar do the cancelling.
                report(files_delta=int(n))
            return None

        def __iter__(self) -> Iterator[Any]:
            for item in self.iterable:
                cancel.check()
                report(files_delta=1)
                yield item

        def refresh(self, *args: Any, **kwargs: Any) -> None:
            return None

        def set_description(self, *args: Any, **kwargs: Any) -> None:
            return None

    return Bar


class _Counter:
    def __init__(self, sink: ProgressSink, side: str, repo: str, files_total: int,
                 bytes_total: int, bytes_done: int, files_done: int) -> None:
        self.sink, self.side, self.repo = sink, side, repo
        self.files_total, self.bytes_total = files_total, bytes_total
        self.bytes_done, self.files_done = bytes_done, files_done
        self.lock = Lock()

    def __call__(self, bytes_delta: int = 0, files_delta: int = 0) -> None:
        with self.lock:
            self.bytes_done += bytes_delta
            self.files_done = min(self.files_total, self.files_done + files_delta)
            event = Progress(
                "download", self.side, f"downloading {self.repo}",
                bytes_done=min(self.bytes_done, self.bytes_total or self.bytes_done),
                bytes_total=self.bytes_total, files_done=self.files_done,
                files_total=self.files_total,
                fraction=self.bytes_done / self.bytes_total if self.bytes_total else None)
        self.sink(event)


def _status(exc: Exception) -> int | None:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None)


def hub_error(exc: BaseException, repo: str, settings: HubSettings) -> HubAccessError:
    """A message a person can act on, for whatever the Hub or the network said."""
    import httpx
    from huggingface_hub import errors

    page = f"{settings.endpoint}/{repo}"
    status = _status(exc) if isinstance(exc, Exception) else None
    if isinstance(exc, errors.GatedRepoError) or (
            status in (401, 403) and not isinstance(exc, errors.RepositoryNotFoundError)):
        why = ("no token was sent" if not settings.token else
               "the token Tandem sent has not been granted access")
        return HubAccessError(
            f"{repo} is a gated repository: the Hub refused the download "
            f"({status or 'gated'}; {why}).",
            f"Open {page} while logged in, accept its licence, then give Tandem an "
            f"access token of that account ({settings.endpoint}/settings/tokens): "
            "\"Sign in…\" in the Models tab, or HF_TOKEN, and pull again.")
    if isinstance(exc, errors.RevisionNotFoundError):
        return HubAccessError(f"{repo} has no revision by that name.",
                              "Check the revision in models.toml, or use \"main\".")
    if isinstance(exc, errors.RepositoryNotFoundError):
        return HubAccessError(
            f"{repo} was not found on the Hub at {settings.endpoint} ({status or 404}).",
            "Check the repo id; if the repo is private, set HF_TOKEN to a token that can "
            "read it.")
    if isinstance(exc, errors.OfflineModeIsEnabled | errors.LocalEntryNotFoundError) \
            and settings.offline:
        return offline_error(repo, settings)
    if isinstance(exc, httpx.ConnectError | httpx.TimeoutException) or (
            isinstance(exc, errors.LocalEntryNotFoundError)
            and isinstance(exc.__cause__, httpx.ConnectError | httpx.TimeoutException)):
        return HubAccessError(
            f"Cannot reach the Hugging Face Hub at {settings.endpoint} to download {repo}.",
            "Check the network connection and try again; with HF_HUB_OFFLINE=1 Tandem uses "
            "only models already in the Hugging Face cache.")
    if status is not None:
        return HubAccessError(
            f"The Hub answered {status} while downloading {repo}.",
            "Try again later: files that finished are kept and the next pull resumes.")
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return HubAccessError(f"Downloading {repo} failed: {text}",
                          "Try again: files that finished are kept and the next pull resumes.")


def disk_full(exc: BaseException | None) -> bool:
    """The error, or one it was raised from, is a full disk (or a file-size limit)."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EFBIG,
                                                      getattr(errno, "EDQUOT", -1)):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def disk_full_error(repo: str, settings: HubSettings) -> NotEnoughResourcesError:
    return NotEnoughResourcesError(
        f"The disk filled up while downloading {repo} into the Hugging Face cache "
        f"({settings.cache_dir}). Nothing was installed.",
        "Free some space (or point HF_HOME at a bigger disk) and pull again: files that "
        "finished are kept and the download resumes.")


def check_disk(needed: int, cache_dir: Path, repo: str, free: int | None = None) -> None:
    """Refuse, with the numbers, a download that cannot fit in the cache's disk."""
    folder = cache_dir
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    free = shutil.disk_usage(folder).free if free is None else free
    if needed > free:
        raise NotEnoughResourcesError(
            f"Downloading {repo} needs {needed / 2**30:.1f} GB in the Hugging Face cache "
            f"({cache_dir}); {free / 2**30:.1f} GB is free there.",
            "Free some space, or point HF_HOME at a bigger disk.")


def offline_error(repo: str, settings: HubSettings) -> HubAccessError:
    return HubAccessError(
        f"Hugging Face offline mode is on (HF_HUB_OFFLINE=1) and {repo} is not in the "
        f"Hugging Face cache ({settings.cache_dir}).",
        "Unset HF_HUB_OFFLINE to download it, or pull it once while online.")


def _offline_snapshot(repo: str, revision: str, settings: HubSettings) -> Snapshot:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        folder = Path(snapshot_download(repo, revision=revision, cache_dir=settings.cache_dir,
                                        local_files_only=True))
    except (LocalEntryNotFoundError, FileNotFoundError) as exc:
        raise offline_error(repo, settings) from exc
    files = tuple(sorted(p.relative_to(folder).as_posix()
                         for p in folder.rglob("*") if p.is_file()))
    return Snapshot(repo, revision, folder.name, folder, files,
                    sum((folder / f).stat().st_size for f in files))


def fetch(repo: str, revision: str, kind: str, sink: ProgressSink, cancel: CancelToken,
          side: str = "", patterns: tuple[str, ...] = ()) -> Snapshot:
    """Download what Tandem needs of `repo` into the Hugging Face cache."""
    from huggingface_hub import HfApi, constants, snapshot_download, try_to_load_from_cache

    settings = hub_settings()
    cancel.check()
    if settings.offline:
        return _offline_snapshot(repo, revision, settings)
    api = HfApi(endpoint=settings.endpoint, token=settings.token)
    try:
        info = api.model_info(repo, revision=revision, files_metadata=True)
    except Exception as exc:
        raise hub_error(exc, repo, settings) from exc
    siblings = {s.rfilename: int(s.size or 0) for s in (info.siblings or [])}
    if kind == "auto":
        kind = "ov" if "openvino_model.xml" in siblings else "hf"
    files = select_files(list(siblings), kind, patterns)
    if not files and kind == "gguf":
        raise HubAccessError(f"{repo} has no file {', '.join(patterns)}.",
                             "Check the file name (format \"gguf\", file = ...) in "
                             "models.toml.")
    if not files:
        raise HubAccessError(f"{repo} holds none of the files Tandem needs "
                             f"({'OpenVINO IR' if kind == 'ov' else 'a checkpoint'}).",
                             "Check the repo id and its format (ov or hf) in models.toml.")
    if not info.sha:
        raise HubAccessError(f"The Hub did not say which commit {repo} is at.",
                             "Try again; if it repeats, pin a commit in models.toml.")
    commit = str(info.sha)
    cached = [f for f in files if isinstance(
        try_to_load_from_cache(repo, f, cache_dir=settings.cache_dir, revision=commit), str)]
    count = _Counter(sink, side, repo, len(files), sum(siblings[f] for f in files),
                     sum(siblings[f] for f in cached), 0)
    check_disk(count.bytes_total - count.bytes_done, settings.cache_dir, repo)
    count()
    # The library reads its chunk size at each download; smaller chunks let Cancel and
    # progress react within about a megabyte.
    constants.DOWNLOAD_CHUNK_SIZE = min(constants.DOWNLOAD_CHUNK_SIZE, CHUNK_BYTES)
    try:
        folder = snapshot_download(
            repo, revision=commit, cache_dir=settings.cache_dir, endpoint=settings.endpoint,
            token=settings.token, allow_patterns=files, max_workers=4,
            tqdm_class=_progress_class(count, cancel))
    except CancelledError:
        raise
    except Exception as exc:
        if cancel.cancelled:
            raise CancelledError() from exc
        if disk_full(exc):
            raise disk_full_error(repo, settings) from exc
        raise hub_error(exc, repo, settings) from exc
    cancel.check()
    _remember_revision(settings.cache_dir, repo, revision, commit)
    return Snapshot(repo, revision, commit, Path(folder), tuple(files), count.bytes_total)


def _remember_revision(cache_dir: Path, repo: str, revision: str, commit: str) -> None:
    """Record what `revision` resolved to, as the library does, so offline mode finds it."""
    if revision == commit:
        return
    ref = cache_dir / f"models--{repo.replace('/', '--')}" / "refs" / revision
    try:
        ref.parent.mkdir(parents=True, exist_ok=True)
        ref.write_text(commit)
    except OSError:
        pass  # only offline look-ups by branch name need it


def fetch_file(repo: str, filename: str, revision: str = "main") -> Path:
    """One small file (a config.json to read the architecture)."""
    from huggingface_hub import hf_hub_download

    settings = hub_settings()
    try:
        return Path(hf_hub_download(repo, filename, revision=revision,
                                    cache_dir=settings.cache_dir, endpoint=settings.endpoint,
                                    token=settings.token, local_files_only=settings.offline))
    except Exception as exc:
        raise hub_error(exc, repo, settings) from exc
