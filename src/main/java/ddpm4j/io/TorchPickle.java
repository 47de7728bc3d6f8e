package ddpm4j.io;

import ddpm4j.torch.Natives;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.ByteVector;
import org.bytedeco.pytorch.GenericDict;
import org.bytedeco.pytorch.GenericDictIterator;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a state dict saved by {@code torch.save} (the zip format, as in diffusers'
 * {@code diffusion_pytorch_model.bin}) through libtorch's unpickler, which rebuilds tensors and
 * plain containers only and never runs code from the file.
 */
public final class TorchPickle {
    private TorchPickle() {
    }

    public static Map<String, FloatArray> readStateDict(Path file) throws IOException {
        Natives.load();
        byte[] bytes = Files.readAllBytes(file);
        IValue value;
        try {
            value = torch.pickle_load(new ByteVector(bytes));
        } catch (RuntimeException e) {
            throw new FormatException(file, "not a readable PyTorch zip checkpoint: " + firstLine(e.getMessage()));
        }
        if (!value.isGenericDict()) {
            throw new FormatException(file, "expected a state dict (a mapping of names to tensors), found " + value.tagKind().getString());
        }
        GenericDict dict = value.toGenericDict();
        Map<String, FloatArray> out = new LinkedHashMap<>();
        GenericDictIterator end = dict.end();
        for (GenericDictIterator it = dict.begin(); !it.equals(end); it = it.increment()) {
            IValue k = it.access().key();
            IValue v = it.access().value();
            if (!k.isString()) {
                throw new FormatException(file, "state dict key is a " + k.tagKind().getString() + ", not a string");
            }
            String name = k.toStringRef().getString();
            if (!v.isTensor()) {
                throw new FormatException(file, "entry '" + name + "' is a " + v.tagKind().getString() + ", not a tensor");
            }
            Tensor t = v.toTensor();
            if (!t.is_floating_point()) {
                throw new FormatException(file, "tensor '" + name + "' is not floating point");
            }
            out.put(name, new FloatArray(Tensors.shape(t), Tensors.toFloats(t)));
        }
        return out;
    }

    static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
