package ddpm4j.schedule;

import java.util.List;

/**
 * One key of a diffusers scheduler's {@code scheduler_config.json} besides the process itself: its
 * name, its type, diffusers' default, and the values this project honours (empty: every value of
 * the type).
 *
 * @param name      the JSON key
 * @param type      what the value must be
 * @param fallback  diffusers' default, used when the key is absent
 * @param supported the values honoured, or empty for all
 */
public record SchedulerKey(String name, Type type, Object fallback, List<Object> supported) {
    /** The JSON types of scheduler keys; numbers may be null where diffusers allows None. */
    public enum Type { BOOL, INT, NUMBER, TEXT, NUMBER_OR_NULL, INT_LIST }

    static SchedulerKey bool(String name, boolean fallback) {
        return new SchedulerKey(name, Type.BOOL, fallback, List.of());
    }

    /** A switch this project honours only at its default. */
    static SchedulerKey off(String name) {
        return new SchedulerKey(name, Type.BOOL, false, List.of(false));
    }

    static SchedulerKey integer(String name, int fallback, Integer... supported) {
        return new SchedulerKey(name, Type.INT, fallback, List.of((Object[]) supported));
    }

    static SchedulerKey number(String name, double fallback) {
        return new SchedulerKey(name, Type.NUMBER, fallback, List.of());
    }

    static SchedulerKey optionalNumber(String name) {
        return new SchedulerKey(name, Type.NUMBER_OR_NULL, null, List.of());
    }

    /** A key this project honours only when absent or null (diffusers' None). */
    static SchedulerKey nullOnly(String name) {
        return new SchedulerKey(name, Type.NUMBER_OR_NULL, null, java.util.Arrays.asList((Object) null));
    }

    static SchedulerKey integers(String name) {
        return new SchedulerKey(name, Type.INT_LIST, List.of(), List.of());
    }

    static SchedulerKey text(String name, String fallback, String... supported) {
        return new SchedulerKey(name, Type.TEXT, fallback, List.of((Object[]) supported));
    }

    /**
     * The value {@code raw} (from JSON: Boolean, Integer, Long, Double, String or null) as this key's
     * type, or an IllegalArgumentException naming the key.
     */
    Object check(Object raw) {
        Object v = switch (type) {
            case BOOL -> raw instanceof Boolean ? raw : null;
            case INT -> raw instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) < 1e9
                    ? Integer.valueOf(n.intValue()) : null;
            case NUMBER -> raw instanceof Number n ? Double.valueOf(n.doubleValue()) : null;
            case NUMBER_OR_NULL -> raw instanceof Number n ? Double.valueOf(n.doubleValue()) : null;
            case TEXT -> raw instanceof String ? raw : null;
            case INT_LIST -> raw instanceof List<?> l && l.stream().allMatch(e -> e instanceof Integer) ? List.copyOf(l) : null;
        };
        if (v == null && !(raw == null && type == Type.NUMBER_OR_NULL)) {
            throw new IllegalArgumentException("'" + name + "' must be " + switch (type) {
                case BOOL -> "true or false";
                case INT -> "an integer";
                case NUMBER -> "a number";
                case NUMBER_OR_NULL -> "a number or null";
                case TEXT -> "a string";
                case INT_LIST -> "a list of integers";
            } + ", got " + raw);
        }
        if (!supported.isEmpty() && !supported.contains(v)) {
            throw new IllegalArgumentException("'" + name + "' has unsupported value " + quoted(v) + " (supported: "
                    + String.join(", ", supported.stream().map(SchedulerKey::quoted).toList()) + ")");
        }
        return v;
    }

    private static String quoted(Object v) {
        return v instanceof String ? "'" + v + "'" : String.valueOf(v);
    }
}
