package ddpm4j.schedule;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@code scheduler_config.json}: which diffusers scheduler samples ({@code _class_name}), the
 * diffusion process every scheduler shares (T, β, what the network predicts and its variance), and
 * the scheduler's own keys ({@code settings}), each read with diffusers' default when absent
 * ({@link SchedulerClass}). Keys of another supported scheduler are kept, so
 * {@link #with(SchedulerClass)} swaps the scheduler as diffusers' {@code from_config} does.
 *
 * @param scheduler         {@code _class_name}
 * @param numTrainTimesteps {@code num_train_timesteps}: T
 * @param betaStart         {@code beta_start}
 * @param betaEnd           {@code beta_end}
 * @param betaSchedule      {@code beta_schedule}
 * @param trainedBetas      {@code trained_betas}: explicit β values, or null
 * @param variance          {@code variance_type}
 * @param prediction        {@code prediction_type}: what the network predicts
 * @param settings          every other key that was given, by name (sorted, unmodifiable)
 */
public record SchedulerConfig(
        SchedulerClass scheduler,
        int numTrainTimesteps,
        double betaStart,
        double betaEnd,
        BetaSchedule betaSchedule,
        double[] trainedBetas,
        VarianceType variance,
        Prediction prediction,
        Map<String, Object> settings) {

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS) // diffusers writes -Infinity for lambda_min_clipped
            .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
            .build();

    /** The longest process read (published models use 1,000 to 4,000 steps): its tables are made whole. */
    public static final int MAX_TRAIN_TIMESTEPS = 100_000;

    public SchedulerConfig {
        java.util.Objects.requireNonNull(scheduler, "scheduler");
        java.util.Objects.requireNonNull(betaSchedule, "betaSchedule");
        java.util.Objects.requireNonNull(variance, "variance");
        java.util.Objects.requireNonNull(prediction, "prediction");
        if (numTrainTimesteps <= 0 || numTrainTimesteps > MAX_TRAIN_TIMESTEPS) {
            throw new IllegalArgumentException("num_train_timesteps must be in [1, " + MAX_TRAIN_TIMESTEPS + "], got " + numTrainTimesteps);
        }
        if (trainedBetas != null && trainedBetas.length != numTrainTimesteps) {
            throw new IllegalArgumentException("trained_betas has " + trainedBetas.length
                    + " values but num_train_timesteps is " + numTrainTimesteps);
        }
        if (trainedBetas != null) {
            for (int i = 0; i < trainedBetas.length; i++) {
                if (!(trainedBetas[i] > 0 && trainedBetas[i] <= 1)) {
                    throw new IllegalArgumentException("trained_betas[" + i + "] must be in (0, 1], got " + trainedBetas[i]);
                }
            }
        }
        if (!(betaStart > 0 && betaEnd >= betaStart && betaEnd <= 1)) {
            throw new IllegalArgumentException("beta_start and beta_end must satisfy 0 < beta_start <= beta_end < 1, got "
                    + betaStart + " and " + betaEnd);
        }
        Map<String, Object> checked = new TreeMap<>();
        boolean edmProcess = edmProcess(scheduler, settings);
        for (Map.Entry<String, Object> e : settings.entrySet()) {
            // an EDM process's keys describe the process whichever scheduler reads it (EulerDiscreteScheduler's own sigma_min is another key)
            SchedulerKey own = edmProcess && EdmProcess.KEYS.contains(e.getKey()) ? SchedulerClass.EDM_EULER.key(e.getKey()) : scheduler.key(e.getKey());
            SchedulerKey other = SchedulerClass.anyKey(e.getKey());
            if (other == null) {
                throw new IllegalArgumentException("unknown key '" + e.getKey() + "'");
            }
            // a key of another scheduler waits for that one; it is checked when a scheduler that has it reads it
            checked.put(e.getKey(), own != null ? own.check(e.getValue()) : e.getValue());
        }
        settings = Collections.unmodifiableMap(checked);
        if (edmProcess) { // its values checked together now, not when a sampler first reads them
            Map<String, Object> given = settings;
            EdmProcess.of(name -> given.containsKey(name) ? given.get(name) : SchedulerClass.EDM_EULER.key(name).fallback());
        }
        if (settings.get("clip_sample_range") instanceof Number r && !(r.doubleValue() > 0)) {
            throw new IllegalArgumentException("clip_sample_range must be positive, got " + r);
        }
    }

    /** A DDPMScheduler for this process with x̂₀ clipping and a timestep spacing. */
    public SchedulerConfig(int numTrainTimesteps, double betaStart, double betaEnd, BetaSchedule betaSchedule, double[] trainedBetas,
                           VarianceType variance, boolean clipSample, double clipSampleRange, Prediction prediction, String timestepSpacing) {
        this(SchedulerClass.DDPM, numTrainTimesteps, betaStart, betaEnd, betaSchedule, trainedBetas, variance, prediction,
                Map.of("clip_sample", clipSample, "clip_sample_range", clipSampleRange, "timestep_spacing", timestepSpacing));
    }

    /** The paper's process: T = 1000, β linear from 1e-4 to 0.02, σ² = β, x̂₀ clipped. */
    public static SchedulerConfig paper() {
        return new SchedulerConfig(1000, 1e-4, 0.02, BetaSchedule.LINEAR, null, VarianceType.FIXED_LARGE, true, 1.0,
                Prediction.EPSILON, "leading");
    }

    /**
     * An EDM process (what {@code train --objective edm} trains) as diffusers' EDMEulerScheduler configures it: the process's
     * keys, {@code prediction} (epsilon: EDM's own c_out; v_prediction: negated) and EDM's final σ of 0.
     */
    public static SchedulerConfig edm(EdmProcess process, Prediction prediction) {
        Map<String, Object> s = new TreeMap<>(process.settings());
        s.put("final_sigmas_type", "zero");
        SchedulerConfig paper = paper();
        return new SchedulerConfig(SchedulerClass.EDM_EULER, paper.numTrainTimesteps, paper.betaStart, paper.betaEnd, paper.betaSchedule,
                null, VarianceType.FIXED_SMALL, prediction, s);
    }

    /** The same process with another β schedule, prediction and variance. */
    public SchedulerConfig with(BetaSchedule schedule, int steps, VarianceType variance, Prediction prediction) {
        return new SchedulerConfig(scheduler, steps, betaStart, betaEnd, schedule, null, variance, prediction, settings);
    }

    /** The same process with β from {@code start} to {@code end} (for the schedules that take a range). */
    public SchedulerConfig withBetas(double start, double end) {
        return new SchedulerConfig(scheduler, numTrainTimesteps, start, end, betaSchedule, trainedBetas, variance, prediction, settings);
    }

    /**
     * The same configuration read by another scheduler (diffusers' {@code OtherScheduler.from_config(config)}); an EDM
     * process stays one (its {@code sigma_data} kept in the settings, where the other scheduler finds it).
     */
    public SchedulerConfig with(SchedulerClass other) {
        if ((other == SchedulerClass.CONSISTENCY) != (scheduler == SchedulerClass.CONSISTENCY)) {
            throw new IllegalArgumentException(scheduler == SchedulerClass.CONSISTENCY
                    ? "this model is a consistency model (CMStochasticIterativeScheduler): it samples with its own scheduler, not "
                            + other.className
                    : other.className + " samples consistency models; this model's process is " + scheduler.className);
        }
        if (other.edm() && edm() == null) {
            throw new IllegalArgumentException(other.className + " samples networks trained with EDM's preconditioning; this model's"
                    + " process is one of β's (" + scheduler.className + "): EDM's sampler for it is heun or euler with --set s_churn=...");
        }
        Map<String, Object> s = settings;
        if (scheduler.edm() && !settings.containsKey(EdmProcess.MARKER)) {
            s = new TreeMap<>(settings);
            s.put(EdmProcess.MARKER, SchedulerClass.EDM_EULER.key(EdmProcess.MARKER).fallback());
        }
        return new SchedulerConfig(other, numTrainTimesteps, betaStart, betaEnd, betaSchedule, trainedBetas, variance, prediction, s);
    }

    /**
     * The EDM process (Karras et al. 2022) this configuration describes, or null for a process of β's: the model was
     * trained with EDM's preconditioning when its scheduler is one of diffusers' EDM schedulers, or the configuration
     * names {@code sigma_data} (kept so when another scheduler reads it).
     */
    public EdmProcess edm() {
        if (!edmProcess(scheduler, settings)) {
            return null;
        }
        return EdmProcess.of(name -> {
            SchedulerKey key = SchedulerClass.EDM_EULER.key(name);
            return settings.containsKey(name) ? key.check(settings.get(name)) : key.fallback();
        });
    }

    /**
     * Whether the keys describe an EDM process: one of diffusers' EDM schedulers, or another that names sigma_data; a
     * consistency model's configuration names sigma_data too, for its own parameterization, and is not one.
     */
    private static boolean edmProcess(SchedulerClass scheduler, Map<String, Object> settings) {
        return scheduler != SchedulerClass.CONSISTENCY && (scheduler.edm() || settings.containsKey(EdmProcess.MARKER));
    }

    /** Whether the process is one of β's with T training steps (not EDM's σ's, nor a consistency model's grid). */
    public boolean hasBetas() {
        return scheduler.hasBetas() && edm() == null;
    }

    /** The same configuration with one of the scheduler's keys set. */
    public SchedulerConfig withSetting(String key, Object value) {
        Map<String, Object> s = new TreeMap<>(settings);
        s.put(key, value);
        return new SchedulerConfig(scheduler, numTrainTimesteps, betaStart, betaEnd, betaSchedule, trainedBetas, variance,
                prediction, s);
    }

    /** diffusers' class name, {@code _class_name}. */
    public String className() {
        return scheduler.className;
    }

    /** Whether the scheduler has key {@code name}. */
    public boolean has(String name) {
        return scheduler.key(name) != null;
    }

    /** The scheduler's key {@code name}: its value here, else diffusers' default. */
    public Object value(String name) {
        SchedulerKey key = scheduler.key(name);
        if (key == null) {
            throw new IllegalStateException(scheduler.className + " has no key '" + name + "'");
        }
        return settings.containsKey(name) ? key.check(settings.get(name)) : key.fallback();
    }

    public boolean bool(String name) {
        return (Boolean) value(name);
    }

    public int integer(String name) {
        return (Integer) value(name);
    }

    public double number(String name) {
        return (Double) value(name);
    }

    /** A key that may be null (diffusers' None). */
    public Double optionalNumber(String name) {
        return (Double) value(name);
    }

    public String text(String name) {
        return (String) value(name);
    }

    /** A list-valued key. */
    public List<?> list(String name) {
        return (List<?>) value(name);
    }

    /** {@code clip_sample} as DDPMScheduler reads it (default true). */
    public boolean clipSample() {
        return !(settings.get("clip_sample") instanceof Boolean b) || b;
    }

    /** {@code clip_sample_range} (default 1). */
    public double clipSampleRange() {
        return settings.get("clip_sample_range") instanceof Number n ? n.doubleValue() : 1.0;
    }

    /** The β values this configuration describes. */
    public double[] betas() {
        if (trainedBetas != null) {
            return trainedBetas.clone();
        }
        return betaSchedule.betas(numTrainTimesteps, betaStart, betaEnd);
    }

    public NoiseSchedule schedule() {
        return new NoiseSchedule(betas());
    }

    /** Whether the network has extra output channels for its variance. */
    public boolean learnedVariance() {
        return variance.learned();
    }

    /** Refuses timesteps the model was not trained on: each must lie in 0..T−1. */
    public void requireTrainedTimesteps(long[] t) {
        for (int i = 0; i < t.length; i++) {
            if (t[i] < 0 || t[i] >= numTrainTimesteps) {
                throw new IllegalArgumentException("timestep " + t[i] + " at index " + i + " is outside 0.." + (numTrainTimesteps - 1)
                        + ", the steps this model was trained on (num_train_timesteps " + numTrainTimesteps + ")");
            }
        }
    }

    /**
     * The configuration in the text of a {@code scheduler_config.json}; keys starting with '_'
     * other than {@code _class_name} and {@link #INFERENCE_STEPS} are metadata and dropped.
     *
     * @throws IllegalArgumentException naming the key that is wrong
     */
    public static SchedulerConfig parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("expected a JSON object");
        }
        Map<String, Object> settings = new TreeMap<>();
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if ((!k.startsWith("_") || k.equals(INFERENCE_STEPS)) && !PROCESS_KEYS.contains(k)) {
                settings.put(k, plain(k, root.get(k)));
            }
        }
        SchedulerClass kind = SchedulerClass.of(text(root, "_class_name", SchedulerClass.DDPM.className));
        return new SchedulerConfig(
                kind,
                integer(root, "num_train_timesteps", kind.defaultTrainTimesteps()),
                number(root, "beta_start", 1e-4),
                number(root, "beta_end", 0.02),
                BetaSchedule.fromConfig(text(root, "beta_schedule", "linear")),
                doubles(root, "trained_betas"),
                VarianceType.fromConfig(text(root, "variance_type", "fixed_small")),
                Prediction.fromConfig(text(root, "prediction_type", "epsilon")),
                settings);
    }

    /** The one metadata key kept: the steps the model is drawn with by default ({@code Samplers.defaultSteps}). */
    public static final String INFERENCE_STEPS = "_ddpm4j_inference_steps";

    private static final List<String> PROCESS_KEYS = List.of("num_train_timesteps", "beta_start", "beta_end", "beta_schedule",
            "trained_betas", "variance_type", "prediction_type");

    /** The text of a {@code scheduler_config.json} diffusers reads. */
    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("_class_name", scheduler.className);
        if (scheduler.hasBetas()) { // diffusers' EDM and consistency schedulers have no β's
            o.put("beta_end", betaEnd);
            o.put("beta_schedule", betaSchedule.configName);
            o.put("beta_start", betaStart);
        }
        o.put("num_train_timesteps", numTrainTimesteps);
        if (scheduler != SchedulerClass.CONSISTENCY) { // a consistency function predicts x₀ through its own parameterization
            o.put("prediction_type", prediction.configName);
        }
        if (scheduler.hasBetas()) {
            if (trainedBetas == null) {
                o.putNull("trained_betas");
            } else {
                ArrayNode a = o.putArray("trained_betas");
                for (double b : trainedBetas) {
                    a.add(b);
                }
            }
            o.put("variance_type", variance.configName);
        }
        settings.forEach((k, v) -> o.set(k, JSON.valueToTree(v)));
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The value of {@code key} that {@code text} gives as a scheduler_config.json would hold it (true, 3, 0.5, [0, 1],
     * null), or the text itself where it is no JSON value (a bare word such as linspace or dpmsolver++): what the command
     * line's {@code --set KEY=VALUE} sets.
     */
    public static Object valueOf(String key, String text) {
        JsonNode n;
        try {
            n = JSON.reader().with(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(text);
        } catch (JsonProcessingException e) {
            return text;
        }
        return n == null || n.isMissingNode() || n.isObject() ? text : plain(key, n);
    }

    /** The text {@link #valueOf} reads back as {@code value}: a bare word as it is, anything else as JSON. */
    public static String valueText(Object value) {
        if (value instanceof String s && s.equals(valueOf("", s))) {
            return s;
        }
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a scheduler value: " + value, e);
        }
    }

    private static Object plain(String key, JsonNode n) {
        if (n.isNull() || n.isBoolean() || n.isNumber() || n.isTextual()) {
            return n.isNull() ? null : n.isBoolean() ? n.asBoolean() : n.isTextual() ? n.asText()
                    : n.isIntegralNumber() && n.canConvertToInt() ? (Object) n.asInt() : (Object) n.asDouble();
        }
        if (n.isArray()) {
            java.util.List<Object> out = new java.util.ArrayList<>();
            for (JsonNode e : n) {
                if (!e.isIntegralNumber() || !e.canConvertToInt()) {
                    throw new IllegalArgumentException("'" + key + "' must be a list of integers, got " + n);
                }
                out.add(e.asInt());
            }
            return List.copyOf(out);
        }
        throw new IllegalArgumentException("'" + key + "' must be a number, string, boolean, list of integers or null, got " + n);
    }

    private static String text(JsonNode root, String key, String fallback) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isTextual()) {
            throw new IllegalArgumentException("'" + key + "' must be a string, got " + n);
        }
        return n.asText();
    }

    private static int integer(JsonNode root, String key, int fallback) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (n.isNumber() && n.asDouble() == Math.rint(n.asDouble()) && Math.abs(n.asDouble()) < Integer.MAX_VALUE) {
            return (int) n.asDouble();
        }
        throw new IllegalArgumentException("'" + key + "' must be an integer, got " + n);
    }

    private static double number(JsonNode root, String key, double fallback) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isNumber()) {
            throw new IllegalArgumentException("'" + key + "' must be a number, got " + n);
        }
        return n.asDouble();
    }

    private static double[] doubles(JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isArray()) {
            throw new IllegalArgumentException("'" + key + "' must be a list of numbers, got a " + n.getNodeType());
        }
        double[] out = new double[n.size()];
        for (int i = 0; i < out.length; i++) {
            if (!n.get(i).isNumber()) {
                throw new IllegalArgumentException("'" + key + "' must be a list of numbers");
            }
            out[i] = n.get(i).asDouble();
        }
        return out;
    }
}
