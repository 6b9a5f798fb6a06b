#!/usr/bin/env python3
"""Writes the safetensors format's own cases as files, with their index.

    python3 tests/data/safetensors-spec/generate.py      # rewrites *.safetensors, index.json, README.md here

Each case mirrors a test of the reference implementation (huggingface/safetensors:
safetensors/src/tensor.rs, its `mod tests`), an attack of its attacks/ folder
(scaled down where it was gigabytes), or a limit where our reader is stricter
on purpose. For each: the bytes, what the reference's reader
(SafeTensors::deserialize) does with them (accept, or reject with its error),
and what ours (mlp::parse_safetensors) does, with its exact message.
tests/core/safetensors_spec_test.cpp loads every file and checks our outcome
and message; where ours differs from the reference's, `stricter` says why.
Standard library only; the output is deterministic.
"""

import json
import struct
from pathlib import Path

HERE = Path(__file__).resolve().parent
TENSOR_RS = "safetensors/src/tensor.rs"
ATTACKS = "attacks/"


def length(n):
    return struct.pack("<Q", n)


def file_of(header, data=b"", pad=True):
    """A file as the reference writer lays it out: the header padded with spaces to a multiple of 8."""
    text = header.encode() if isinstance(header, str) else header
    if pad:
        text += b" " * ((8 - len(text) % 8) % 8)
    return length(len(text)) + text + data


def exact(n, header, data=b""):
    """A reference test's bytes: header length n, which must be the header's (the tests spell both out)."""
    assert len(header) == n, (n, len(header), header)
    return length(n) + header + data


def entry(dtype, shape, begin, end):
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def f32(*values):
    return struct.pack(f"<{len(values)}f", *values)


def nested(depth):
    return "[" * depth + "]" * depth


CASES = []


def case(file, what, source, reference, data, ours=None, message=None, stricter=None, tensors=None, reference_error=None):
    """reference/ours: 'accept' or 'reject'; ours defaults to the reference's outcome."""
    CASES.append(
        {
            "file": file + ".safetensors",
            "what": what,
            "source": source,
            "reference": reference,
            "reference_error": reference_error,
            "ours": ours or reference,
            "message": message,
            "stricter": stricter,
            "tensors": tensors,
            "bytes": data,
        }
    )


# ---- safetensors/src/tensor.rs, mod tests ----------------------------------

case("serialization", "one F32 tensor [1, 2, 3], the exact bytes the reference writer produces",
     f"{TENSOR_RS} test_serialization", "accept",
     exact(64, b'{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}', f32(0, 1, 2, 3, 4, 5)), tensors=1)
case("empty", "no tensors: {} padded with 6 spaces", f"{TENSOR_RS} test_empty", "accept", file_of("{}"), tensors=0)
case("empty-with-metadata", "no tensors, __metadata__ {framework: pt}", f"{TENSOR_RS} test_empty", "accept",
     file_of('{"__metadata__":{"framework":"pt"}}'), tensors=0)
case("forced-alignment", "a header padded with 7 spaces so that the F32 data starts 8-byte aligned",
     f"{TENSOR_RS} test_serialization_forced_alignement", "accept",
     file_of('{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}', f32(0, 1, 2, 3, 4, 5)), tensors=1)
case("fp4", "an F4 tensor [1, 2]: two 4-bit elements in one byte", f"{TENSOR_RS} test_serialization_fp4", "accept",
     file_of('{"attn.0":{"dtype":"F4","shape":[1,2],"data_offsets":[0,1]}}', b"\0"), tensors=1)
case("fp4-misaligned", "an F4 tensor [1, 3]: 12 bits, not whole bytes",
     f"{TENSOR_RS} test_serialization_fp4_misaligned", "reject",
     file_of('{"attn.0":{"dtype":"F4","shape":[1,3],"data_offsets":[0,2]}}', b"\0\1"), reference_error="MisalignedSlice",
     message="tensor 'attn.0' has 3 elements of F4, 12 bits: not a whole number of bytes")
case("fp4-invalid", "an F4 tensor [1, 2] given 2 bytes instead of 1", f"{TENSOR_RS} test_serialization_fp4_invalid",
     "reject", file_of('{"attn.0":{"dtype":"F4","shape":[1,2],"data_offsets":[0,2]}}', b"\0\1"),
     reference_error="TensorInvalidInfo", message="tensor 'attn.0' has shape [1,2] (1 byte of F4) but 2 data bytes")
case("empty-shape", "a scalar: shape [], one I32", f"{TENSOR_RS} test_empty_shapes_allowed", "accept",
     exact(56, b'{"test":{"dtype":"I32","shape":[],"data_offsets":[0,4]}}', b"\0" * 4), tensors=1)
