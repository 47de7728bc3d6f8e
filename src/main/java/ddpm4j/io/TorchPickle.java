package ddpm4j.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads a state dict saved by {@code torch.save}: the zip format of PyTorch ≥ 1.6 (as in diffusers'
 * {@code diffusion_pytorch_model.bin}: {@code NAME/data.pkl} plus a raw {@code NAME/data/KEY} entry
 * per storage) and the older format ({@link LegacyTorchFile}). Both pickles go through
 * {@link RestrictedUnpickler}, which rebuilds tensors and plain containers only and never runs
 * code from the file. Every tensor comes out as float32.
 */
public final class TorchPickle {
    /** Larger zip entries are refused (storages are read into memory). */
    private static final long MAX_ENTRY = Integer.MAX_VALUE - 64;

    private TorchPickle() {
    }

    public static Map<String, FloatArray> readStateDict(Path file) throws IOException {
        FormatException.requireFile(file);
        if (LegacyTorchFile.looksLegacy(file)) {
            return LegacyTorchFile.readStateDict(file);
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry pickle = null;
            Map<String, ZipEntry> entries = new HashMap<>();
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                ZipEntry entry = e.nextElement();
                entries.put(entry.getName(), entry);
                if (entry.getName().endsWith("/data.pkl") && entry.getName().indexOf('/') == entry.getName().length() - 9) {
                    pickle = entry;
                }
            }
            if (pickle == null) {
                throw new FormatException(file, "not a PyTorch checkpoint: no data.pkl in the zip");
            }
            String prefix = pickle.getName().substring(0, pickle.getName().length() - "data.pkl".length());
            Map<String, TorchStateDict.StorageRef> refs = new HashMap<>();
            ByteBuffer pkl = ByteBuffer.wrap(read(zip, pickle, file));
            Object root = new RestrictedUnpickler(file, pkl, pid -> TorchStateDict.storageRef(file, pid, refs)).load();
            Map<String, ByteBuffer> data = new HashMap<>();
            for (TorchStateDict.StorageRef ref : refs.values()) {
                ZipEntry entry = entries.get(prefix + "data/" + ref.key());
                if (entry == null) {
                    throw new FormatException(file, "storage '" + ref.key() + "' is missing from the zip");
                }
                byte[] bytes = read(zip, entry, file);
                long want = ref.size() * (long) TorchStateDict.elementSize(file, ref.type());
                if (ref.size() > bytes.length || bytes.length < want) {
                    throw new FormatException(file, "storage '" + ref.key() + "' holds " + bytes.length + " bytes where "
                            + want + " were announced");
                }
                data.put(ref.key(), ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
            }
            return TorchStateDict.tensors(file, root, data);
        } catch (IOException | RuntimeException e) {
            throw FormatException.ofZip(file, "not a readable PyTorch checkpoint (zip)", e);
        }
    }

    /** Exactly the entry's declared bytes (a zip bomb cannot inflate past them). */
    private static byte[] read(ZipFile zip, ZipEntry entry, Path file) throws IOException {
        long size = entry.getSize();
        if (size < 0 || size > MAX_ENTRY) {
            throw new FormatException(file, "entry '" + entry.getName() + "' has no usable size (" + size + " bytes)");
        }
        try (InputStream in = zip.getInputStream(entry)) {
            byte[] bytes = in.readNBytes((int) size);
            if (bytes.length != size || in.read() != -1) {
                throw new FormatException(file, "entry '" + entry.getName() + "' does not hold its declared " + size + " bytes");
            }
            return bytes;
        }
    }
}
