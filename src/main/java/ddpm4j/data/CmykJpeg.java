package ddpm4j.data;

import ddpm4j.io.FormatException;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.metadata.IIOMetadata;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;

/**
 * CMYK JPEGs read as PIL reads them ({@code Image.open(f).convert("RGB")}, what diffusers' pipelines and
 * pytorch-fid see), not as Java 2D converts them through a colour profile (51 levels apart on average): the
 * stored values are taken as inverted C, M, Y, K (Adobe's convention, which Photoshop and PIL write and PIL
 * assumes of every CMYK JPEG, marker or not) and become R = (255 − K) − C·(255 − K)/255, likewise G from M and
 * B from Y, each product rounded as PIL rounds it.
 * Adobe's YCCK JPEGs are refused: their colour transform is not PIL's to check against here.
 */
final class CmykJpeg {
    private static final String NATIVE_FORMAT = "javax_imageio_jpeg_image_1.0";

    private CmykJpeg() {
    }

    /** Whether image 0 of {@code reader} (its input set) is a four-channel JPEG. */
    static boolean is(ImageReader reader) throws IOException {
        if (!reader.getFormatName().equalsIgnoreCase("jpeg")) {
            return false;
        }
        Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
        return types.hasNext() && types.next().getColorModel().getColorSpace().getType() == ColorSpace.TYPE_CMYK;
    }

    /** Image 0 of {@code reader}, a {@link #is four-channel JPEG}, as PIL's RGB. */
    static BufferedImage read(ImageReader reader, Path file) throws IOException {
        Node adobe = adobeMarker(reader.getImageMetadata(0));
        int transform = adobe == null ? 0 : Integer.parseInt(attribute(adobe, "transform"));
        if (transform != 0) {
            throw new FormatException(file, "is a YCCK JPEG (Adobe colour transform " + transform + "), which is not read; save it as RGB");
        }
        Raster raster = reader.readRaster(0, null);
        if (raster.getNumBands() != 4) {
            throw new FormatException(file, "a CMYK JPEG with " + raster.getNumBands() + " channels");
        }
        int w = raster.getWidth();
        int h = raster.getHeight();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] cmyk = new int[4];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                raster.getPixel(raster.getMinX() + x, raster.getMinY() + y, cmyk);
                for (int k = 0; k < 4; k++) {
                    cmyk[k] = 255 - cmyk[k]; // stored inverted
                }
                int notBlack = 255 - cmyk[3];
                out.setRGB(x, y, channel(cmyk[0], notBlack) << 16 | channel(cmyk[1], notBlack) << 8 | channel(cmyk[2], notBlack));
            }
        }
        return out;
    }

    /** (255 − K) − C·(255 − K)/255 with PIL's rounded division by 255. */
    private static int channel(int ink, int notBlack) {
        int product = ink * notBlack + 128;
        return Math.max(0, Math.min(255, notBlack - ((product >> 8) + product >> 8)));
    }

    private static Node adobeMarker(IIOMetadata metadata) {
        if (metadata == null) {
            return null;
        }
        Node root = metadata.getAsTree(NATIVE_FORMAT);
        for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n.getNodeName().equals("markerSequence")) {
                for (Node m = n.getFirstChild(); m != null; m = m.getNextSibling()) {
                    if (m.getNodeName().equals("app14Adobe")) {
                        return m;
                    }
                }
            }
        }
        return null;
    }

    private static String attribute(Node node, String name) {
        NamedNodeMap attributes = node.getAttributes();
        Node a = attributes == null ? null : attributes.getNamedItem(name);
        return a == null ? "0" : a.getNodeValue();
    }
}