case("deserialization", "an I32 tensor [2, 2], header not padded", f"{TENSOR_RS} test_deserialization", "accept",
     exact(60, b'{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}', b"\0" * 16), tensors=1)
case("json-attack", "10 tensors on the same 16 bytes", f"{TENSOR_RS} test_json_attack", "reject",
     length(len(h := compact({f"weight_{i}": entry("F32", [2, 2], 0, 16) for i in range(10)}))) + h.encode() + b"\0" * 16,
     reference_error="InvalidOffset", message="tensors overlap at byte 0")
case("incomplete-buffer-extra", "34 bytes after the last tensor (a polyglot file)",
     f"{TENSOR_RS} test_metadata_incomplete_buffer", "reject",
     exact(60, b'{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}',
           b"\0" * 16 + b"extra_bogus_data_for_polyglot_file"), reference_error="MetadataIncompleteBuffer",
     message="34 data bytes after the last tensor are not described by the header")
case("incomplete-buffer-missing", "the last 2 of a tensor's 16 bytes missing",
     f"{TENSOR_RS} test_metadata_incomplete_buffer", "reject",
     exact(60, b'{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}', b"\0" * 14),
     reference_error="MetadataIncompleteBuffer", message="tensor 'test' has data_offsets [0, 16] outside the 14 data bytes")
case("header-too-large", "a header length of 0xFFFFFF000000003C", f"{TENSOR_RS} test_header_too_large", "reject",
     b"<\0\0\0\0\xff\xff\xff" + b'{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}' + b"\0" * 16,
     reference_error="HeaderTooLarge",
     message="header length 18446742974197923900 runs past the end of the file (84 bytes)")
case("header-too-small", "an empty file", f"{TENSOR_RS} test_header_too_small", "reject", b"",
     reference_error="HeaderTooSmall", message="file is 0 bytes, too short for a safetensors header")
case("invalid-header-length", "a header length of 60 and nothing after it", f"{TENSOR_RS} test_invalid_header_length",
     "reject", length(60), reference_error="InvalidHeaderLength",
     message="header length 60 runs past the end of the file (8 bytes)")
case("header-not-utf8", "a one-byte header 0xFF", f"{TENSOR_RS} test_invalid_header_non_utf8", "reject",
     length(1) + b"\xff", reference_error="InvalidHeader", message="header is not UTF-8 (byte 0xFF at offset 0)")
case("header-not-json", "a one-byte header '{'", f"{TENSOR_RS} test_invalid_header_not_json", "reject",
     length(1) + b"{", reference_error="InvalidHeaderDeserialization",
     message="header is not valid JSON ([json.exception.parse_error.101] parse error at line 1, column 2: syntax "
     "error while parsing object key - unexpected end of input; expected string literal)")
case("whitespace-padded-header", "{} followed by \\r, space, \\t, \\n", f"{TENSOR_RS} test_whitespace_padded_header",
     "accept", length(6) + b"{}\r \t\n", tensors=0)
case("whitespace-before-header", "\\t\\n before {}: the check that would refuse it is commented out "
     "(\"reserved for 0.4.0\"), so the reference reads it", f"{TENSOR_RS} test_whitespace_start_padded_header_is_not_allowed "
     "(commented out)", "accept", length(6) + b"\t\n{}\r ", tensors=0)
case("zero-sized-tensor", "an I32 tensor [2, 0] on no bytes", f"{TENSOR_RS} test_zero_sized_tensor", "accept",
     exact(60, b'{"test":{"dtype":"I32","shape":[2,0],"data_offsets":[0, 0]}}'), tensors=1)
case("invalid-info", "an I32 tensor [2, 2] (16 bytes) on offsets [0, 4]", f"{TENSOR_RS} test_invalid_info", "reject",
     exact(60, b'{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0, 4]}}'), reference_error="TensorInvalidInfo",
     message="tensor 'test' has shape [2,2] (16 bytes of I32) but 4 data bytes")
case("validation-overflow-shape", "shape [2, 2^64 - 2]: the element count overflows",
     f"{TENSOR_RS} test_validation_overflow", "reject",
     exact(79, b'{"test":{"dtype":"I32","shape":[2,18446744073709551614],"data_offsets":[0,16]}}', b"\0" * 16),
     reference_error="ValidationOverflow", message="tensor 'test' has an invalid dimension: the number 18446744073709551614")
