package ddpm4j.cli;

/** Checks of option values and inputs that several commands make, each failing with one wording. */
final class Checks {
    private Checks() {
    }

    /** Refuses {@code value} below {@code min}: "OPTION must be at least MIN, got V". A null value (not given) passes. */
    static void atLeast(String option, Integer value, int min) {
        if (value != null && value < min) {
            throw new UserException(option + " must be at least " + min + ", got " + value);
        }
    }

    /** Refuses images of {@code source} whose channel count is not the model's: "SOURCE: images have C channels but the model takes M". */
    static void channels(Object source, int channels, int modelChannels) {
        if (channels != modelChannels) {
            throw new UserException(source + ": images have " + channels + " channels but the model takes " + modelChannels);
        }
    }
}
