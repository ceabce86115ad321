#!/usr/bin/python3
"""Converts a Hugging Face checkpoint saved as pytorch_model.bin into model.safetensors, in place.

Many opus-mt repositories (Helsinki-NLP/opus-mt-*) ship only pytorch_model.bin; StreamFormer reads
safetensors (it never unpickles files). Run with Debian's python3 and python3-torch:

  /usr/bin/python3 tools/convert_pytorch_to_safetensors.py /path/to/opus-mt-en-de

Tied tensors that share storage in the pickle are written as separate copies, as safetensors requires.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_marian  # noqa: E402


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    model_dir = sys.argv[1]
    src = os.path.join(model_dir, "pytorch_model.bin")
    dst = os.path.join(model_dir, "model.safetensors")
    if not os.path.isfile(src):
        sys.exit(f"{src} not found")
    state = torch.load(src, map_location="cpu")
    tensors = {name: t.detach().clone().contiguous() for name, t in state.items() if torch.is_tensor(t)}
    torch_marian.write_safetensors(dst, tensors, {"format": "pt"})
    print(f"wrote {dst} ({len(tensors)} tensors)")


if __name__ == "__main__":
    main()
