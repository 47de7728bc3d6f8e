package ddpm4j.torch;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What the self-check found for one convolution shape.
 *
 * @param shape  the probed shape
 * @param path   the path chosen: the first that agreed with the float64 reference
 * @param errors for each path tried, in order, its largest relative error (L2, over the output
 *               and each gradient used) against the reference; NaN where it produced NaN
 * @param seconds how long the check took
 */
public record ConvCheck(ConvShape shape, ConvPath path, Map<ConvPath, Double> errors, double seconds) {
    public ConvCheck {
        errors = Collections.unmodifiableMap(new LinkedHashMap<>(errors));
    }

    /** Whether oneDNN's plain convolution was wrong for this shape and another path is used. */
    public boolean switched() {
        return path != ConvPath.ONEDNN;
    }

    /** One line: the shape, oneDNN's error, and the path taken. */
    public String describe() {
        Double plain = errors.get(ConvPath.ONEDNN);
        if (!switched()) {
            return String.format(Locale.ROOT, "convolution %s: oneDNN agrees with the float64 reference (relative error %.1e)", shape, plain);
        }
        return String.format(Locale.ROOT, "oneDNN computes the convolution %s wrongly on this CPU (relative error %s against float64);"
                + " using %s instead", shape, plain == null || plain.isNaN() ? "NaN" : String.format(Locale.ROOT, "%.2g", plain),
                path.description());
    }
}
