"""Compute logits for the last few positions only, chosen per call.

An exported LLM applies its LM head (hidden size × vocabulary, the largest single matrix of
a small model: 1536 × 151,936 in Qwen2.5-1.5B) to every position it is fed. The loop needs
every row of a verification pass, but only the last row of a prefill or of the draft's
catch-up feed. GenAI's pipelines cut the head to the last position once and for all; the
loop needs a number that changes per call, so `add_rows_input` inserts a Slice before the
head whose start is a new input, `logits_rows` (shape [1]): the model then returns
[batch, rows, vocabulary]. A prefill of a 300-token prompt thereby skips 299 rows of the
head (on Qwen2.5-1.5B about a seventh of the prefill's arithmetic) and a 600 MB logits
copy.
"""

from __future__ import annotations

import numpy as np
import openvino as ov
from openvino import opset13 as ops

ROWS_INPUT = "logits_rows"
# Nodes between the head's MatMul and the logits output that keep the row axis as it is.
_PASS_THROUGH = frozenset({"Convert", "Multiply", "Divide", "Tanh"})


def add_rows_input(model: ov.Model) -> bool:
    """Slice the LM head's input to its last `logits_rows` positions; False (model
    unchanged) when the logits do not come from a MatMul over [batch, positions, hidden]."""
    if any(ROWS_INPUT in port.get_names() for port in model.inputs):
        return True
    node = model.get_results()[0].input_value(0).get_node()
    while node.get_type_name() in _PASS_THROUGH:
        node = node.input_value(0).get_node()
    if node.get_type_name() != "MatMul":
        return False
    hidden = node.input_value(0)
    if hidden.get_partial_shape().rank.get_length() != 3:
        return False
    rows = ops.parameter([1], ov.Type.i64, name=ROWS_INPUT)
    rows.output(0).get_tensor().set_names({ROWS_INPUT})
    sliced = ops.slice(hidden, ops.negative(rows),
                       ops.constant(np.array([np.iinfo(np.int64).max], dtype=np.int64)),
                       ops.constant(np.array([1], dtype=np.int64)),
                       ops.constant(np.array([1], dtype=np.int64)))
    node.input(0).replace_source_output(sliced.output(0))
    model.add_parameters([rows])
    model.validate_nodes_and_infer_types()
    return True
