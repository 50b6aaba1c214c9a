"""Endpoint records are saved without keys; keys come from the environment or keyring."""

from __future__ import annotations

import json

import keyring
import pytest

from app.core.engine.errors import InvalidSettingsError
from app.core.engine.remote import Endpoint, Protocol, keys, load_endpoints, redact_url
from app.core.engine.remote import endpoint as endpoint_store
from tests.fixtures.memory_keyring import MemoryKeyring

SECRET = "sk-live-abcdef"


def test_url_is_normalised_and_checked():
    assert Endpoint("http://gaudi.lan:8080/v1/").url == "http://gaudi.lan:8080"
    assert Endpoint("https://h/api").url == "https://h/api"
    with pytest.raises(InvalidSettingsError):
        Endpoint("ftp://h")
    with pytest.raises(InvalidSettingsError) as caught:
        Endpoint(f"http://user:{SECRET}@h:1")
    assert SECRET not in str(caught.value)
    assert redact_url(f"http://u:{SECRET}@h:9/x?api_key={SECRET}") == "http://h:9/x"


def test_saved_without_keys(tandem_home):
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    saved = Endpoint("http://127.0.0.1:9/", protocol=Protocol.TGI, model="m", name="Gaudi box",
                     key_env="GAUDI_KEY")
    keys.store_key(saved, SECRET)
    endpoint_store.upsert_endpoint(saved)
    assert memory.items == {(keys.KEYRING_SERVICE, "gaudi-box"): SECRET}
    text = (tandem_home / "endpoints.json").read_text()
    assert SECRET not in text
    assert json.loads(text)["endpoints"][0]["protocol"] == "tgi"
    assert load_endpoints() == [saved]
    assert endpoint_store.find_endpoint("gaudi-box") == saved


def test_corrupt_file_is_set_aside(tandem_home):
    (tandem_home / "endpoints.json").write_text("{not json")
    with pytest.raises(InvalidSettingsError):
        load_endpoints()
    assert (tandem_home / "endpoints.corrupt.json").exists()
    assert load_endpoints() == []


def test_key_lookup_order(monkeypatch):
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    endpoint = Endpoint("http://127.0.0.1:9", key_env="GAUDI_KEY")
    assert keys.lookup_key(endpoint) is None
    keys.store_key(endpoint, SECRET)
    assert memory.items == {(keys.KEYRING_SERVICE, endpoint.id): SECRET}
    assert keys.lookup_key(endpoint) == SECRET
    assert keys.key_source(endpoint) == "OS keyring"
    monkeypatch.setenv(keys.GENERIC_ENV, "generic")
    assert keys.lookup_key(endpoint) == "generic"
    monkeypatch.setenv("GAUDI_KEY", "specific")
    assert keys.lookup_key(endpoint) == "specific"
    assert keys.key_source(endpoint) == "environment variable GAUDI_KEY"
    keys.store_key(endpoint, "")  # an empty key removes the stored one
    assert memory.items == {}
