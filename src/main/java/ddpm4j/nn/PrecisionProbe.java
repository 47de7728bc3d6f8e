package ddpm4j.nn;

import ddpm4j.torch.Device;
import ddpm4j.torch.Precision;
import ddpm4j.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Chooses a network's arithmetic on this machine by measuring it (issue 19): the 16-bit precision of
 * the device (bf16 on a CPU, fp16 on CUDA) is taken only where it is faster than fp32 for this network
 * and batch, by {@link #MARGIN}, and its output agrees with fp32's; on a CPU without native bfloat16 it
 * is not tried. bf16 is not always faster: the small Fashion-MNIST network sampled at 117 img/s in bf16
 * and 172 in fp32 on the AMD EPYC (AVX512-BF16, no AMX), where the CIFAR-10 network gained 1.6×.
 */
public final class PrecisionProbe {
    /** How much faster the 16-bit pass must be to be chosen. */
    public static final double MARGIN = 0.9;
    /** The largest relative L2 difference from fp32's output accepted (bf16 keeps 8 significant bits). */
    public static final double TOLERANCE = 0.05;
    private static final int TIMED = 5;

    private PrecisionProbe() {
    }

    /**
     * What was measured and chosen.
     *
     * @param precision the choice
     * @param fp32Ms    median time of one pass in fp32 (training: forward and backward)
     * @param otherMs   the same in the 16-bit precision, NaN when it was not tried
     * @param error     relative L2 difference of its output from fp32's, NaN when not tried
     * @param reason    why, in a few words
     */
    public record Choice(Precision precision, double fp32Ms, double otherMs, double error, String reason) {
    }

    /**
     * Times passes of {@code net} on a batch of {@code batch} random images in fp32 and in the device's
     * 16-bit precision (training: forward and backward, as a training step spends its time), chooses,
     * and leaves {@code net} set to the choice. Parameters are not changed; gradients are cleared.
     */
    public static Choice choose(UNet2DModel net, int batch, boolean training) {
        Device device = net.device();
        Precision other = device.isCuda() ? Precision.FP16 : Precision.BF16;
        if (device.isCpu() && !ddpm4j.torch.Cpu.current().nativeBfloat16()) {
            net.setPrecision(Precision.FP32);
            return new Choice(Precision.FP32, Double.NaN, Double.NaN, Double.NaN, "no native bfloat16 on this CPU");
        }
        Precision before = net.precision();
        try (PointerScope scope = new PointerScope()) {
            UNetConfig c = net.config();
            int n = Math.max(1, batch);
            Tensor x = device.put(Tensors.fromFloats(gaussian(n * c.inChannels() * c.sampleSize() * c.sampleSize()),
                    n, c.inChannels(), c.sampleSize(), c.sampleSize()));
            long[] steps = new long[n];
            Arrays.fill(steps, 500);
            Tensor t = device.put(Tensors.fromLongs(steps, n));
            Tensor labels = c.classConditional() ? device.put(Tensors.fromLongs(new long[n], n)) : null;
            net.setPrecision(Precision.FP32);
            Tensor reference = pass(net, x, t, labels, false);
            double error;
            double[] ms;
            try {
                net.setPrecision(other);
                error = relativeError(pass(net, x, t, labels, false), reference);
                ms = interleaved(net, other, x, t, labels, training);
            } catch (IllegalStateException e) { // no convolution path agrees with float64 in this precision
                net.setPrecision(Precision.FP32);
                return new Choice(Precision.FP32, Double.NaN, Double.NaN, Double.NaN, other + " failed its self-check");
            }
            double fp32 = ms[0];
            double otherMs = ms[1];
            Choice choice = decide(other, fp32, otherMs, error);
            net.setPrecision(choice.precision());
            return choice;
        } catch (RuntimeException e) {
            net.setPrecision(before);
            throw e;
        } finally {
            net.module().zero_grad(true);
        }
    }

    /**
     * {@link #choose}, remembered in {@code cache} (a JSON file) per CPU, thread count, device, network,
     * batch and use, so that every later run of the same work takes the same arithmetic without measuring
     * again (a choice that flipped with timing noise would change a seeded run's images).
     */
    public static Choice choose(UNet2DModel net, int batch, boolean training, java.nio.file.Path cache) throws java.io.IOException {
        String key = key(net, batch, training);
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode all = java.nio.file.Files.exists(cache)
                && json.readTree(cache.toFile()) instanceof com.fasterxml.jackson.databind.node.ObjectNode o
                ? o : json.createObjectNode();
        if (all.get(key) != null) {
            Choice known = json.treeToValue(all.get(key), Choice.class);
            net.setPrecision(known.precision());
            return known;
        }
        Choice fresh = choose(net, batch, training);
        all.set(key, json.valueToTree(fresh));
        java.nio.file.Files.createDirectories(cache.toAbsolutePath().getParent());
        java.nio.file.Path tmp = java.nio.file.Files.createTempFile(cache.toAbsolutePath().getParent(), "precision", ".tmp");
        try {
            json.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), all);
            java.nio.file.Files.move(tmp, cache, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            java.nio.file.Files.deleteIfExists(tmp);
        }
        return fresh;
    }

    /** What a choice depends on: the CPU, libtorch's threads, the device, the network, the batch and the use. */
    static String key(UNet2DModel net, int batch, boolean training) {
        String network;
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(net.config().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            network = java.util.HexFormat.of().formatHex(digest, 0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return ddpm4j.torch.Cpu.current().describe() + ", " + org.bytedeco.pytorch.global.torch.get_num_threads() + " threads, " + net.device() + ", network " + network
                + ", batch " + batch + (training ? ", training" : ", sampling");
    }

    /** The rule: {@code other} where it agrees with fp32 within {@link #TOLERANCE} and takes under {@link #MARGIN} of its time. */
    static Choice decide(Precision other, double fp32Ms, double otherMs, double error) {
        if (!(error <= TOLERANCE)) {
            return new Choice(Precision.FP32, fp32Ms, otherMs, error, other + " output differs from fp32's");
        }
        if (otherMs < MARGIN * fp32Ms) {
            return new Choice(other, fp32Ms, otherMs, error, other + " faster");
        }
        return new Choice(Precision.FP32, fp32Ms, otherMs, error, other + " not faster");
    }

    private static Tensor pass(UNet2DModel net, Tensor x, Tensor t, Tensor labels, boolean training) {
        if (!training) {
            try (InferenceMode guard = new InferenceMode()) {
                return net.forward(x, t, labels);
            }
        }
        Tensor out = net.forward(x, t, labels);
        out.square().mean().backward();
        return out;
    }

    /**
     * Median wall times of fp32 and {@code other} passes, timed in alternation after one untimed pass of
     * each, so that a machine whose speed drifts (other work, clock changes) slows both alike.
     */
    private static double[] interleaved(UNet2DModel net, Precision other, Tensor x, Tensor t, Tensor labels, boolean training) {
        Precision[] order = {Precision.FP32, other};
        double[][] ms = new double[2][TIMED];
        for (int round = -1; round < TIMED; round++) {
            for (int k = 0; k < 2; k++) {
                net.setPrecision(order[k]);
                try (PointerScope step = new PointerScope()) {
                    long start = System.nanoTime();
                    pass(net, x, t, labels, training);
                    net.device().synchronize();
                    if (round >= 0) {
                        ms[k][round] = (System.nanoTime() - start) / 1e6;
                    }
                }
                net.module().zero_grad(true);
            }
        }
        return new double[] {median(ms[0]), median(ms[1])};
    }

    private static double median(double[] v) {
        double[] sorted = v.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static double relativeError(Tensor a, Tensor b) {
        return a.sub(b).norm().item_double() / Math.max(b.norm().item_double(), 1e-30);
    }

    private static float[] gaussian(int n) {
        SplittableRandom random = new SplittableRandom(19);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            double u = 1 - random.nextDouble();
            out[i] = (float) (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble()));
        }
        return out;
    }
}
