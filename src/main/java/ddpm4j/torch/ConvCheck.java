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
 * @param errors for each path tried, in order (the preferred first), its largest relative error (L2, over the output
 *               and each gradient used) against the reference; NaN where it produced NaN
 * @param seconds how long the check took
 */
public record ConvCheck(ConvShape shape, ConvPath path, Map<ConvPath, Double> errors, double seconds) {
    public ConvCheck {
        errors = Collections.unmodifiableMap(new LinkedHashMap<>(errors));
    }

    /** The path the shape would take if it agreed: the first one tried. */
    public ConvPath preferred() {
        return errors.keySet().iterator().next();
    }

    /** Whether the preferred path was wrong for this shape and another one is used. */
    public boolean switched() {
        return path != preferred();
    }

    /** One line: the shape, the preferred path's error, and the path taken. */
    public String describe() {
        Double first = errors.get(preferred());
        if (!switched()) {
            return String.format(Locale.ROOT, "convolution %s: %s agrees with the float64 reference (relative error %.1e)",
                    shape, preferred().description(), first);
        }
        return String.format(Locale.ROOT, "%s computes the convolution %s wrongly on this CPU (relative error %s against float64);"
                + " using %s instead", preferred().description(), shape,
                first.isNaN() ? "NaN" : String.format(Locale.ROOT, "%.2g", first), path.description());
    }
}
