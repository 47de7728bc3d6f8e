package ddpm4j.eval;

import ddpm4j.data.ImageSet;
import ddpm4j.torch.Device;

import java.util.function.IntConsumer;

/** A network whose features and class probabilities score images: the FID Inception or a judge. */
public interface FeatureExtractor extends AutoCloseable {
    /** Features and logits of every image; {@code progress} hears how many images each batch held. */
    default Features extract(ImageSet images, IntConsumer progress) {
        return extract(images, progress, ddpm4j.dist.Group.single());
    }

    /** As above, the batches dealt across the ranks of {@code group}; every rank gets every image's features. */
    Features extract(ImageSet images, IntConsumer progress, ddpm4j.dist.Group group);

    /** Moves the network to {@code device} (images are copied there batch by batch); returns this extractor. */
    FeatureExtractor to(Device device);

    /** For reports. */
    String describe();

    /** The side of the images it takes, or 0 for any (resized inside). */
    default int imageSize() {
        return 0;
    }

    /** The channels of the images it takes, or 0 for gray or RGB. */
    default int channels() {
        return 0;
    }

    /** For a default reference: the data it was trained on, or null. */
    default String trainedOn() {
        return null;
    }

    @Override
    void close();
}
