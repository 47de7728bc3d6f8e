package ddpm4j.io;

import ddpm4j.nn.UNet2DModel;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Tensor;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Moves weights between a network's parameters and name → array maps, checking every name and shape. */
public final class Weights {
    /** Attention parameter names of diffusers' old AttentionBlock and their current names. */
    private static final String[][] LEGACY = {
            {".query.", ".to_q."}, {".key.", ".to_k."}, {".value.", ".to_v."}, {".proj_attn.", ".to_out.0."}};

    private Weights() {
    }

    /** The current diffusers name of a possibly legacy attention parameter name. */
    static String modernName(String name) {
        if (!name.contains(".attentions.")) {
            return name;
        }
        for (String[] pair : LEGACY) {
            if (name.contains(pair[0])) {
                return name.replace(pair[0], pair[1]);
            }
        }
        return name;
    }

    /** Copies every parameter of {@code model} from {@code weights}; names and shapes must match exactly. */
    public static void load(UNet2DModel model, Map<String, FloatArray> weights, Path source) throws FormatException {
        load(model.stateDict(), weights, source, "config.json");
    }

    /**
     * Copies every parameter in {@code params} from {@code weights}; names and shapes must match
     * exactly. {@code architecture} names what defines the parameters, for error messages.
     */
    public static void load(Map<String, Tensor> params, Map<String, FloatArray> weights, Path source, String architecture)
            throws FormatException {
        Map<String, FloatArray> byName = new LinkedHashMap<>();
        for (Map.Entry<String, FloatArray> e : weights.entrySet()) {
            String name = modernName(e.getKey());
            if (byName.put(name, e.getValue()) != null) {
                throw new FormatException(source, "weight '" + name + "' appears twice (under a legacy name too)");
            }
        }
        for (String name : params.keySet()) {
            if (!byName.containsKey(name)) {
                throw new FormatException(source, "missing weight '" + name + "' required by " + architecture);
            }
        }
        for (String name : byName.keySet()) {
            if (!params.containsKey(name)) {
                throw new FormatException(source, "unexpected weight '" + name + "' not in the architecture of " + architecture);
            }
        }
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            Tensor p = e.getValue();
            FloatArray a = byName.get(e.getKey());
            long[] want = Tensors.shape(p);
            if (!Arrays.equals(want, a.shape()) && !(isLegacyLinear(want, a.shape()))) {
                throw new FormatException(source, "weight '" + e.getKey() + "' has shape " + Arrays.toString(a.shape())
                        + " but " + architecture + " implies " + Arrays.toString(want));
            }
            Tensors.write(p, a.data());
        }
    }

    /** A [out,in,1,1] convolution stored for a [out,in] linear layer (old attention checkpoints). */
    private static boolean isLegacyLinear(long[] want, long[] got) {
        return want.length == 2 && got.length == 4 && got[0] == want[0] && got[1] == want[1] && got[2] == 1 && got[3] == 1;
    }

    /** Copies of every parameter of {@code model} under its diffusers name. */
    public static Map<String, FloatArray> of(UNet2DModel model) {
        return of(model.stateDict());
    }

    /** Copies of the given parameters under their names. */
    public static Map<String, FloatArray> of(Map<String, Tensor> params) {
        Map<String, FloatArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            out.put(e.getKey(), new FloatArray(Tensors.shape(e.getValue()), Tensors.toFloats(e.getValue().detach())));
        }
        return out;
    }
}