case("validation-overflow-bytes", "shape [2, 2^63 - 1]: the byte count overflows",
     f"{TENSOR_RS} test_validation_overflow", "reject",
     exact(78, b'{"test":{"dtype":"I32","shape":[2,9223372036854775807],"data_offsets":[0,16]}}', b"\0" * 16),
     reference_error="ValidationOverflow", message="tensor 'test' has an invalid dimension: the number 9223372036854775807")

# ---- attacks/ (README: "Safetensors abuse attempts") ------------------------

saved = file_of(compact({"weight": entry("F32", [2, 2], 0, 16)}), b"\0" * 16)
case("abuse-1-header-length-1000", "save_file({weight: zeros(2, 2)}), then the header length overwritten with 1000",
     f"{ATTACKS}safetensors_abuse_attempt_1.py", "reject", length(1000) + saved[8:], reference_error="InvalidHeaderLength",
     message=f"header length 1000 runs past the end of the file ({len(saved)} bytes)")
h = compact({f"weight_{i}": entry("F32", [2, 2], 0, 16) for i in range(1000)})
case("abuse-2-many-tensors-one-range", "1,000 tensors [2, 2] on the same offsets [0, 16] (the attack has 10,000,000)",
     f"{ATTACKS}safetensors_abuse_attempt_2.py", "reject", length(len(h)) + h.encode() + b"\0" * len(h),
     reference_error="InvalidOffset", message="tensors overlap at byte 0")
h = compact({f"weight_{i}": entry("F32", [200, 200], 0, 160000) for i in range(100)})
case("abuse-3-large-tensors-one-range", "100 tensors [200, 200] on the same offsets [0, 160000] (the attack has 100,000)",
     f"{ATTACKS}safetensors_abuse_attempt_3.py", "reject", length(len(h)) + h.encode() + b"\0" * len(h),
     reference_error="InvalidOffset", message=f"tensor 'weight_0' has data_offsets [0, 160000] outside the {len(h)} data bytes")
case("negative-offsets", "data_offsets [-4, 12]", f"{ATTACKS}README.md, proposal 3", "reject",
     file_of(compact({"w": entry("F32", [4], -4, 12)}), b"\0" * 16), reference_error="InvalidHeaderDeserialization",
     message="tensor 'w' needs data_offsets [begin, end] of whole numbers")
case("overlapping-offsets", "two tensors [4] on [0, 16] and [8, 24]", f"{ATTACKS}README.md, proposal 4", "reject",
     file_of(compact({"a": entry("F32", [4], 0, 16), "b": entry("F32", [4], 8, 24)}), b"\0" * 24),
     reference_error="InvalidOffset", message="tensors overlap at byte 8")

# ---- what the format says, as the reference reads it -----------------------

case("out-of-order-offsets", "the header lists b [16, 32] before a [0, 16]: offsets sorted, not the header's order",
     f"{TENSOR_RS} Metadata (sorts the tensors by data_offsets)", "accept",
     file_of('{"b":{"dtype":"F32","shape":[4],"data_offsets":[16,32]},"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}',
             b"\0" * 32), tensors=2)
case("hole-between-tensors", "a on [0, 8], b on [12, 20]: 4 bytes nothing describes",
     f"{TENSOR_RS} Metadata::validate", "reject",
     file_of(compact({"a": entry("F32", [2], 0, 8), "b": entry("F32", [2], 12, 20)}), b"\0" * 20),
     reference_error="InvalidOffset", message="the data has a hole at bytes 8..12")
case("offsets-backwards", "data_offsets [16, 0]", f"{TENSOR_RS} Metadata::validate", "reject",
     file_of(compact({"w": entry("F32", [4], 16, 0)}), b"\0" * 16), reference_error="InvalidOffset",
     message="tensor 'w' has data_offsets [16, 0] that end before they begin")
case("unknown-dtype", "dtype F17", f"{TENSOR_RS} Dtype", "reject",
     file_of(compact({"w": entry("F17", [4], 0, 16)}), b"\0" * 16), reference_error="InvalidHeaderDeserialization",
     message="tensor 'w' has an unknown dtype 'F17'")
case("lowercase-dtype", "dtype f32 (the names are upper case)", f"{TENSOR_RS} Dtype", "reject",
     file_of(compact({"w": entry("f32", [4], 0, 16)}), b"\0" * 16), reference_error="InvalidHeaderDeserialization",
     message="tensor 'w' has an unknown dtype 'f32'")
# 8 elements of each dtype: as many bytes as the dtype has bits.
DTYPE_BITS = [("BOOL", 8), ("F4", 4), ("F6_E2M3", 6), ("F6_E3M2", 6), ("U8", 8), ("I8", 8), ("F8_E5M2", 8),
              ("F8_E4M3", 8), ("F8_E8M0", 8), ("I16", 16), ("U16", 16), ("F16", 16), ("BF16", 16), ("I32", 32),
              ("U32", 32), ("F32", 32), ("C64", 64), ("F64", 64), ("I64", 64), ("U64", 64)]
