package ddpm4j.diffusion;

import ddpm4j.torch.Device;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntToDoubleFunction;

/**
 * The per-timestep tables of one process (√ᾱ, posterior coefficients, ...) as float32 tensors [T],
 * made once per device and indexed with the timesteps there (improved-diffusion's
 * {@code _extract_into_tensor}), so a step copies nothing from the host but its timesteps.
 * Gathered coefficients are [B,1,1,1] and broadcast over images.
 */
final class Coefficients {
    private final int steps;
    private final Map<String, Tensor> cache = new ConcurrentHashMap<>();
    private final Object lastLock = new Object();
    private int[] lastT;
    private Device lastDevice;
    private Tensor lastIndices;

    Coefficients(int steps) {
        this.steps = steps;
    }

    /** The table {@code name} (whose value at each timestep is {@code value}) at timesteps {@code t}, [B,1,1,1] on {@code device}. */
    Tensor gather(String name, IntToDoubleFunction value, int[] t, Device device) {
        Tensor all = table(name, value, device);
        if (uniform(t)) {
            return all.narrow(0, t[0], 1).view(1, 1, 1, 1).expand(t.length, 1, 1, 1);
        }
        return all.gather(0, indices(t, device)).view(t.length, 1, 1, 1);
    }

    /** The table {@code name} as a [T] tensor on {@code device}, made the first time. */
    Tensor table(String name, IntToDoubleFunction value, Device device) {
        return cache.computeIfAbsent(name + "@" + device, k -> {
            float[] v = new float[steps];
            for (int i = 0; i < steps; i++) {
                v[i] = (float) value.applyAsDouble(i);
            }
            // outside inference mode, so training may use a table first made while sampling
            try (InferenceMode normal = new InferenceMode(false)) {
                Tensor made = device.put(Tensors.fromFloats(v, steps));
                made.retainReference(); // outlives the caller's PointerScope
                return made;
            }
        });
    }

    /**
     * The int64 timesteps [B] on {@code device}: a fill on the device when all are equal (every
     * sampling step), else one copy from the host, reused while the same timesteps come back (the
     * network and every coefficient of a training step share it).
     */
    Tensor indices(int[] t, Device device) {
        if (uniform(t)) {
            return torch.full(new long[] {t.length}, new Scalar((long) t[0]), device.options(torch.ScalarType.Long));
        }
        synchronized (lastLock) {
            if (lastIndices == null || !device.equals(lastDevice) || !Arrays.equals(t, lastT)) {
                if (lastIndices != null) {
                    lastIndices.releaseReference();
                }
                long[] v = new long[t.length];
                for (int i = 0; i < t.length; i++) {
                    v[i] = t[i];
                }
                try (InferenceMode normal = new InferenceMode(false)) {
                    lastIndices = device.put(Tensors.fromLongs(v, t.length));
                }
                lastIndices.retainReference();
                lastT = t.clone();
                lastDevice = device;
            }
            return lastIndices;
        }
    }

    private static boolean uniform(int[] t) {
        for (int i = 1; i < t.length; i++) {
            if (t[i] != t[0]) {
                return false;
            }
        }
        return t.length > 0;
    }
}
