#!/usr/bin/python3
"""Fixtures for CmykJpegTest: CMYK JPEGs and the RGB pixels PIL reads from them (Image.open(f).convert("RGB"),
as diffusers' pipelines and pytorch-fid read images). cmyk-adobe.jpg is PIL's own CMYK JPEG (Adobe APP14 marker,
transform 0, stored inverted); cmyk-plain.jpg is the same file without its APP14 segment (PIL reads it as inverted all the same);
ycck.jpg has the marker's transform byte set to 2 (YCCK), which ddpm4j refuses. Needs Debian's python3-pil and
python3-numpy: /usr/bin/python3 reference/cmyk_jpeg.py src/test/resources/reference/cmyk"""
import sys
import numpy as np
from PIL import Image

out = sys.argv[1]
rng = np.random.default_rng(1)
rgb = (rng.random((12, 20, 3)) * 255).astype(np.uint8)
rgb[:6, :, 0] = 200
rgb[6:, :10, 1] = 30
Image.fromarray(rgb, "RGB").convert("CMYK").save(f"{out}/cmyk-adobe.jpg", quality=95)
data = open(f"{out}/cmyk-adobe.jpg", "rb").read()
at = data.index(b"\xff\xee")  # APP14 "Adobe": marker, 2-byte length, 'Adobe', version, flags0, flags1, transform
length = int.from_bytes(data[at + 2:at + 4], "big")
assert data[at + 4:at + 9] == b"Adobe"
open(f"{out}/cmyk-plain.jpg", "wb").write(data[:at] + data[at + 2 + length:])
ycck = bytearray(data)
ycck[at + 2 + length - 1] = 2
open(f"{out}/ycck.jpg", "wb").write(bytes(ycck))
for name in ("cmyk-adobe", "cmyk-plain"):
    image = Image.open(f"{out}/{name}.jpg")
    assert image.mode == "CMYK", image.mode
    np.save(f"{out}/{name}.pil-rgb.npy", np.asarray(image.convert("RGB")))
print(Image.__version__ if hasattr(Image, "__version__") else "", "wrote", out)
