package ddpm4j.eval;

/**
 * How far inpainted images are from their originals, as 8-bit images are seen: the mean squared difference of
 * pixel values in [0, 1] over the kept pixels (zero when the known region is honoured up to the final
 * quantisation) and over the inpainted ones (against the original that was masked out).
 *
 * @param known     mean squared error over every channel of the kept pixels (NaN when none are kept)
 * @param inpainted the same over the inpainted pixels (NaN when none are inpainted)
 */
public record InpaintingError(double known, double inpainted) {
    /**
     * @param results   uint8 NHWC images
     * @param originals uint8 NHWC images of the same shape
     * @param keep      per pixel, 1 kept and 0 inpainted: one H·W mask for every image, or one per image
     * @param channels  C of the NHWC images
     */
    public static InpaintingError of(byte[] results, byte[] originals, float[] keep, int channels) {
        if (results.length != originals.length || results.length % channels != 0) {
            throw new IllegalArgumentException("results and originals differ in size: " + results.length + " and " + originals.length);
        }
        int pixels = results.length / channels;
        if (keep.length == 0 || pixels % keep.length != 0) {
            throw new IllegalArgumentException(keep.length + " mask values do not cover " + pixels + " pixels");
        }
        double[] sum = new double[2];
        long[] count = new long[2];
        int perMaskSet = keep.length;
        for (int p = 0; p < pixels; p++) {
            int region = keep[p % perMaskSet] > 0.5f ? 0 : 1;
            for (int ch = 0; ch < channels; ch++) {
                double d = ((results[p * channels + ch] & 0xff) - (originals[p * channels + ch] & 0xff)) / 255.0;
                sum[region] += d * d;
                count[region]++;
            }
        }
        return new InpaintingError(sum[0] / count[0], sum[1] / count[1]);
    }
}
