package ddpm4j.sample;

import ddpm4j.diffusion.Denoiser;

/**
 * What a class-conditional network is told while it samples: the class of each image of a run
 * ({@code classes}, repeated over the images), the "no class" label it was trained with by label
 * dropout, and the classifier-free guidance weight w ({@link ClassConditioning#guided}).
 *
 * @param classes   the classes in turn, image k taking {@code classes[k % length]}
 * @param nullLabel the "no class" label (the last class embedding)
 * @param guidance  w: 1 plain conditional, 0 unconditional, above 1 stronger
 */
public record Conditioning(int[] classes, long nullLabel, double guidance) {
    public Conditioning {
        if (classes.length == 0) {
            throw new IllegalArgumentException("conditioning needs at least one class");
        }
        for (int k : classes) {
            if (k < 0 || k > nullLabel) {
                throw new IllegalArgumentException("classes must be in [0, " + nullLabel + ") (label " + nullLabel
                        + " is the no-class label), got " + k);
            }
        }
        if (!(guidance >= 0 && Double.isFinite(guidance))) {
            throw new IllegalArgumentException("guidance must be a non-negative number, got " + guidance);
        }
        classes = classes.clone();
    }

    /** Every class in turn, 0 .. nullLabel − 1. */
    public static Conditioning everyClass(long nullLabel, double guidance) {
        int[] all = new int[Math.toIntExact(nullLabel)];
        for (int k = 0; k < all.length; k++) {
            all[k] = k;
        }
        return new Conditioning(all, nullLabel, guidance);
    }

    /** The "no class" label for every image: the network as an unconditional model. */
    public static Conditioning noClass(long nullLabel) {
        return new Conditioning(new int[] {Math.toIntExact(nullLabel)}, nullLabel, 1.0);
    }

    /** The labels of images {@code first .. first+count−1}. */
    public long[] labels(long first, int count) {
        long[] y = new long[count];
        for (int i = 0; i < count; i++) {
            y[i] = classes[(int) ((first + i) % classes.length)];
        }
        return y;
    }

    /**
     * {@code net} as a denoiser of the batch that starts at image {@code first} of the run, whatever
     * its size; with a learned variance only the first {@code dataChannels} output channels are guided.
     */
    public Denoiser bind(ClassConditioning.ConditionalNet net, int dataChannels, long first) {
        return (x, t) -> ClassConditioning.guided(net, labels(first, (int) x.size(0)), nullLabel, guidance, dataChannels).apply(x, t);
    }

    /** {@link #bind} for every batch of a run. */
    public Generation.PerImages perImages(ClassConditioning.ConditionalNet net, int dataChannels) {
        return (first, count) -> bind(net, dataChannels, first);
    }
}
