#!/usr/bin/python3
"""Writes src/test/resources/torch-legacy: one state dict in PyTorch's legacy and zip formats, and a
legacy-layout file whose pickle would run a shell command if Python's pickle loaded it.
Needs Debian's python3-torch (written with torch 1.13)."""
import collections
import io
import os
import pickle
import sys

import torch

out = sys.argv[1] if len(sys.argv) > 1 else 'src/test/resources/torch-legacy'
os.makedirs(out, exist_ok=True)
sd = collections.OrderedDict()
sd['a.weight'] = torch.arange(6, dtype=torch.float32).reshape(2, 3)
base = torch.arange(12, dtype=torch.float32).reshape(3, 4) / 4
sd['b.transposed'] = base.t()  # a strided view of a shared storage
sd['b.base'] = base
sd['c.double'] = torch.tensor([0.5, -1.25], dtype=torch.float64)
sd['d.half'] = torch.tensor([1.5, -2.0, 65504.0], dtype=torch.float16)
sd['e.long'] = torch.tensor([3, -7], dtype=torch.int64)
sd['f.scalar'] = torch.tensor(2.5)
sd['g.param'] = torch.nn.Parameter(torch.full((2,), 0.25))
sd['h.offset'] = torch.arange(10, dtype=torch.float32)[4:7]  # a storage offset
sd._metadata = {'': {'version': 1}}
torch.save(sd, os.path.join(out, 'state_dict.pth'), _use_new_zipfile_serialization=False)
zipped = collections.OrderedDict((k, v.detach()) for k, v in sd.items())
zipped._metadata = sd._metadata
torch.save(zipped, os.path.join(out, 'state_dict_zip.pth'))


class Evil:
    def __reduce__(self):
        return (os.system, ('echo pwned',))


buf = io.BytesIO()
for o in (0x1950a86a20f9469cfc6c, 1001, dict(protocol_version=1001, little_endian=True, type_sizes=dict(short=2, int=4, long=4))):
    pickle.dump(o, buf, protocol=2)
pickle.dump({'x': Evil()}, buf, protocol=2)
pickle.dump([], buf, protocol=2)
with open(os.path.join(out, 'evil.pth'), 'wb') as f:
    f.write(buf.getvalue())
