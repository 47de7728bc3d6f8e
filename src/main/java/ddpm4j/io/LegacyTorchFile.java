package ddpm4j.io;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * PyTorch's checkpoint format before 1.6 ({@code torch.save(..., _use_new_zipfile_serialization=False)},
 * e.g. pytorch-fid's {@code pt_inception-2015-12-05-6726825d.pth}): four pickles (magic number,
 * protocol 1001, system info, the object with storages as persistent ids), a pickled list of
 * storage keys, then each storage as an int64 element count and its raw little-endian bytes.
 * Read with {@link RestrictedUnpickler}, so only tensors, storages and plain containers come out.
 */
final class LegacyTorchFile {
    static final BigInteger MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    private static final long PROTOCOL = 1001;

    private LegacyTorchFile() {
    }

    /** Whether the file starts like a legacy checkpoint (a pickle protocol header, not a zip). */
    static boolean looksLegacy(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            return in.read() == 0x80;
        }
    }

    /** The file's state dict: every tensor by name, converted to float32. */
    static Map<String, FloatArray> readStateDict(Path file) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        RestrictedUnpickler.Persistent none = pid -> {
            throw new FormatException(file, "unexpected persistent id in a header pickle");
        };
        Object magic = new RestrictedUnpickler(file, buf, none).load();
        if (!MAGIC.equals(magic instanceof Long l ? BigInteger.valueOf(l) : magic)) {
            throw new FormatException(file, "not a PyTorch legacy checkpoint (bad magic number)");
        }
        Object protocol = new RestrictedUnpickler(file, buf, none).load();
        if (!(protocol instanceof Long p) || p != PROTOCOL) {
            throw new FormatException(file, "unsupported PyTorch legacy protocol");
        }
        Object sysInfo = new RestrictedUnpickler(file, buf, none).load();
        if (sysInfo instanceof Map<?, ?> info && Boolean.FALSE.equals(info.get("little_endian"))) {
            throw new FormatException(file, "big-endian checkpoints are not supported");
        }
        Map<String, TorchStateDict.StorageRef> refs = new HashMap<>();
        Object root = new RestrictedUnpickler(file, buf, pid -> TorchStateDict.storageRef(file, pid, refs)).load();
        Object keys = new RestrictedUnpickler(file, buf, none).load();
        if (!(keys instanceof List<?> keyList)) {
            throw new FormatException(file, "malformed storage key list");
        }
        Map<String, ByteBuffer> data = new HashMap<>();
        for (Object k : keyList) {
            TorchStateDict.StorageRef ref = k instanceof String key ? refs.get(key) : null;
            if (ref == null) {
                throw new FormatException(file, "a listed storage is not one the tensors use");
            }
            if (buf.remaining() < 8) {
                throw new FormatException(file, "truncated: storage '" + ref.key() + "' is missing");
            }
            long count = buf.getLong();
            if (count < 0 || count > buf.remaining()) {
                throw new FormatException(file, "storage '" + ref.key() + "' claims " + count + " elements, past the end of the file");
            }
            long bytes = count * TorchStateDict.elementSize(file, ref.type());
            if (count != ref.size() || bytes > buf.remaining()) {
                throw new FormatException(file, "storage '" + ref.key() + "' holds " + count + " elements where " + ref.size()
                        + " were announced" + (bytes > buf.remaining() ? ", past the end of the file" : ""));
            }
            ByteBuffer slice = buf.slice(buf.position(), (int) bytes).order(ByteOrder.LITTLE_ENDIAN);
            buf.position(buf.position() + (int) bytes);
            data.put(ref.key(), slice);
        }
        return TorchStateDict.tensors(file, root, data);
    }

}
