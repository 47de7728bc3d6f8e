package ddpm4j.eval;

import ddpm4j.data.ImageSet;
import ddpm4j.torch.Batches;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Tensor;

import java.util.function.IntConsumer;

/**
 * Features and class logits of a set of images, image by image: what FID (the features' Gaussian)
 * and IS (the class probabilities) are computed from.
 */
public record Features(float[] features, float[] logits, int count, int featureDim, int classes) {
    /** A network run on one batch: model-space images [b·C·H·W] in, {features [b,d], logits [b,k]} out. */
    @FunctionalInterface
    interface BatchNet {
        Tensor[] apply(float[] modelSpace, int b);
    }

    /** Runs {@code net} over the images batch by batch, each batch in its own native memory scope. */
    static Features collect(ImageSet images, int batch, int featureDim, int classes, BatchNet net, IntConsumer progress) {
        int n = images.count();
        float[] features = new float[n * featureDim];
        float[] logits = new float[n * classes];
        Batches.each(n, batch, (first, b) -> {
            Tensor[] out = net.apply(images.modelSpace(first, b), b);
            System.arraycopy(Tensors.toFloats(out[0]), 0, features, first * featureDim, b * featureDim);
            System.arraycopy(Tensors.toFloats(out[1]), 0, logits, first * classes, b * classes);
            progress.accept(b);
        });
        return new Features(features, logits, n, featureDim, classes);
    }

    public FeatureStatistics statistics() {
        return FeatureStatistics.of(features, count, featureDim);
    }

    public InceptionScore.Score score(int splits) {
        return InceptionScore.of(logits, count, classes, splits);
    }

    /** The class each image is most likely to be. */
    public int[] predictions() {
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            int best = 0;
            for (int c = 1; c < classes; c++) {
                if (logits[i * classes + c] > logits[i * classes + best]) {
                    best = c;
                }
            }
            out[i] = best;
        }
        return out;
    }
}
