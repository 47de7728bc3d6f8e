package ddpm4j.eval;

/**
 * Features and class logits of a set of images, image by image: what FID (the features' Gaussian)
 * and IS (the class probabilities) are computed from.
 */
public record Features(float[] features, float[] logits, int count, int featureDim, int classes) {
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
