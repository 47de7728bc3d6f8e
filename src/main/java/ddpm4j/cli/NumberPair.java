package ddpm4j.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** An option value of exactly two numbers, {@code A,B} (e.g. {@code --beta-range 1e-4,0.02}). */
record NumberPair(double first, double second) {
    /** Parses {@code A,B}; anything else is a usage error naming the value. */
    static final class Converter implements ITypeConverter<NumberPair> {
        @Override
        public NumberPair convert(String value) {
            String[] parts = value.split(",", -1);
            try {
                if (parts.length == 2) {
                    return new NumberPair(Double.parseDouble(parts[0].strip()), Double.parseDouble(parts[1].strip()));
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new TypeConversionException("'" + value + "' is not two numbers A,B");
        }
    }
}
