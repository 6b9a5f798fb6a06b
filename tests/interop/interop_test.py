"""The model files and the ONNX models of mlp_train, read by other software.

Run by ctest from the native-release build (label interop; tests/interop/CMakeLists.txt) with
Debian's /usr/bin/python3 (python3-numpy, python3-onnx):

    python3 interop_test.py train DIR          # the fixture: six models, every activation × output, in DIR
    python3 -m unittest interop_test.NumpyScript    # (and OnnxModel, PyTorchImport) with MODELS=DIR

Environment: MLP_TRAIN (the mlp_train binary), MNIST_DIR (the four IDX files), MODELS (the fixture's DIR).
"""

import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPO / "scripts"))
import mnist_mlp_numpy  # noqa: E402  (the script under test, as a module)

ACTIVATIONS = ["sigmoid", "tanh", "relu"]
LOSSES = ["sigmoid-bce", "softmax-ce"]
COMBINATIONS = [(a, l) for a in ACTIVATIONS for l in LOSSES]


def mlp_train(*args, check=True):
    """Runs mlp_train; returns (its final JSON line or None, stderr)."""
    run = subprocess.run([os.environ["MLP_TRAIN"], "--no-progress", "--data", os.environ["MNIST_DIR"], *map(str, args)],
                         capture_output=True, text=True)
    if check and run.returncode != 0:
        raise AssertionError(f"mlp_train {' '.join(map(str, args))} failed ({run.returncode}): {run.stderr}")
    final = [json.loads(line) for line in run.stdout.splitlines() if '"final":true' in line]
    return (final[0] if final else None), run.stderr, run.returncode


def model_path(activation, loss):
    return Path(os.environ["MODELS"]) / f"{activation}-{loss}.safetensors"


def cli_result(activation, loss):
    return json.loads(model_path(activation, loss).with_suffix(".json").read_text())


def test_images():
    folder = Path(os.environ["MNIST_DIR"])
    images = mnist_mlp_numpy.read_idx(mnist_mlp_numpy.find(folder, "t10k-images-idx3-ubyte"))
    labels = mnist_mlp_numpy.read_idx(mnist_mlp_numpy.find(folder, "t10k-labels-idx1-ubyte"))
    return images.reshape(len(images), -1).astype(np.float32) * np.float32(1 / 255), labels


