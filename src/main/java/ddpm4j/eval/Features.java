package ddpm4j.eval;

import ddpm4j.data.ImageSet;
import ddpm4j.dist.Group;
import ddpm4j.dist.ShardedBatches;
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

    /**
     * Runs {@code net} over the images batch by batch, each batch in its own native memory scope, the
     * batches dealt across the ranks of {@code group} and the results gathered on every rank.
     */
    static Features collect(ImageSet images, int batch, int featureDim, int classes, BatchNet net, IntConsumer progress, Group group) {
        int n = images.count();
        int per = featureDim + classes;
        float[] both = ShardedBatches.run(group, n, batch, per, (first, b) -> {
            Tensor[] out = net.apply(images.modelSpace(first, b), b);
            float[] f = Tensors.toFloats(out[0]);
            float[] l = Tensors.toFloats(out[1]);
            float[] row = new float[b * per];
            for (int i = 0; i < b; i++) {
                System.arraycopy(f, i * featureDim, row, i * per, featureDim);
                System.arraycopy(l, i * classes, row, i * per + featureDim, classes);
            }
            progress.accept(b);
            return row;
        });
        float[] features = new float[n * featureDim];
        float[] logits = new float[n * classes];
        for (int i = 0; i < n; i++) {
            System.arraycopy(both, i * per, features, i * featureDim, featureDim);
            System.arraycopy(both, i * per + featureDim, logits, i * classes, classes);
        }
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
