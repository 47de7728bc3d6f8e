package ddpm4j.data;

import java.util.Objects;

/**
 * Inpainting masks, 1 where a pixel is kept and 0 where it is inpainted.
 *
 * <p>diffusers' RePaintPipeline turns a mask image gray (PIL's {@code convert("L")}), resizes it (nearest, to a
 * multiple of 32), divides by 255 and sets values from 0.5 up to 1, the rest to 0: white (&gt;= 128) keeps, black
 * is inpainted. Its scheduler keeps {@code mask · known + (1 − mask) · sampled} at every step. These masks use the
 * same gray and threshold; they come at the images' size ({@link DataSpecs#load(String, java.nio.file.Path, int)}
 * resizes image files to it; arrays are taken as they are), one for every image or one per image.
 *
 * @param keep   count·height·width values, 1 keep or 0 inpaint, mask by mask
 * @param count  1 (one mask for every image) or the number of images
 * @param height rows
 * @param width  columns
 */
public record InpaintingMasks(float[] keep, int count, int height, int width) {
    /** The gray level from which a pixel is kept: {@code level / 255 >= 0.5}. */
    public static final int KEEP_FROM = 128;

    public InpaintingMasks {
        if (count < 1 || height < 1 || width < 1 || (long) count * height * width != keep.length) {
            throw new IllegalArgumentException(keep.length + " values are not " + count + " masks of " + height + "x" + width);
        }
    }

    /**
     * The masks of images {@code first .. first+count-1} of a source of {@code sourceCount} images. {@code masks}
     * (gray or RGB) holds one mask for every image, one per image taken, or one per image of the source, of which
     * the same ones are taken.
     *
     * @param invert white inpaints and black keeps instead (as Stable Diffusion's inpainting masks)
     * @throws IllegalArgumentException when {@code masks} holds another number of masks
     */
    public static InpaintingMasks of(ImageSet masks, int first, int count, int sourceCount, boolean invert) {
        Objects.checkFromIndexSize(first, count, sourceCount);
        int from;
        if (masks.count() == 1 || masks.count() == count && masks.count() != sourceCount) {
            from = 0;
        } else if (masks.count() == sourceCount) {
            from = first;
        } else {
            throw new IllegalArgumentException(masks.count() + " masks for " + count + " images (give one, one per image taken,"
                    + " or one per image of the source)");
        }
        int n = masks.count() == 1 ? 1 : count;
        int hw = masks.height() * masks.width();
        byte[] p = masks.withChannels(1).pixels();
        float[] keep = new float[n * hw];
        for (int i = 0; i < keep.length; i++) {
            keep[i] = ((p[from * hw + i] & 0xff) >= KEEP_FROM) != invert ? 1f : 0f;
        }
        return new InpaintingMasks(keep, n, masks.height(), masks.width());
    }

    /** Whether no mask keeps any pixel: every pixel is inpainted. */
    public boolean keepsNothing() {
        for (float k : keep) {
            if (k == 1f) {
                return false;
            }
        }
        return true;
    }
}