def train(folder):
    """The fixture: a small network per activation × output, trained one epoch on 12,000 images (Adam,
    batches of 32: 82–91 % test accuracy), with what mlp_train printed (its final line) beside each."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for activation, loss in COMBINATIONS:
        path = folder / f"{activation}-{loss}.safetensors"
        final, _, _ = mlp_train("--layers", "784-32-16-10", "--activation", activation, "--loss", loss, "--optimizer",
                                "adam", "--lr", "0.005", "--batch", 32, "--epochs", 1, "--train-limit", 12000, "--seed", 5,
                                "--save", path)
        path.with_suffix(".json").write_text(json.dumps(final))
        print(f"{path.name}: test accuracy {final['test_accuracy']}")


def state_dict_file(tensors, dtype="F32", metadata=None):
    """A .safetensors file as PyTorch's safetensors.torch.save_file writes one: tensors {name: array}, the
    header padded with spaces to a multiple of 8."""
    header, data = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    numpy_dtype = {"F32": "<f4", "F16": "<f2", "F64": "<f8"}[dtype]
    for name, array in tensors.items():
        raw = np.ascontiguousarray(array, dtype=numpy_dtype).tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data


class NumpyScript(unittest.TestCase):
    """scripts/mnist_mlp_numpy.py counts exactly the test images mlp_train counts, for every network."""

    def test_accuracy_equals_the_cli(self):
        for activation, loss in COMBINATIONS:
            with self.subTest(activation=activation, loss=loss):
                run = subprocess.run([sys.executable, str(REPO / "scripts" / "mnist_mlp_numpy.py"),
                                      str(model_path(activation, loss)), "--data", os.environ["MNIST_DIR"]],
                                     capture_output=True, text=True, check=True)
                correct, total = map(int, re.search(r"\((\d+)/(\d+)\)", run.stdout).groups())
                cli = cli_result(activation, loss)["test_accuracy"]
                print(f"{activation} {loss}: numpy {correct}/{total}, mlp_train {cli}", file=sys.stderr)
                self.assertEqual(total, 10000)
                self.assertEqual(correct, round(cli * 10000))
                self.assertGreater(correct, 8000)  # a trained network, not chance

    def test_gzip_idx_files_read_as_raw_ones(self):
        import gzip
        with tempfile.TemporaryDirectory() as folder:
            for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
                raw = (Path(os.environ["MNIST_DIR"]) / name).read_bytes()
                (Path(folder) / (name + ".gz")).write_bytes(gzip.compress(raw, compresslevel=1))
            a = subprocess.run([sys.executable, str(REPO / "scripts" / "mnist_mlp_numpy.py"),
                                str(model_path("relu", "softmax-ce")), "--data", folder],
                               capture_output=True, text=True, check=True).stdout
        b = subprocess.run([sys.executable, str(REPO / "scripts" / "mnist_mlp_numpy.py"),
                            str(model_path("relu", "softmax-ce")), "--data", os.environ["MNIST_DIR"]],
                           capture_output=True, text=True, check=True).stdout
        self.assertEqual(a, b)


def run_onnx_graph(model, x):
    """The exported graph evaluated operator by operator in numpy (onnx 1.12 has no evaluator)."""
    from onnx import numpy_helper
    values = {"input": x}
    values.update({t.name: numpy_helper.to_array(t) for t in model.graph.initializer})
    for node in model.graph.node:
        args = [values[name] for name in node.input]
        attributes = {a.name: a.i for a in node.attribute}
        if node.op_type == "Gemm":
            a, b, c = args
            out = a @ (b.T if attributes.get("transB") else b) + c
        elif node.op_type == "Sigmoid":
            out = 1 / (1 + np.exp(-args[0]))
        elif node.op_type == "Tanh":
            out = np.tanh(args[0])
        elif node.op_type == "Relu":
            out = np.maximum(args[0], 0)
        elif node.op_type == "Softmax":
            e = np.exp(args[0] - args[0].max(axis=attributes["axis"], keepdims=True))
            out = e / e.sum(axis=attributes["axis"], keepdims=True)
        else:
            raise AssertionError(f"unexpected operator {node.op_type}")
        values[node.output[0]] = out.astype(np.float32)
    return values["probabilities"]


class OnnxModel(unittest.TestCase):
    """mlp_train --export-onnx writes a model onnx's checker accepts, with the documented interface,
    computing the network's probabilities."""

    def test_exported_models_check_and_compute_the_network(self):
        import onnx
        x, labels = test_images()
        with tempfile.TemporaryDirectory() as folder:
            for activation, loss in COMBINATIONS:
                with self.subTest(activation=activation, loss=loss):
                    path = Path(folder) / f"{activation}-{loss}.onnx"
                    final, _, _ = mlp_train("--load", model_path(activation, loss), "--export-onnx", path)
                    self.assertIsNone(final)  # a conversion: nothing trained, nothing evaluated
                    model = onnx.load(str(path))
                    onnx.checker.check_model(model, full_check=True)  # with shape inference
                    self.assertEqual(model.ir_version, 8)
                    self.assertEqual([(o.domain, o.version) for o in model.opset_import], [("", 17)])
                    self.assertIn("divided by 255", model.doc_string)
                    (inp,), (out,) = model.graph.input, model.graph.output
                    self.assertEqual(inp.name, "input")
                    self.assertEqual(out.name, "probabilities")
                    shape = lambda v: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
                    self.assertEqual(shape(inp), ["N", 784])
                    self.assertEqual(shape(out), ["N", 10])
                    self.assertEqual(inp.type.tensor_type.elem_type, onnx.TensorProto.FLOAT)
                    props = {p.key: p.value for p in model.metadata_props}
                    self.assertEqual(props, {"layers": "784-32-16-10", "activation": activation, "loss": loss,
                                             "input_scale": "1/255"})
                    p = run_onnx_graph(model, x)
                    sizes, hidden, output, layers = mnist_mlp_numpy.read_model(model_path(activation, loss))
                    expected = mnist_mlp_numpy.probabilities(layers, hidden, output, x)
                    delta = float(np.abs(p - expected).max())
                    print(f"{activation} {loss}: max |Δp| {delta:.2e} between the ONNX graph and the model file",
                          file=sys.stderr)
                    self.assertLess(delta, 1e-5)
                    self.assertEqual(int((p.argmax(axis=1) == labels).sum()),
                                     round(cli_result(activation, loss)["test_accuracy"] * 10000))


