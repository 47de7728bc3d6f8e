package ddpm4j.eval;

import ddpm4j.data.ImageSet;
import ddpm4j.io.JudgeFiles;
import ddpm4j.nn.Classifier;
import ddpm4j.nn.ClassifierConfig;
import ddpm4j.torch.Device;
import ddpm4j.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.SplittableRandom;

/** Trains a {@link Judge} on labelled images: cross-entropy, Adam, shuffled minibatches. */
public final class JudgeTraining {
    /** @param seed initialisation and data order */
    public record Settings(int epochs, int batchSize, double lr, long seed) {
        public Settings {
            if (epochs < 1 || batchSize < 1 || !(lr > 0)) {
                throw new IllegalArgumentException("epochs and batch size must be at least 1 and lr positive");
            }
        }

        public static Settings defaults() {
            return new Settings(3, 128, 1e-3, 0);
        }
    }

    /** Hears each step's loss. */
    @FunctionalInterface
    public interface Listener {
        void step(int step, int steps, double loss);
    }

    private JudgeTraining() {
    }

    /** A judge for images like {@code data}, which must be labelled, trained on {@code device}. */
    public static Judge train(ImageSet data, String trainedOn, Settings s, Device device, Listener listener) {
        if (!data.labelled()) {
            throw new IllegalArgumentException(trainedOn + " has no class labels; a judge needs them");
        }
        if (data.height() != data.width() || data.height() % 4 != 0) {
            throw new IllegalArgumentException("the judge takes square images with a side divisible by 4, got "
                    + data.height() + "x" + data.width());
        }
        int classes = data.classCount();
        ClassifierConfig config = ClassifierConfig.judge(data.channels(), data.height(), classes);
        Classifier net = new Classifier(config, s.seed()).to(device);
        try (Adam adam = new Adam(net.module().parameters(), new AdamOptions(s.lr()))) {
            net.train(true);
            SplittableRandom random = new SplittableRandom(s.seed());
            int perEpoch = data.count() / s.batchSize();
            int steps = perEpoch * s.epochs();
            int step = 0;
            for (int epoch = 0; epoch < s.epochs(); epoch++) {
                int[] order = permutation(data.count(), random);
                for (int k = 0; k < perEpoch; k++) {
                    double loss = step(net, adam, data, order, k * s.batchSize(), s.batchSize());
                    listener.step(++step, steps, loss);
                }
            }
            net.train(false);
            return new Judge(net, new JudgeFiles.Info(config, trainedOn, Double.NaN));
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    private static double step(Classifier net, Adam adam, ImageSet data, int[] order, int from, int b) {
        ClassifierConfig c = net.config();
        int per = c.inChannels() * c.imageSize() * c.imageSize();
        float[] x = new float[b * per];
        long[] y = new long[b];
        for (int i = 0; i < b; i++) {
            int idx = order[from + i];
            System.arraycopy(data.modelSpace(idx, 1), 0, x, i * per, per);
            y[i] = data.labels()[idx];
        }
        try (PointerScope scope = new PointerScope()) {
            adam.zero_grad(true);
            Tensor logits = net.forward(net.device().put(Tensors.fromFloats(x, b, c.inChannels(), c.imageSize(), c.imageSize()))).logits();
            Tensor loss = torch.cross_entropy_loss(logits, net.device().put(Tensors.fromLongs(y, b)));
            loss.backward();
            adam.step();
            return loss.item_double();
        }
    }

    private static int[] permutation(int n, SplittableRandom random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
