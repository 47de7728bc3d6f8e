package ddpm4j.io;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What both PyTorch checkpoint formats share: storages referenced by persistent ids, tensors rebuilt as views of them. */
final class TorchStateDict {
    /** A storage the pickled object refers to: ('storage', type, key, location, size, ...). */
    record StorageRef(String key, String type, long size) {
    }

    private TorchStateDict() {
    }

    /** The state dict {@code root} (a mapping of names to tensors) with its storages' bytes. */
    static Map<String, FloatArray> tensors(Path file, Object root, Map<String, ByteBuffer> data) throws FormatException {
        if (!(root instanceof Map<?, ?> dict)) {
            throw new FormatException(file, "expected a state dict (a mapping of names to tensors)");
        }
        long stored = 0;
        for (ByteBuffer b : data.values()) {
            stored += b.capacity();
        }
        long budget = 8 * stored + (1 << 20); // views may repeat a storage, but not without bound
        Map<String, FloatArray> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (!(e.getKey() instanceof String name)) {
                throw new FormatException(file, "a state dict key is not a string");
            }
            FloatArray t = tensor(file, name, e.getValue(), data);
            budget -= 4L * t.data().length;
            if (budget < 0) {
                throw new FormatException(file, "its tensors expand to far more values than the file stores");
            }
            out.put(name, t);
        }
        return out;
    }

    static Object storageRef(Path file, Object pid, Map<String, StorageRef> refs) throws FormatException {
        if (!(pid instanceof List<?> t) || t.size() < 5 || !"storage".equals(t.get(0))
                || !(t.get(1) instanceof RestrictedUnpickler.Global type) || !(t.get(4) instanceof Long size)) {
            throw new FormatException(file, "malformed storage reference");
        }
        if (!(t.get(2) instanceof String key) || size < 0) {
            throw new FormatException(file, "malformed storage reference");
        }
        StorageRef ref = new StorageRef(key, type.name(), size);
        StorageRef before = refs.putIfAbsent(key, ref);
        if (before != null && !before.equals(ref)) {
            throw new FormatException(file, "storage '" + key + "' is described twice differently");
        }
        return ref;
    }

    /** A tensor from _rebuild_tensor_v2(storage, offset, size, stride, ...), gathered by its strides. */
    private static FloatArray tensor(Path file, String name, Object value, Map<String, ByteBuffer> data)
            throws FormatException {
        if (value instanceof RestrictedUnpickler.Call c && c.function().name().equals("_rebuild_parameter") && !c.args().isEmpty()) {
            value = c.args().get(0);
        }
        if (!(value instanceof RestrictedUnpickler.Call c) || !c.function().name().startsWith("_rebuild_tensor")
                || c.args().size() < 4 || !(c.args().get(0) instanceof StorageRef ref)
                || !(c.args().get(1) instanceof Long offset) || !(c.args().get(2) instanceof List<?> size)
                || !(c.args().get(3) instanceof List<?> stride) || size.size() != stride.size()) {
            throw new FormatException(file, "entry '" + name + "' is not a tensor");
        }
        ByteBuffer raw = data.get(ref.key());
        if (raw == null) {
            throw new FormatException(file, "tensor '" + name + "' uses storage '" + ref.key() + "', which the file does not hold");
        }
        int dims = size.size();
        long[] shape = new long[dims];
        long[] strides = new long[dims];
        long count = 1;
        long last = offset;
        try {
            for (int d = 0; d < dims; d++) {
                if (!(size.get(d) instanceof Long n) || !(stride.get(d) instanceof Long st) || n < 0 || st < 0) {
                    throw new FormatException(file, "tensor '" + name + "' has a malformed shape or stride");
                }
                shape[d] = n;
                strides[d] = st;
                count = Math.multiplyExact(count, n);
                last = Math.addExact(last, n == 0 ? 0 : Math.multiplyExact(n - 1, st));
            }
        } catch (ArithmeticException e) {
            throw new FormatException(file, "tensor '" + name + "' has a shape or stride too large to address");
        }
        long storageBytes = (long) data.get(ref.key()).capacity();
        if (count > ref.size() || offset < 0 || (count > 0 && (last >= ref.size()
                || (last + 1) * elementSize(file, ref.type()) > storageBytes))) {
            throw new FormatException(file, "tensor '" + name + "' reaches past its storage of " + ref.size() + " elements");
        }
        float[] out = new float[(int) count];
        int size0 = elementSize(file, ref.type());
        long[] index = new long[dims];
        for (int i = 0; i < out.length; i++) {
            long at = offset;
            for (int d = 0; d < dims; d++) {
                at += index[d] * strides[d];
            }
            out[i] = element(raw, (int) (at * size0), ref.type());
            for (int d = dims - 1; d >= 0; d--) {
                if (++index[d] < shape[d]) {
                    break;
                }
                index[d] = 0;
            }
        }
        return new FloatArray(shape, out);
    }

    static int elementSize(Path file, String type) throws FormatException {
        return switch (type) {
            case "FloatStorage", "IntStorage" -> 4;
            case "DoubleStorage", "LongStorage" -> 8;
            case "HalfStorage", "BFloat16Storage", "ShortStorage" -> 2;
            case "ByteStorage", "CharStorage", "BoolStorage" -> 1;
            default -> throw new FormatException(file, "unsupported storage type " + type);
        };
    }

    private static float element(ByteBuffer raw, int at, String type) {
        return switch (type) {
            case "FloatStorage" -> raw.getFloat(at);
            case "DoubleStorage" -> (float) raw.getDouble(at);
            case "HalfStorage" -> Safetensors.halfToFloat(raw.getShort(at));
            case "BFloat16Storage" -> Float.intBitsToFloat((raw.getShort(at) & 0xffff) << 16);
            case "IntStorage" -> raw.getInt(at);
            case "LongStorage" -> raw.getLong(at);
            case "ShortStorage" -> raw.getShort(at);
            case "ByteStorage", "BoolStorage" -> raw.get(at) & 0xff;
            default -> raw.get(at); // CharStorage: int8
        };
    }
}
