#!/usr/bin/env python3
"""An independent reader of TensorBoard event files, to check what ddpm4j writes.

Reads every record (uint64 length, masked CRC-32C of the length, data, masked CRC-32C of the data), checks
both checksums with its own CRC-32C, and decodes each record as TensorBoard's Event message with Debian's
python3-protobuf, the message types declared here from TensorBoard's field numbers (not from ddpm4j's .proto).
Prints one JSON object per event: step, wall_time, file_version or the summary's scalars and images.

    python3 reference/tfevents_read.py FILE...
"""
import json
import struct
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

_TABLE = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1  # CRC-32C (Castagnoli), reflected
    _TABLE.append(c)


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def masked(data):
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _message_types():
    f = descriptor_pb2.FileDescriptorProto(name="check_event.proto", package="check", syntax="proto3")
    T = descriptor_pb2.FieldDescriptorProto

    def field(msg, name, number, kind, type_name=None, repeated=False, oneof=None):
        fd = msg.field.add(name=name, number=number, type=kind,
                           label=T.LABEL_REPEATED if repeated else T.LABEL_OPTIONAL)
        if type_name:
            fd.type_name = type_name
        if oneof is not None:
            fd.oneof_index = oneof

    image = f.message_type.add(name="Image")
    field(image, "height", 1, T.TYPE_INT32)
    field(image, "width", 2, T.TYPE_INT32)
    field(image, "colorspace", 3, T.TYPE_INT32)
    field(image, "encoded_image_string", 4, T.TYPE_BYTES)
    value = f.message_type.add(name="Value")
    value.oneof_decl.add(name="value")
    field(value, "tag", 1, T.TYPE_STRING)
    field(value, "simple_value", 2, T.TYPE_FLOAT, oneof=0)
    field(value, "image", 4, T.TYPE_MESSAGE, ".check.Image", oneof=0)
    summary = f.message_type.add(name="Summary")
    field(summary, "value", 1, T.TYPE_MESSAGE, ".check.Value", repeated=True)
    event = f.message_type.add(name="Event")
    event.oneof_decl.add(name="what")
    field(event, "wall_time", 1, T.TYPE_DOUBLE)
    field(event, "step", 2, T.TYPE_INT64)
    field(event, "file_version", 3, T.TYPE_STRING, oneof=0)
    field(event, "summary", 5, T.TYPE_MESSAGE, ".check.Summary", oneof=0)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)
    desc = pool.FindMessageTypeByName("check.Event")
    if hasattr(message_factory, "GetMessageClass"):  # protobuf 4.21 and later
        return message_factory.GetMessageClass(desc)
    return message_factory.MessageFactory(pool).GetPrototype(desc)


def records(path):
    with open(path, "rb") as fh:
        data = fh.read()
    pos = 0
    while pos < len(data):
        if len(data) - pos < 12:
            raise SystemExit(f"{path}: {len(data) - pos} stray bytes at {pos}")
        head = data[pos:pos + 8]
        (length,) = struct.unpack("<Q", head)
        (crc,) = struct.unpack("<I", data[pos + 8:pos + 12])
        if crc != masked(head):
            raise SystemExit(f"{path}: bad length checksum at {pos}")
        body = data[pos + 12:pos + 12 + length]
        (crc,) = struct.unpack("<I", data[pos + 12 + length:pos + 16 + length])
        if len(body) != length or crc != masked(body):
            raise SystemExit(f"{path}: bad data checksum at {pos}")
        yield body
        pos += 16 + length


def main(paths):
    Event = _message_types()
    for path in paths:
        for body in records(path):
            e = Event()
            e.ParseFromString(body)
            out = {"step": e.step, "wall_time": e.wall_time}
            if e.WhichOneof("what") == "file_version":
                out["file_version"] = e.file_version
            else:
                out["scalars"] = {v.tag: v.simple_value for v in e.summary.value if v.WhichOneof("value") == "simple_value"}
                out["images"] = [{"tag": v.tag, "height": v.image.height, "width": v.image.width,
                                  "colorspace": v.image.colorspace, "bytes": len(v.image.encoded_image_string),
                                  "png": v.image.encoded_image_string[:8] == b"\x89PNG\r\n\x1a\n"}
                                 for v in e.summary.value if v.WhichOneof("value") == "image"]
            print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
