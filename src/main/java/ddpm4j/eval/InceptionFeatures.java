package ddpm4j.eval;

import ddpm4j.data.ImageSet;
import ddpm4j.io.FloatArray;
import ddpm4j.io.FormatException;
import ddpm4j.io.TorchPickle;
import ddpm4j.io.Weights;
import ddpm4j.nn.InceptionV3;
import ddpm4j.torch.Device;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * The standard FID/IS features: pytorch-fid's Inception-v3 with the weights file the user
 * downloads once ({@code pt_inception-2015-12-05-6726825d.pth}, PyTorch's legacy format; the zip
 * format is read too). Images go in as [0, 1] RGB (gray ones repeated over the three channels),
 * resized to 299×299; FID uses the 2048 pool features, IS the 1008 logits.
 */
public final class InceptionFeatures implements FeatureExtractor {
    private static final int BATCH = 16;

    private final InceptionV3 net;
    private final Path weights;

    private InceptionFeatures(InceptionV3 net, Path weights) {
        this.net = net;
        this.weights = weights;
    }

    /** The weights file's official name (PyTorch hub names files after the start of their SHA-256) and digest. */
    public static final String OFFICIAL_FILE = "pt_inception-2015-12-05-6726825d.pth";
    public static final String OFFICIAL_SHA256 = "6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2";

    public static InceptionFeatures load(Path file) throws IOException {
        if (file.getFileName().toString().equals(OFFICIAL_FILE)) {
            String sha = sha256(file);
            if (!sha.equals(OFFICIAL_SHA256)) {
                throw new FormatException(file, "SHA-256 " + sha + " is not the official " + OFFICIAL_SHA256
                        + ": a corrupt or different download");
            }
        }
        Map<String, FloatArray> used = new LinkedHashMap<>();
        for (Map.Entry<String, FloatArray> e : TorchPickle.readStateDict(file).entrySet()) {
            if (!e.getKey().endsWith(".num_batches_tracked")) { // batch-norm step counters, not weights
                used.put(e.getKey(), e.getValue());
            }
        }
        InceptionV3 net = new InceptionV3(0);
        try {
            Weights.load(net.stateDict(), used, file, "pytorch-fid's Inception-v3");
        } catch (FormatException | RuntimeException e) {
            net.close();
            throw e;
        }
        return new InceptionFeatures(net, file);
    }

    static String sha256(Path file) throws IOException {
        try (var in = new java.security.DigestInputStream(java.nio.file.Files.newInputStream(file),
                java.security.MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return java.util.HexFormat.of().formatHex(in.getMessageDigest().digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public InceptionFeatures to(Device device) {
        net.to(device);
        return this;
    }

    @Override
    public String describe() {
        return "Inception-v3 " + weights.getFileName();
    }

    @Override
    public Features extract(ImageSet images, IntConsumer progress, ddpm4j.dist.Group group) {
        int h = images.height();
        int w = images.width();
        if (images.channels() != 1 && images.channels() != 3) {
            throw new IllegalArgumentException("Inception takes gray or RGB images, got " + images.channels() + " channels");
        }
        return Features.collect(images, BATCH, InceptionV3.FEATURES, InceptionV3.CLASSES, (x, b) -> {
            for (int i = 0; i < x.length; i++) {
                x[i] = (x[i] + 1f) / 2f; // [−1, 1] → [0, 1], i.e. x/255
            }
            Tensor t = net.device().put(Tensors.fromFloats(x, b, images.channels(), h, w));
            if (images.channels() == 1) {
                t = t.expand(new long[] {b, 3, h, w}).contiguous();
            }
            InceptionV3.Output out = net.infer(t);
            return new Tensor[] {out.pool(), out.logits()};
        }, progress, group);
    }

    @Override
    public void close() {
        net.close();
    }
}
