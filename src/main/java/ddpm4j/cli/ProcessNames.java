package ddpm4j.cli;

import ddpm4j.io.ModelDirectory;
import ddpm4j.schedule.BetaSchedule;
import ddpm4j.schedule.Prediction;
import ddpm4j.schedule.VarianceType;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.util.Arrays;
import java.util.Iterator;
import java.util.function.Function;

/**
 * Names on the command line spelled as in the files (the process's as in scheduler_config.json): each class
 * converts an option's value and lists the accepted names for {@code ${COMPLETION-CANDIDATES}}.
 */
final class ProcessNames {
    private ProcessNames() {
    }

    private abstract static class Names<E extends Enum<E>> implements ITypeConverter<E>, Iterable<String> {
        private final E[] values;
        private final Function<E, String> name;
        private final Function<String, E> parse;

        Names(E[] values, Function<E, String> name, Function<String, E> parse) {
            this.values = values;
            this.name = name;
            this.parse = parse;
        }

        @Override
        public E convert(String value) {
            try {
                return parse.apply(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }

        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(values).map(name).iterator();
        }
    }

    static final class Schedule extends Names<BetaSchedule> {
        Schedule() {
            super(BetaSchedule.values(), s -> s.configName, BetaSchedule::fromConfig);
        }
    }

    static final class Variance extends Names<VarianceType> {
        Variance() {
            super(VarianceType.values(), v -> v.configName, VarianceType::fromConfig);
        }
    }

    static final class Predicts extends Names<Prediction> {
        Predicts() {
            super(Prediction.values(), p -> p.configName, Prediction::fromConfig);
        }
    }

    static final class Layouts extends Names<ModelDirectory.Layout> {
        Layouts() {
            super(ModelDirectory.Layout.values(), ModelDirectory.Layout::configName, ModelDirectory.Layout::of);
        }
    }
}
