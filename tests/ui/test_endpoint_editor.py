"""The endpoint editor and remote endpoints in the pair selector (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from app.core.engine.remote import Endpoint, load_endpoints
from app.core.engine.remote.endpoint import upsert_endpoint
from app.core.engine.remote.keys import KEYRING_SERVICE
from app.ui.endpoints.endpoint_editor import EndpointEditor
from app.ui.endpoints.endpoint_list import EndpointListDialog
from app.ui.shared.remote_pairs import remote_ready_pairs
from tests.fixtures.memory_keyring import MemoryKeyring, in_memory_keyring
from tests.fixtures.tgi_server import MODEL_ID, TOKENS, Script, ScriptedServer
from tests.ui.conftest import send_and_wait

SECRET = "sk-editor-test-7d3f"


@pytest.fixture
def memory_keyring(monkeypatch) -> Iterator[MemoryKeyring]:
    monkeypatch.delenv("TANDEM_REMOTE_API_KEY", raising=False)
    with in_memory_keyring() as memory:
        yield memory


@pytest.fixture
def vllm_like() -> Iterator[ScriptedServer]:
    server = ScriptedServer(Script(openai_routes=True, owned_by="vllm")).start()
    yield server
    server.close()


def test_test_connection_shows_latency_and_models(qtbot, memory_keyring, vllm_like):
    editor = EndpointEditor()
    qtbot.addWidget(editor)
    editor.url.setText(vllm_like.url)
    editor.key.setText(SECRET)
    editor.test_button.click()
    qtbot.waitUntil(lambda: editor.test_button.isEnabled(), timeout=10_000)
    text = editor.status_label.text()
    assert text.startswith("Connected"), text
    assert "vllm server" in text and "ms round trip" in text and MODEL_ID in text
    assert editor.model.itemText(0) == MODEL_ID
    assert vllm_like.script.seen_auth[-1] == f"Bearer {SECRET}"
    assert SECRET not in text


def test_test_connection_failure_is_explained(qtbot, memory_keyring):
    editor = EndpointEditor()
    qtbot.addWidget(editor)
    editor.url.setText("http://127.0.0.1:9")
    editor.test_button.click()
    qtbot.waitUntil(lambda: editor.test_button.isEnabled(), timeout=15_000)
    assert editor.status_label.text().startswith("Not connected: Could not connect")
    editor.url.setText("ftp://nowhere")
    editor.test_button.click()
    assert "not an http(s) address" in editor.status_label.text()


def test_save_keeps_the_key_out_of_files(qtbot, memory_keyring, tandem_home, vllm_like):
    editor = EndpointEditor()
    qtbot.addWidget(editor)
    editor.url.setText(vllm_like.url + "/v1")
    editor.name.setText("Gaudi box")
    editor.key.setText(SECRET)
    with qtbot.waitSignal(editor.saved, timeout=5_000) as saved:
        editor.buttons.button(editor.buttons.StandardButton.Save).click()
    endpoint = saved.args[0]
    assert endpoint.url == vllm_like.url and endpoint.id == "gaudi-box"
    assert memory_keyring.items == {(KEYRING_SERVICE, "gaudi-box"): SECRET}
    text = (tandem_home / "endpoints.json").read_text()
    assert SECRET not in text and json.loads(text)["endpoints"][0]["name"] == "Gaudi box"
    assert load_endpoints() == [endpoint]
    # Reopened, the key field stays empty and says where the key is.
    again = EndpointEditor(endpoint)
    qtbot.addWidget(again)
    assert again.key.text() == "" and "OS keyring" in again.key.placeholderText()


def test_endpoint_list_remove_forgets_the_key(qtbot, memory_keyring, tandem_home):
    endpoint = Endpoint("http://127.0.0.1:9", name="Old box")
    upsert_endpoint(endpoint)
    memory_keyring.set_password(KEYRING_SERVICE, endpoint.id, SECRET)
    dialog = EndpointListDialog()
    qtbot.addWidget(dialog)
    assert dialog.list.count() == 1
    dialog.list.setCurrentRow(0)
    with qtbot.waitSignal(dialog.changed, timeout=2_000):
        dialog.remove_button.click()
    assert dialog.list.count() == 0 and load_endpoints() == []
    assert memory_keyring.items == {}


def test_remote_endpoint_in_the_pair_selector_holds_a_chat(qtbot, make_window,
                                                          memory_keyring, vllm_like):
    upsert_endpoint(Endpoint(vllm_like.url, name="Gaudi box"))
    assert [p.id for p in remote_ready_pairs()] == ["remote:gaudi-box"]
    window = make_window(wait_loaded=False, autoload=False)
    combo = window.chat_tab.controls.pair
    index = combo.findData("remote:gaudi-box")
    assert index >= 0, "the endpoint is not in the pair selector"
    combo.setCurrentIndex(index)
    spec = window.controls.wanted_spec()
    assert spec.endpoint == "gaudi-box"
    result = send_and_wait(qtbot, window, "Hello?")
    assert result.text == "".join(TOKENS)
    assert result.stats.mode == "remote"
    assert "acceptance not reported" in result.stats.summary()
    sent = vllm_like.script.requests[-1]
    assert sent["messages"][-1] == {"role": "user", "content": "Hello?"}


def test_endpoint_list_refreshes_the_pair_selector(qtbot, make_window, memory_keyring):
    window = make_window(wait_loaded=False, autoload=False)
    before = window.chat_tab.controls.pair.count()
    dialog = window.edit_endpoints()
    qtbot.addWidget(dialog)
    upsert_endpoint(Endpoint("http://127.0.0.1:9", name="New box"))
    dialog.changed.emit()
    assert window.chat_tab.controls.pair.count() == before + 1
