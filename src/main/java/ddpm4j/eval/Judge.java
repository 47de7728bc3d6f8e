package ddpm4j.eval;

import ddpm4j.data.ImageSet;
import ddpm4j.io.JudgeFiles;
import ddpm4j.nn.Classifier;
import ddpm4j.nn.ClassifierConfig;
import ddpm4j.torch.Device;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.IntConsumer;

/**
 * An offline sample-quality judge: a classifier trained on a dataset's training split, whose
 * feature layer stands in for Inception's pool features (FID) and whose class probabilities
 * stand in for Inception's (IS), at a scale a CPU handles.
 */
public final class Judge implements FeatureExtractor {
    private static final int BATCH = 256;

    private final Classifier net;
    private final JudgeFiles.Info info;

    Judge(Classifier net, JudgeFiles.Info info) {
        this.net = net;
        this.info = info;
    }

    public static Judge load(Path dir) throws IOException {
        JudgeFiles.Info info = JudgeFiles.readInfo(dir);
        return new Judge(JudgeFiles.load(dir, info), info);
    }

    public void save(Path dir) throws IOException {
        JudgeFiles.save(dir, net, info);
    }

    public JudgeFiles.Info info() {
        return info;
    }

    /** The same judge, recording its accuracy on a test split. */
    public Judge withTestAccuracy(double accuracy) {
        return new Judge(net, new JudgeFiles.Info(info.config(), info.trainedOn(), accuracy));
    }

    @Override
    public int imageSize() {
        return info.config().imageSize();
    }

    @Override
    public int channels() {
        return info.config().inChannels();
    }

    @Override
    public String trainedOn() {
        return info.trainedOn();
    }

    @Override
    public Judge to(Device device) {
        net.to(device);
        return this;
    }

    @Override
    public String describe() {
        return "judge trained on " + info.trainedOn();
    }

    @Override
    public Features extract(ImageSet images, IntConsumer progress, ddpm4j.dist.Group group) {
        ClassifierConfig c = info.config();
        if (images.channels() != c.inChannels() || images.height() != c.imageSize() || images.width() != c.imageSize()) {
            throw new IllegalArgumentException("the judge takes " + c.imageSize() + "x" + c.imageSize() + "x" + c.inChannels()
                    + " images (trained on " + info.trainedOn() + "), got " + images.height() + "x" + images.width()
                    + "x" + images.channels());
        }
        return Features.collect(images, BATCH, c.featureDim(), c.classes(), (x, b) -> {
            Classifier.Output out = net.infer(net.device().put(Tensors.fromFloats(x, b, c.inChannels(), c.imageSize(), c.imageSize())));
            return new Tensor[] {out.features(), out.logits()};
        }, progress, group);
    }

    /** The fraction of labelled images the judge classifies correctly. */
    public double accuracy(ImageSet labelled) {
        if (!labelled.labelled()) {
            throw new IllegalArgumentException("accuracy needs labelled images");
        }
        int[] predicted = extract(labelled, b -> { }).predictions();
        int right = 0;
        for (int i = 0; i < predicted.length; i++) {
            if (predicted[i] == labelled.labels()[i]) {
                right++;
            }
        }
        return right / (double) predicted.length;
    }

    Classifier network() {
        return net;
    }

    @Override
    public void close() {
        net.close();
    }
}
