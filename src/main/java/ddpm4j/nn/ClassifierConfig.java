package ddpm4j.nn;

/**
 * A small convolutional classifier: two stages of two 3×3 convolutions (width, then 2·width
 * channels) each followed by 2×2 max pooling, a {@code featureDim} hidden layer (the features a
 * sample-quality judge compares) and the class logits.
 *
 * @param inChannels 1 (gray) or 3 (RGB)
 * @param imageSize  side of the square input, divisible by 4
 * @param classes    number of classes
 * @param width      channels of the first stage
 * @param featureDim size of the feature layer
 */
public record ClassifierConfig(int inChannels, int imageSize, int classes, int width, int featureDim) {
    public ClassifierConfig {
        if (inChannels < 1 || imageSize < 4 || imageSize % 4 != 0 || classes < 2 || width < 1 || featureDim < 1) {
            throw new IllegalArgumentException("classifier needs channels ≥ 1, a side divisible by 4, ≥ 2 classes,"
                    + " positive widths; got " + this);
        }
    }

    /** The judge's default shape for images of this kind. */
    public static ClassifierConfig judge(int inChannels, int imageSize, int classes) {
        return new ClassifierConfig(inChannels, imageSize, classes, 32, 128);
    }

    /** Inputs of the flattening layer: 2·width channels at a quarter of the side. */
    long flatSize() {
        return 2L * width * (imageSize / 4) * (imageSize / 4);
    }
}