offsets = [sum(bits for _, bits in DTYPE_BITS[:i]) for i in range(len(DTYPE_BITS) + 1)]
case("every-dtype", "8 elements of each of the 20 dtypes, BOOL to U64 (F4 and F6 packed)",
     f"{TENSOR_RS} Dtype::bitsize", "accept",
     file_of(compact({f"t_{name}": entry(name, [8], offsets[i], offsets[i + 1]) for i, (name, _) in enumerate(DTYPE_BITS)}),
             b"\0" * offsets[-1]), tensors=20)
case("metadata-not-string", "__metadata__ {k: 1}", f"{TENSOR_RS} HashMetadata (metadata: HashMap<String, String>)",
     "reject", file_of('{"__metadata__":{"k":1}}'), reference_error="InvalidHeaderDeserialization",
     message="metadata 'k' is not a string but the number 1")
case("header-not-object", "a header that is a JSON array", f"{TENSOR_RS} HashMetadata", "reject", file_of("[]"),
     reference_error="InvalidHeaderDeserialization", message="header is not a JSON object")
case("tensor-extra-field", "a tensor entry with a field the format does not have (ignored)",
     f"{TENSOR_RS} TensorInfo", "accept",
     file_of('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"note":"x"}}', b"\0" * 4), tensors=1)

# ---- where ours is stricter on purpose -------------------------------------

case("header-over-1mb", "{} padded with spaces to a header of 1 MB + 8 bytes", "our limit (the reference allows 100 MB)",
     "accept", length((1 << 20) + 8) + b"{}" + b" " * ((1 << 20) + 6), ours="reject",
     message="header length 1048584 is larger than the 1 MB limit",
     stricter="our headers are about 2 KB, and parsing one costs tens of times its size in memory: 1 MB bounds "
     "what an upload can make the page allocate before anything is checked")
case("nesting-17-levels", "a field the format does not have, in a tensor entry, of 16 nested arrays: a "
     "value 17 levels below the header's object", "our limit (serde_json's recursion limit is 128)", "accept",
     file_of('{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":' + nested(16) + "}}", b"\0"),
     ours="reject", message="header nests deeper than 16 levels",
     stricter="nlohmann::json's dump(), copies and comparisons recurse: 16 levels keep every later step off the "
     "stack's limit (our headers nest 3)")
case("shape-17-dimensions", "a U8 tensor of 17 dimensions of 1", "our limit (the reference has none)", "accept",
     file_of(compact({"w": entry("U8", [1] * 17, 0, 1)}), b"\0"), ours="reject",
     message="tensor 'w' has 17 dimensions, more than 16",
     stricter="a network's tensors have 1 or 2 dimensions; the limit keeps a shape's messages and checks short")
case("dimension-above-2-30", "a U8 tensor [0, 2^31] on no bytes", "our limit (the reference only checks the product)",
     "accept", file_of(compact({"w": entry("U8", [0, 1 << 31], 0, 0)})), ours="reject",
     message="tensor 'w' has an invalid dimension: the number 2147483648",
     stricter="a layer is at most 65,536 wide; dimensions up to 2^30 keep every size computation far from overflow")


def main():
    for old in HERE.glob("*.safetensors"):
        old.unlink()
    index = []
    for c in CASES:
        (HERE / c["file"]).write_bytes(c["bytes"])
        row = {k: v for k, v in c.items() if k != "bytes" and v is not None}
        row["size"] = len(c["bytes"])
        index.append(row)
    (HERE / "index.json").write_text(json.dumps(index, indent=2, ensure_ascii=False) + "\n")
    lines = [
        "# The safetensors format's own cases",
        "",
        "Generated by `generate.py` (which says where each case comes from); checked by",
        "`tests/core/safetensors_spec_test.cpp`. *Reference*: what huggingface/safetensors' reader does",
        "with the file; *ours*: `mlp::parse_safetensors`, whose messages are prefixed with `model file: `.",
        "",
        "| file | what | from | reference | ours | our message |",
        "|---|---|---|---|---|---|",
    ]
    for c in CASES:
        ref = c["reference"] + (f" ({c['reference_error']})" if c["reference_error"] else "")
        ours = c["ours"] + (" — **stricter**: " + c["stricter"] if c["stricter"] else "")
        lines.append(f"| `{c['file']}` | {c['what']} | {c['source']} | {ref} | {ours} | {c['message'] or ''} |")
    (HERE / "README.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