class PyTorchImport(unittest.TestCase):
    """A network written as PyTorch writes an nn.Sequential's state_dict loads into mlp_train, which
    classifies with it exactly as with the model it came from, and saves it as a model file of ours."""

    def write_state_dict(self, folder, activation, loss, dtype, first=1):
        sizes, hidden, output, layers = mnist_mlp_numpy.read_model(model_path(activation, loss))
        # nn.Sequential(nn.Flatten(), nn.Linear, act, nn.Linear, act, nn.Linear): Linear layers at 1, 3, 5.
        tensors = {}
        for k, (w, b) in enumerate(layers):
            tensors[f"{first + 2 * k}.weight"], tensors[f"{first + 2 * k}.bias"] = w, b
        path = Path(folder) / f"torch-{dtype}.safetensors"
        path.write_bytes(state_dict_file(tensors, dtype, {"format": "pt"}))
        return path

    def test_imported_weights_classify_as_the_original(self):
        with tempfile.TemporaryDirectory() as folder:
            for activation, loss in COMBINATIONS:
                with self.subTest(activation=activation, loss=loss):
                    original = cli_result(activation, loss)["test_accuracy"]
                    path = self.write_state_dict(folder, activation, loss, "F32")
                    back = Path(folder) / "back.safetensors"
                    final, stderr, _ = mlp_train("--load", path, "--activation", activation, "--loss", loss,
                                                 "--epochs", 0, "--save", back)
                    self.assertIn("imported", stderr)
                    self.assertEqual(final["test_accuracy"], original)
                    self.assertEqual(final["epochs"], 0)
                    run = subprocess.run([sys.executable, str(REPO / "scripts" / "mnist_mlp_numpy.py"), str(back),
                                          "--data", os.environ["MNIST_DIR"]], capture_output=True, text=True, check=True)
                    self.assertIn(f"({round(original * 10000)}/10000)", run.stdout)

    def test_half_precision_and_defaults(self):
        with tempfile.TemporaryDirectory() as folder:
            # ReLU + softmax are what mlp_train assumes when the flags do not say.
            original = cli_result("relu", "softmax-ce")["test_accuracy"]
            final, _, _ = mlp_train("--load", self.write_state_dict(folder, "relu", "softmax-ce", "F32"), "--epochs", 0)
            self.assertEqual(final["test_accuracy"], original)
            final, stderr, _ = mlp_train("--load", self.write_state_dict(folder, "relu", "softmax-ce", "F16"), "--epochs", 0)
            self.assertIn("F16", stderr)
            self.assertLess(abs(final["test_accuracy"] - original), 0.005)  # F16 rounds the weights
            # Trains on, from a fresh optimiser.
            final, _, _ = mlp_train("--load", self.write_state_dict(folder, "relu", "softmax-ce", "F64"), "--epochs", 1,
                                    "--train-limit", 6000, "--optimizer", "adam", "--lr", "0.001")
            self.assertEqual(final["epochs"], 1)
            self.assertGreater(final["test_accuracy"], original - 0.02)

    def test_a_broken_file_is_refused_with_its_reason(self):
        with tempfile.TemporaryDirectory() as folder:
            sizes, hidden, output, layers = mnist_mlp_numpy.read_model(model_path("relu", "softmax-ce"))
            (w0, b0), (w1, b1), (w2, b2) = layers
            path = Path(folder) / "gap.safetensors"
            path.write_bytes(state_dict_file({"fc1.weight": w0, "fc1.bias": b0, "fc2.weight": w1, "fc2.bias": b1,
                                              "fc4.weight": w2, "fc4.bias": b2}))
            _, stderr, code = mlp_train("--load", path, "--epochs", 0, check=False)
            self.assertEqual(code, 1)
            self.assertIn("model file: the layers are numbered 1, 2, 4: a gap after 'fc2'", stderr)
            path.write_bytes(state_dict_file({"fc1.weight": w0, "fc1.bias": b0, "fc2.weight": w2, "fc2.bias": b2}))
            _, stderr, code = mlp_train("--load", path, "--export-onnx", Path(folder) / "x.onnx", check=False)
            self.assertEqual(code, 1)
            self.assertIn("model file: layer 2's weight is [10, 16] but layer 1 outputs 32", stderr)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "train":
        train(sys.argv[2])
    else:
        unittest.main()
