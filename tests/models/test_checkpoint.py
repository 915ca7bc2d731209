import numpy as np
import pytest
import torch

from graphmed.errors import DataFormatError
from graphmed.models.checkpoint import load_checkpoint, save_checkpoint


def test_round_trip_keeps_dtypes(tmp_path):
    state = {"w": torch.randn(3, 2), "b": torch.randn(2).to(torch.bfloat16),
             "steps": torch.tensor(5), "table": np.arange(4)}
    path = save_checkpoint(tmp_path / "c.npz", state, {"hidden": 2})
    loaded, config = load_checkpoint(path)
    assert config == {"hidden": 2}
    assert torch.equal(loaded["w"], state["w"]) and loaded["b"].dtype == torch.bfloat16
    assert torch.equal(loaded["b"], state["b"]) and loaded["steps"].item() == 5
    assert np.array_equal(loaded["table"], state["table"])
    assert not list(tmp_path.glob(".*tmp"))


def test_pickled_content_is_refused(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, payload=np.array([{"a": 1}], dtype=object), __config__=np.array("{}"),
             __dtypes__=np.array("{}"))
    with pytest.raises(DataFormatError, match="evil.npz"):
        load_checkpoint(path)


def test_python_objects_are_refused_when_saving(tmp_path):
    with pytest.raises(TypeError, match="state entry 'payload' holds Python objects"):
        save_checkpoint(tmp_path / "c.npz", {"payload": np.array([{"a": 1}], dtype=object)}, {})
    assert not list(tmp_path.iterdir())


def test_reserved_names(tmp_path):
    with pytest.raises(ValueError):
        save_checkpoint(tmp_path / "c.npz", {"__config__": np.zeros(1)}, {})


def test_damaged_files_are_refused(tmp_path):
    path = save_checkpoint(tmp_path / "c.npz", {"w": torch.ones(2)}, {"hidden": 2})
    data = path.read_bytes()
    for name, content in (("cut.npz", data[:len(data) // 2]), ("empty.npz", b""),
                          ("text.npz", b"x")):
        (tmp_path / name).write_bytes(content)
        with pytest.raises(DataFormatError, match=f"{name}: not a graphmed checkpoint"):
            load_checkpoint(tmp_path / name)


def test_hand_edited_tables_are_refused_without_reading_them_as_code(tmp_path):
    import json

    for name, config, dtypes in (("list.npz", "[1, 2]", "{}"),
                                 ("config.npz", json.dumps({"config": [1]}), "{}"),
                                 ("dtypes.npz", json.dumps({"config": {}}), "[]"),
                                 ("unknown.npz", json.dumps({"config": {}}), json.dumps({"w": "float99"})),
                                 ("function.npz", json.dumps({"config": {}}), json.dumps({"w": "load"})),
                                 ("number.npz", json.dumps({"config": {}}), json.dumps({"w": 3}))):
        np.savez(tmp_path / name, w=np.zeros(2), __config__=np.array(config),
                 __dtypes__=np.array(dtypes))
        with pytest.raises(DataFormatError, match=f"{name}: not a graphmed checkpoint"):
            load_checkpoint(tmp_path / name)
    with pytest.raises(DataFormatError, match="array 'w' has an unknown dtype 'load'"):
        load_checkpoint(tmp_path / "function.npz")
